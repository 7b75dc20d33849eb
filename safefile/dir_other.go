//go:build !linux

package safefile

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncStaged makes the data of every staged file durable, one by one
// (there is no syncfs here).
func (d *Dir) syncStaged() error {
	for _, s := range d.staged {
		fd, err := unix.Openat(d.fd(), s.tmp, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: s.tmp, Err: err}
		}
		err = unix.Fsync(fd)
		unix.Close(fd)
		if err != nil {
			return &os.PathError{Op: "sync", Path: s.tmp, Err: err}
		}
	}
	return nil
}
