package safefile

import (
	"os"
	"strconv"
)

// caller is who the rules trust besides root: the effective user and
// group, and the user who invoked the caller through sudo.
type caller struct {
	euid, egid uint32
	invoker    uint32 // SUDO_UID when the caller is root, else euid
}

// current is the caller of this process.
func current() caller {
	c := caller{euid: uint32(os.Geteuid()), egid: uint32(os.Getegid())}
	c.invoker = c.euid
	if uid, ok := InvokingUser(); ok {
		c.invoker = uid
	}
	return c
}

// linkTrust is c as the link rule sees it: the invoking user of sudo is
// not trusted with links.
func (c caller) linkTrust() caller { return caller{euid: c.euid, egid: c.egid, invoker: c.euid} }

// InvokingUser returns the user who ran the recorder through sudo: the
// SUDO_UID of a process whose effective user is root, when it is a user
// other than root. ok is false otherwise.
func InvokingUser() (uid uint32, ok bool) {
	if os.Geteuid() != 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(os.Getenv("SUDO_UID"), 10, 32)
	if err != nil || n == 0 || n == 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}
