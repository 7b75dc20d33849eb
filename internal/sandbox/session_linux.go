package sandbox

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// lockThread pins the helper to its OS thread: the audit session is a
// property of the thread that writes loginuid, and that thread must be
// the one that calls execve.
func lockThread() { runtime.LockOSThread() }

// newSession gives the calling thread a fresh audit session id: writing a
// valid uid to loginuid makes the kernel assign the next session id, which
// every process the thread starts (and its exec'd program) inherits, and
// which every seccomp record prints as ses=. It writes the thread's current
// loginuid when set, else its uid: the login identity does not change.
// It needs CAP_AUDIT_CONTROL when loginuid is already set, and fails when
// loginuid is immutable.
func newSession() (uint32, error) {
	uid, err := readUint("/proc/thread-self/loginuid")
	if err != nil {
		return SesUnset, err
	}
	if uid == SesUnset {
		uid = uint32(os.Getuid())
	}
	err = os.WriteFile("/proc/thread-self/loginuid", []byte(strconv.FormatUint(uint64(uid), 10)), 0)
	if err != nil {
		return SesUnset, fmt.Errorf("new audit session: %w", err)
	}
	ses, err := readUint("/proc/thread-self/sessionid")
	if err != nil {
		return SesUnset, err
	}
	if ses == SesUnset {
		return SesUnset, errors.New("new audit session: kernel left the session unset")
	}
	return ses, nil
}

func readUint(path string) (uint32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return uint32(n), nil
}
