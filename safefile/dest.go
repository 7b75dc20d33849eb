package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Dest is where an output path sends what is written to it.
type Dest int

const (
	DestFile   Dest = iota // a file, replaced whole or not at all (WriteFileAtomic)
	DestStdout             // standard output
	DestNull               // nowhere: /dev/null
)

// OutputDest says what an output path means, for every output of the
// recorder (a profile's -o, --explain, the toolkit's -o): "", "-",
// "/dev/stdout", "/dev/fd/1" and "/proc/self/fd/1" are standard output;
// "/dev/null" discards; any other path in /dev is an error wrapping
// ErrDevice (replacing a device node is never meant); anything else is a
// file.
func OutputDest(path string) (Dest, error) {
	switch path {
	case "", "-", "/proc/self/fd/1":
		return DestStdout, nil
	}
	return devDest(path)
}

// devDest is OutputDest for the paths in /dev, which WriteFileAtomic
// refuses too: the path's text is cleaned, so /dev/../dev/full is in /dev.
func devDest(path string) (Dest, error) {
	clean := filepath.Clean(path)
	switch {
	case clean == "/dev/null":
		return DestNull, nil
	case clean == "/dev/stdout" || clean == "/dev/fd/1":
		return DestStdout, nil
	case strings.HasPrefix(clean, "/dev/"):
		return DestFile, fmt.Errorf("write %s: %w", path, ErrDevice)
	}
	return DestFile, nil
}

// errNoStdout: an output path names standard output where there is none.
var errNoStdout = errors.New("no standard output to write to")

// WriteOutput writes data where the output path says (OutputDest): to w
// for standard output, nowhere for /dev/null, else to the file path with
// mode 0644, replaced whole or not at all in a checked directory
// (OpenTarget).
func WriteOutput(path string, w io.Writer, data []byte) error {
	t, err := OpenTarget(path)
	if err != nil {
		return err
	}
	defer t.Close()
	return t.Write(w, data, 0o644)
}

// SameOutput reports whether the output paths a and b write to one place:
// standard output both, or one file (one path once made absolute, or one
// directory entry: os.SameFile of what Lstat finds, as a write replaces
// the entry, link or not). /dev/null is no place: it keeps nothing.
func SameOutput(a, b string) bool {
	da, errA := OutputDest(a)
	db, errB := OutputDest(b)
	switch {
	case errA != nil || errB != nil || da != db || da == DestNull:
		return false
	case da == DestStdout:
		return true
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	sa, errA := os.Lstat(a)
	sb, errB := os.Lstat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
