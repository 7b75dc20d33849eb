package sandbox

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/syscalls"
)

// checkExec runs prog over the helper's own execve, with its real
// arguments, before the filter is loaded. An execve that the filter would
// fail (ERRNO, TRACE with no tracer, TRAP, USER_NOTIF) cannot be reported
// once the filter is loaded: the helper's thread could then make no other
// call (under violation.json not even write or exit_group). A kill is let
// through: the kernel ends the process cleanly with SIGSYS, as it would
// under a runtime. A program that cannot be simulated is let through too.
func checkExec(prog []unix.SockFilter, a *argv) error {
	native, ok := syscalls.NativeArch()
	if !ok {
		return nil
	}
	args := [maxArgs]uint64{uint64(uintptr(unsafe.Pointer(a.path))),
		uint64(uintptr(unsafe.Pointer(&a.args[0]))), uint64(uintptr(unsafe.Pointer(&a.envv[0])))}
	ret, ok := runBPF(prog, seccompData(unix.SYS_EXECVE, native.Audit, args))
	runtime.KeepAlive(a)
	if !ok {
		return nil
	}
	switch ret & unix.SECCOMP_RET_ACTION_FULL {
	case unix.SECCOMP_RET_ERRNO:
		errno := unix.Errno(ret & unix.SECCOMP_RET_DATA)
		return fmt.Errorf("%w (SCMP_ACT_ERRNO: %d, %v)", ErrExecDenied, int(errno), errno)
	case unix.SECCOMP_RET_TRACE:
		return fmt.Errorf("%w (SCMP_ACT_TRACE, and no tracer: %v)", ErrExecDenied, unix.ENOSYS)
	case unix.SECCOMP_RET_TRAP:
		return fmt.Errorf("%w (SCMP_ACT_TRAP: SIGSYS)", ErrExecDenied)
	case unix.SECCOMP_RET_USER_NOTIF:
		return fmt.Errorf("%w (SCMP_ACT_NOTIFY, and no agent)", ErrExecDenied)
	}
	return nil
}
