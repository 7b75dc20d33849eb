package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recorder-dev/recorder/safefile"
)

// ErrClash: two outputs of a run would be one file, and the one written
// last would replace the other.
var ErrClash = errors.New("outputs clash")

// Check refuses, with an error wrapping ErrClash, outputs that would
// replace one another: --explain or --json=FILE where the profile goes,
// --json=FILE where the explanation goes, or in the output directory,
// where a group's profile may have its name (a comm "summary" is the file
// summary.json).
func (w *Writer) Check() error {
	clash := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrClash)
	}
	if w.Explain != "" && w.Dir == "" && safefile.SameOutput(w.Path, w.Explain) {
		return clash("--explain %s: the profile goes there (--output %s)", w.Explain, w.Path)
	}
	j := w.JSON
	switch {
	case j == "" || j == "-":
	case w.Dir != "" && inDir(j, w.Dir):
		return clash("--json=%s: in the output directory %s, where a group's profile may have its name", j, w.Dir)
	case w.Dir == "" && safefile.SameOutput(w.Path, j):
		return clash("--json=%s: the profile goes there (--output %s)", j, w.Path)
	case w.Explain != "" && safefile.SameOutput(w.Explain, j):
		return clash("--json=%s: the explanation goes there (--explain %s)", j, w.Explain)
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
