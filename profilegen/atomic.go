package profilegen

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path with perm: a temporary file in the
// same directory is written, synced and renamed over path, so path holds
// either its old content or all of data, never part of it. The temporary
// file is removed on any failure. A path that names something other than a
// regular file (/dev/stdout, /dev/null, a named pipe) is written in place:
// renaming over it would replace the device with a file. A symbolic link
// keeps pointing where it points: the file it leads to is replaced (a
// dangling link is an error), as the shell's > writes through a link.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	path, err := followLink(path)
	if err != nil {
		return err
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return writeInPlace(path, data)
	}
	return writeAtomic(path, data, perm, (*os.File).Write)
}

// followLink returns the file path leads to when it is a symbolic link.
func followLink(path string) (string, error) {
	if st, err := os.Lstat(path); err != nil || st.Mode()&os.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("write %s: follow symbolic link: %w", path, err)
	}
	return target, nil
}

func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	return nil
}

// writeAtomic is WriteFileAtomic with the write step as a parameter, so
// tests can make it fail like a full disk does.
func writeAtomic(path string, data []byte, perm os.FileMode, write func(*os.File, []byte) (int, error)) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = write(f, data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable; it is best effort, as some file
// systems cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
