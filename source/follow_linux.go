package source

import "golang.org/x/sys/unix"

// inotifyWorks reports whether an inotify instance can be made: nxadm/tail
// exits the process when it cannot make one.
func inotifyWorks() bool {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}
