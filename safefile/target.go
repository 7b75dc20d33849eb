package safefile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Target is an output path opened before the work starts and written at
// its end: what OutputDest says it is, and for a file, its directory opened
// and checked (OpenDir) and its name checked for a device node. A bad
// output thus fails before the workload runs, and the write at the end
// goes through the directory opened then, whatever happened to the path
// since.
type Target struct {
	path string
	dest Dest
	dir  *Dir
	name string
}

// OpenTarget opens the output path (see OutputDest and OpenDir).
func OpenTarget(path string) (*Target, error) {
	dest, err := OutputDest(path)
	if err != nil {
		return nil, err
	}
	t := &Target{path: path, dest: dest}
	if dest != DestFile {
		return t, nil
	}
	base := filepath.Base(path)
	if strings.HasSuffix(path, "/") || !fileName(base) {
		return nil, fmt.Errorf("write %s: not a file name", path)
	}
	if t.dir, err = OpenDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := t.dir.notDevice(base); err != nil {
		t.dir.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if t.dir.isDir(base) {
		t.dir.Close()
		return nil, fmt.Errorf("write %s: is a directory", path)
	}
	t.name = base
	return t, nil
}

// Path is the path t was opened by.
func (t *Target) Path() string { return t.path }

// Dest is what t's path means.
func (t *Target) Dest() Dest { return t.dest }

// Write writes data where t says: to w for standard output, nowhere for
// /dev/null, else to the file with perm, replaced whole or not at all.
func (t *Target) Write(w io.Writer, data []byte, perm os.FileMode) error {
	switch {
	case t.dest == DestNull:
		return nil
	case t.dest == DestStdout && w == nil:
		return fmt.Errorf("write %s: %w", t.path, errNoStdout)
	case t.dest == DestStdout:
		_, err := w.Write(data)
		return err
	}
	if err := t.dir.WriteFile(t.name, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	if err := t.dir.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", t.path, err)
	}
	return nil
}

// Remove removes t's file, when it is one.
func (t *Target) Remove() error {
	if t.dir == nil {
		return nil
	}
	return t.dir.Remove(t.name)
}

// Close closes t's directory.
func (t *Target) Close() error {
	if t.dir == nil {
		return nil
	}
	return t.dir.Close()
}
