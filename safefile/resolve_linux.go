package safefile

import "golang.org/x/sys/unix"

// walkFlags open a directory on the way of a walk: a handle to look up
// names in (O_PATH needs no read permission), never a link.
const walkFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// noOpenat2 makes openat2Dir fail as on a kernel without openat2 (ENOSYS),
// for the tests of the walk.
var noOpenat2 bool

// openat2Dir opens the directory path for reading with openat2, following
// no link at all (RESOLVE_NO_SYMLINKS): any link on the way fails it
// (ELOOP), and the walk then decides.
func openat2Dir(path string) (int, error) {
	if noOpenat2 {
		return -1, unix.ENOSYS
	}
	return unix.Openat2(unix.AT_FDCWD, path, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
}
