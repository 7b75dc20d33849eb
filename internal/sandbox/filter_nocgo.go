//go:build linux && !cgo

package sandbox

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// filterSupported: this build has no libseccomp (cgo off): it can neither
// build nor load filters.
const filterSupported = false

// Filter is a profile translated to a seccomp filter: never made in a build
// without cgo.
type Filter struct {
	flags uint // seccomp(2) flags Load passes: SECCOMP_FILTER_FLAG_*

	// Unknown lists the syscall names libseccomp does not know.
	Unknown []string
}

// New returns ErrNotSupported: filters need libseccomp, through cgo.
func New(p *specs.LinuxSeccomp, opt Options) (*Filter, error) { return nil, ErrNotSupported }

// exportBPF returns ErrNotSupported.
func (flt *Filter) exportBPF(f *os.File) error { return ErrNotSupported }

// PFC returns ErrNotSupported.
func (flt *Filter) PFC() ([]byte, error) { return nil, ErrNotSupported }

// Release does nothing.
func (flt *Filter) Release() {}

// Check returns ErrNotSupported: checking a profile needs libseccomp.
func Check(p *specs.LinuxSeccomp) (unknown []string, err error) { return nil, ErrNotSupported }
