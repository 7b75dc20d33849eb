//go:build !linux

package safefile

import "golang.org/x/sys/unix"

// walkFlags open a directory on the way of a walk, never a link.
const walkFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// noOpenat2: there is no openat2 here; the walk does it all.
var noOpenat2 = true

func openat2Dir(string) (int, error) { return -1, unix.ENOSYS }
