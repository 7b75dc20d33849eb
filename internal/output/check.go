package output

import (
	"os"
	"path/filepath"

	"github.com/recorder-dev/recorder/safefile"
)

// Check refuses, with a *ClashError (wrapping ErrClash), outputs that
// would replace one another: the explanation or the JSON summary where the
// profile goes, the JSON summary where the explanation goes, or in the
// output directory,
// where a group's profile may have its name (a comm "summary" is the file
// summary.json).
func (w *Writer) Check() error {
	if w.Explain != "" && w.Dir == "" && safefile.SameOutput(w.Path, w.Explain) {
		return &ClashError{FieldExplain, w.Explain, FieldPath, w.Path}
	}
	j := w.JSON
	switch {
	case j == "" || j == "-":
	case w.Dir != "" && inDir(j, w.Dir):
		return &ClashError{FieldJSON, j, FieldDir, w.Dir}
	case w.Dir == "" && safefile.SameOutput(w.Path, j):
		return &ClashError{FieldJSON, j, FieldPath, w.Path}
	case w.Explain != "" && safefile.SameOutput(w.Explain, j):
		return &ClashError{FieldJSON, j, FieldExplain, w.Explain}
	}
	return nil
}

// inDir reports whether file's directory is dir, by name or as a file.
func inDir(file, dir string) bool {
	in, errA := filepath.Abs(filepath.Dir(file))
	d, errB := filepath.Abs(dir)
	if errA == nil && errB == nil && in == d {
		return true
	}
	a, errA := os.Stat(in)
	b, errB := os.Stat(d)
	return errA == nil && errB == nil && os.SameFile(a, b)
}
