package safefile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path with perm, replaced whole or not at
// all: a fresh temporary file is created beside path (O_CREAT|O_EXCL,
// never through a link), written, synced and renamed over path's directory
// entry, and the directory is synced. Whatever is at path — a file, a
// symbolic or hard link, a FIFO — is replaced, never followed or opened; a
// device node there is refused with ErrDevice, whatever the path says; the
// temporary file is removed on any failure. The directory is checked first
// (see OpenDir): one another user can write is refused with ErrUnsafeDir.
//
// A path in /dev is never replaced (a device node is never meant): writing
// to /dev/null discards data, any other /dev path is an error (OutputDest
// decides; WriteOutput is the writer of output paths, which also knows
// standard output).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	switch dest, err := devDest(path); {
	case err != nil:
		return err
	case dest == DestNull:
		return nil
	case dest == DestStdout: // WriteOutput's to write; here a device
		return fmt.Errorf("write %s: %w", path, ErrDevice)
	}
	dir, base := filepath.Split(path)
	if base == "" || base == "." || base == ".." {
		return fmt.Errorf("write %s: not a file name", path)
	}
	d, err := OpenDir(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer d.Close()
	if err := d.WriteFile(base, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
