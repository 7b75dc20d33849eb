package profilegen

import (
	"errors"
	"fmt"
	"math"
	"sync"
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
	if nr < 0 || nr > math.MaxInt32 {
		return "", fmt.Errorf("%w: %s %d", ErrUnknownSyscall, a.Name, nr)
	}
	name, err := resolve(a.Name, int32(nr))
	if err != nil {
		return "", fmt.Errorf("%w: %s %d: %w", ErrUnknownSyscall, a.Name, nr, err)
	}
	return name, nil
}

func knownArch(a Arch) bool {
	if a == x32 {
		return true
	}
	b, ok := arches[a.Audit]
	return ok && a == b
}
