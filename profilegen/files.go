package profilegen

import (
	"io"
	"os"

	"github.com/recorder-dev/recorder/safefile"
)

// The link-safe writing of files is package safefile's; these names are
// its, kept here for the callers that know them by profilegen's name.
var (
	ErrUnsafeDir = safefile.ErrUnsafeDir
	ErrDevice    = safefile.ErrDevice
)

// Dest is safefile.Dest.
type Dest = safefile.Dest

const (
	DestFile   = safefile.DestFile
	DestStdout = safefile.DestStdout
	DestNull   = safefile.DestNull
)

// OutputDest is safefile.OutputDest.
func OutputDest(path string) (Dest, error) { return safefile.OutputDest(path) }

// WriteOutput is safefile.WriteOutput.
func WriteOutput(path string, w io.Writer, data []byte) error {
	return safefile.WriteOutput(path, w, data)
}

// WriteFileAtomic is safefile.WriteFileAtomic.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return safefile.WriteFileAtomic(path, data, perm)
}

// SameOutput is safefile.SameOutput.
func SameOutput(a, b string) bool { return safefile.SameOutput(a, b) }
