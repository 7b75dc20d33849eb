//go:build linux && cgo

package sandbox

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Program is the BPF program libseccomp makes of a profile, to run in a
// simulator: what the kernel would answer each call, without loading it.
// It is for tests of what a profile means (package profiletool checks its
// reading of profiles against it).
type Program struct{ insts []unix.SockFilter }

// Compile translates p as New does (names libseccomp does not know are
// skipped) and exports the BPF program.
func Compile(p *specs.LinuxSeccomp) (*Program, error) {
	flt, err := New(p, Options{})
	if err != nil {
		return nil, err
	}
	defer flt.Release()
	insts, err := flt.bpf()
	if err != nil {
		return nil, err
	}
	return &Program{insts}, nil
}

// Run returns the SECCOMP_RET_* value the program gives the call nr of the
// ABI arch (an AUDIT_ARCH_* value) with args.
func (pr *Program) Run(arch uint32, nr int32, args [maxArgs]uint64) (uint32, error) {
	ret, ok := runBPF(pr.insts, seccompData(nr, arch, args))
	if !ok {
		return 0, fmt.Errorf("%w: the program cannot run", ErrInvalid)
	}
	return ret, nil
}
