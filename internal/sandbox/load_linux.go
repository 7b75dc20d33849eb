package sandbox

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Load loads the filter on the calling OS thread only, with no-new-privs set
// on that thread, the way a runtime's init does before exec: the filter is
// compiled by libseccomp but installed with seccomp(2) without TSYNC. The
// process's other threads stay unfiltered, so that what the Go runtime does
// on them (futex wakeups, sleeps) between the load and the exec can never be
// denied; execve from the filtered thread ends them, and the exec'd program
// inherits the thread's filter. The caller must hold the thread
// (runtime.LockOSThread).
func (flt *Filter) Load() error {
	prog, err := flt.bpf()
	if err != nil {
		return err
	}
	return flt.load(prog)
}

// load installs prog, the filter's BPF, as Load does.
func (flt *Filter) load(prog []unix.SockFilter) error {
	fprog, err := prepare(prog)
	if err != nil {
		return err
	}
	if errno := seccompSet(uintptr(flt.flags), fprog); errno != 0 {
		return fmt.Errorf("load filter: seccomp: %w", errno)
	}
	return nil
}

// prepare sets no-new-privs on the calling thread, as a filter needs
// without CAP_SYS_ADMIN, and returns prog as seccomp(2) takes it.
func prepare(prog []unix.SockFilter) (*unix.SockFprog, error) {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("set no-new-privs: %w", err)
	}
	return &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}, nil
}

// seccompSet installs fprog on the calling thread (no TSYNC).
//
//go:nosplit
func seccompSet(flags uintptr, fprog *unix.SockFprog) syscall.Errno {
	_, _, errno := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(fprog)))
	return errno
}

// bpf returns the filter's BPF program as libseccomp compiles it.
func (flt *Filter) bpf() ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("export filter: %w", err)
	}
	f := os.NewFile(uintptr(fd), "seccomp-bpf")
	defer f.Close()
	if err := flt.exportBPF(f); err != nil {
		return nil, fmt.Errorf("export filter: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("export filter: %w", err)
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("export filter: %w", err)
	}
	return decodeBPF(raw)
}

// decodeBPF splits libseccomp's export into struct sock_filter
// instructions (u16 code, u8 jt, u8 jf, u32 k, in host byte order).
func decodeBPF(raw []byte) ([]unix.SockFilter, error) {
	const size = 8
	if len(raw) == 0 || len(raw)%size != 0 || len(raw)/size > 0xffff {
		return nil, fmt.Errorf("%w: exported BPF program of %d bytes", ErrInvalid, len(raw))
	}
	prog := make([]unix.SockFilter, len(raw)/size)
	for i := range prog {
		b := raw[i*size:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:]),
		}
	}
	return prog, nil
}
