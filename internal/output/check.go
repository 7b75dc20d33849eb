package output

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
)

// Check refuses, with a *ClashError (wrapping ErrClash), outputs that
// would replace one another: the explanation or the JSON summary where the
// profile or its provenance companion goes, the JSON summary where the
// explanation goes, the explanation in the output directory under a name
// of the profiles' extension, or the JSON summary in the output directory,
// where a group's profile may have its name (a comm "summary" is the file
// summary.json).
func (w *Writer) Check() error {
	companion := w.companion()
	switch {
	case w.Explain == "":
	case w.Dir == "" && safefile.SameOutput(w.Path, w.Explain):
		return &ClashError{FieldExplain, w.Explain, FieldPath, w.Path}
	case companion != "" && safefile.SameOutput(companion, w.Explain):
		return &ClashError{FieldExplain, w.Explain, FieldCompanion, w.Path}
	case w.Dir != "" && w.groupFile(w.Explain):
		return &ClashError{FieldExplain, w.Explain, FieldDir, w.Dir}
	}
	j := w.JSON
	switch {
	case j == "" || j == "-":
	case w.Dir != "" && inDir(j, w.Dir):
		return &ClashError{FieldJSON, j, FieldDir, w.Dir}
	case w.Dir == "" && safefile.SameOutput(w.Path, j):
		return &ClashError{FieldJSON, j, FieldPath, w.Path}
	case companion != "" && safefile.SameOutput(companion, j):
		return &ClashError{FieldJSON, j, FieldCompanion, w.Path}
	case w.Explain != "" && safefile.SameOutput(w.Explain, j):
		return &ClashError{FieldJSON, j, FieldExplain, w.Explain}
	}
	return nil
}

// companion is the path of the provenance companion of the profile file
// (an OCI profile's: profilegen.ProvenanceExt), "" for none. Provenance is
// set at the end of the work: Check counts on it.
func (w *Writer) companion() string {
	if w.Dir != "" || (w.Format != "" && w.Format != profilegen.OCI) {
		return ""
	}
	if dest, _ := safefile.OutputDest(w.Path); dest != safefile.DestFile {
		return ""
	}
	return w.Path + profilegen.ProvenanceExt
}

// groupFile reports whether file is in the output directory under a name a
// group's profile or companion may have (profilegen.FileName: any name of
// the format's extension).
func (w *Writer) groupFile(file string) bool {
	ext := w.Format.Ext()
	base := filepath.Base(file)
	return inDir(file, w.Dir) && (strings.HasSuffix(base, ext) || strings.HasSuffix(base, ext+profilegen.ProvenanceExt))
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
