package safefile

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Fallback is a new directory of the user's where a recording goes when its
// own destination failed at the end (a full disk, a directory removed
// meanwhile): never to nothing.
type Fallback struct {
	*Dir
	uid, gid int // the user to give it to (Finish), -1: the caller
}

// FallbackDir makes a new directory, mode 0700, named
// recorder-lost-TIME-PID, in the home directory of the user who invoked the
// recorder (SUDO_UID's, when root runs it through sudo; else the caller's),
// or else in the temporary directory. Write the files in it, then call
// Finish, which gives it and its files to that user.
func FallbackDir() (*Fallback, error) {
	uid, gid, home := fallbackUser()
	name := "recorder-lost-" + time.Now().UTC().Format("20060102T150405") + "-" + strconv.Itoa(os.Getpid())
	var errs []error
	for _, base := range []string{home, os.TempDir()} {
		if base == "" {
			continue
		}
		d, err := makeFresh(base, name)
		if err == nil {
			return &Fallback{Dir: d, uid: uid, gid: gid}, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("fallback directory: %w", errors.Join(errs...))
}

// Finish gives the directory and its files to the user it is for.
func (f *Fallback) Finish() error {
	if f.uid < 0 {
		return nil
	}
	return f.Chown(f.uid, f.gid)
}

// fallbackUser is the user a fallback directory is for, and their home:
// the invoking user of sudo, else the caller (uid -1: no chown needed).
func fallbackUser() (uid, gid int, home string) {
	if id, ok := InvokingUser(); ok {
		if u, err := user.LookupId(strconv.FormatUint(uint64(id), 10)); err == nil {
			g, _ := strconv.Atoi(u.Gid)
			return int(id), g, u.HomeDir
		}
		return int(id), int(id), ""
	}
	home, _ = os.UserHomeDir()
	return -1, -1, home
}

// makeFresh makes the new directory name, mode 0700, in the directory
// base (opened as OpenDir opens it), and opens it, never through a link.
func makeFresh(base, name string) (*Dir, error) {
	parent, err := OpenDir(base)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	if err := unix.Mkdirat(parent.fd(), name, 0o700); err != nil {
		return nil, &os.PathError{Op: "mkdir", Path: filepath.Join(base, name), Err: err}
	}
	fd, err := unix.Openat(parent.fd(), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: filepath.Join(base, name), Err: err}
	}
	path := filepath.Join(base, name)
	return &Dir{f: os.NewFile(uintptr(fd), path), path: path}, nil
}
