package safefile

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// maxLinks is the kernel's limit on the links one lookup follows.
const maxLinks = 40

// errNotLink: what was looked at is no symbolic link.
var errNotLink = errors.New("not a link")

// openDirFD opens the directory path for reading under the link rule (see
// the package's doc): in one openat2 call that follows no link at all,
// else (a link on the way, or no openat2) one component at a time. With
// create, the directories missing on the way are made, mode 0755.
func openDirFD(path string, create bool) (int, error) {
	if path == "" {
		path = "."
	}
	if fd, err := openat2Dir(path); err == nil {
		return fd, nil
	}
	return walk(path, create)
}

// walk opens path one component at a time, from / or the working
// directory, each with O_NOFOLLOW; a link on the way is followed when
// followLink trusts it, and refused otherwise.
func walk(path string, create bool) (int, error) {
	c := current().linkTrust()
	fd, err := openStart(path)
	if err != nil {
		return -1, err
	}
	rest, links := strings.Split(path, "/"), 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		if name == "" || name == "." {
			continue
		}
		nfd, err := openComponent(fd, name, create)
		if err == nil {
			unix.Close(fd)
			fd = nfd
			continue
		}
		target, lerr := followLink(fd, name, path, c)
		if lerr == nil && links == maxLinks {
			lerr = unix.ELOOP
		}
		if lerr != nil {
			unix.Close(fd)
			if lerr == errNotLink {
				lerr = err
			}
			if errors.Is(lerr, ErrUnsafeLink) {
				return -1, lerr
			}
			return -1, &os.PathError{Op: "open directory", Path: path, Err: lerr}
		}
		links++
		if strings.HasPrefix(target, "/") {
			if nfd, err = openStart("/"); err != nil {
				unix.Close(fd)
				return -1, err
			}
			unix.Close(fd)
			fd = nfd
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	rfd, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	unix.Close(fd)
	if err != nil {
		return -1, &os.PathError{Op: "open directory", Path: path, Err: err}
	}
	return rfd, nil
}

// openStart opens / for an absolute path, else the working directory.
func openStart(path string) (int, error) {
	start := "."
	if strings.HasPrefix(path, "/") {
		start = "/"
	}
	fd, err := unix.Open(start, walkFlags, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open directory", Path: start, Err: err}
	}
	return fd, nil
}

// openComponent opens the directory name in dirfd, never through a link;
// with create, it makes it first when it is missing.
func openComponent(dirfd int, name string, create bool) (int, error) {
	fd, err := unix.Openat(dirfd, name, walkFlags, 0)
	if create && errors.Is(err, unix.ENOENT) {
		if err = unix.Mkdirat(dirfd, name, 0o755); err == nil || errors.Is(err, unix.EEXIST) {
			fd, err = unix.Openat(dirfd, name, walkFlags, 0)
		}
	}
	return fd, err
}

// followLink returns the target of the link name in dirfd when the link
// rule trusts it: the link belongs to root or the caller, and its
// directory passes checkDir for them alone. It returns errNotLink when
// name is no link, and an error wrapping ErrUnsafeLink when it is one the
// rule refuses; path is the whole path, for the message.
func followLink(dirfd int, name, path string, c caller) (string, error) {
	var st, dst unix.Stat_t
	if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return "", errNotLink
	}
	if st.Uid != 0 && st.Uid != c.euid {
		return "", fmt.Errorf("%w: %s: %s on the way is a link of uid %d; give the path without it", ErrUnsafeLink, path, name, st.Uid)
	}
	if err := unix.Fstat(dirfd, &dst); err != nil {
		return "", err
	}
	if err := checkDir(name+"'s directory", uint32(dst.Mode), dst.Uid, dst.Gid, c); err != nil {
		return "", fmt.Errorf("%w: %s: %s on the way is a link in a directory others can change (%w)", ErrUnsafeLink, path, name, err)
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}
