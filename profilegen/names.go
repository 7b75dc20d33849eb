package profilegen

//go:generate go run ./internal/mksyscalls -o syscalls_gen.go internal/mksyscalls/syscalls.csv

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/recorder-dev/recorder/audit"
)

var (
	// ErrUnknownSyscall: libseccomp has no name for a number in an ABI (a
	// call newer than its tables, a bogus number, or an ABI this libseccomp
	// does not support, such as loongarch64 before libseccomp 2.6).
	ErrUnknownSyscall = errors.New("unknown syscall")
	// ErrUnknownArch: an Arch (or an arch= value) that is not in the table.
	ErrUnknownArch = errors.New("unknown architecture")
)

type nameKey struct {
	arch string // Arch.Name
	nr   int64
}

type nameResult struct {
	name string
	err  error
}

var nameCache struct {
	sync.RWMutex
	m map[nameKey]nameResult
}

// Name returns libseccomp's name for the call nr of the ABI a, such as
// "pread64" (never auditd's "pread"). The error wraps ErrUnknownSyscall when
// libseccomp does not know the number, and ErrUnknownArch when a is not an ABI
// of the table. Results, errors included, are cached for the process's life.
func Name(a Arch, nr int64) (string, error) {
	k := nameKey{a.Name, nr}
	nameCache.RLock()
	r, ok := nameCache.m[k]
	nameCache.RUnlock()
	if ok {
		return r.name, r.err
	}
	r.name, r.err = lookupName(a, nr)
	nameCache.Lock()
	if nameCache.m == nil {
		nameCache.m = make(map[nameKey]nameResult)
	}
	nameCache.m[k] = r
	nameCache.Unlock()
	return r.name, r.err
}

func lookupName(a Arch, nr int64) (string, error) {
	if !knownArch(a) {
		return "", fmt.Errorf("%w: %q (%s)", ErrUnknownArch, a.Name, a.OCI)
	}
	// libseccomp gives negative numbers to pseudo calls (socket on x86 is
	// -101) and takes an int: neither may come from a record.
	if nr < 0 || nr > math.MaxInt32 || !inMIPSRange(a, nr) {
		return "", fmt.Errorf("%w: %s %d", ErrUnknownSyscall, a.Name, nr)
	}
	name, err := resolve(a.Name, int32(nr))
	if err != nil {
		return "", fmt.Errorf("%w: %s %d: %w", ErrUnknownSyscall, a.Name, nr, err)
	}
	return name, nil
}

// mipsBase is the first number of each MIPS ABI's table (o32 4000, n64
// 5000, n32 6000): the kernel prints syscall= with it. libseccomp also names
// the numbers without the base (3 is read, like 4003), which no MIPS kernel
// runs: such a number in a record is a bogus call, not read.
var mipsBase = map[string]int64{"mips": 4000, "mipsel": 4000, "mips64": 5000, "mipsel64": 5000, "mips64n32": 6000, "mipsel64n32": 6000}

func inMIPSRange(a Arch, nr int64) bool {
	base, ok := mipsBase[a.Name]
	return !ok || base <= nr && nr < base+1000
}

func knownArch(a Arch) bool {
	b, ok := audit.ArchByName(a.Name)
	return ok && a == b
}
