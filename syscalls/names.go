package syscalls

//go:generate go run ./internal/mksyscalls -o table_gen.go internal/mksyscalls/syscalls.csv

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

var (
	// ErrUnknownSyscall: libseccomp's table (table_gen.go) has no name
	// for a number in an ABI (a call newer than the table, a bogus number),
	// or no number for a name (a call the ABI does not have).
	ErrUnknownSyscall = errors.New("unknown syscall")
	// ErrUnknownArch: an Arch (or an arch= value) that is not in the table.
	ErrUnknownArch = errors.New("unknown architecture")
)

// syscallCol is, by libseccomp name, the column of libseccomp's table that
// numbers an ABI's calls: ABIs that differ only in byte order share one.
var syscallCol = map[string]int{
	"amd64": colX86_64, "x32": colX32, "x86": colX86,
	"arm64": colAarch64, "arm": colArm, "loongarch64": colLoongarch64, "riscv64": colRiscv64,
	"ppc64": colPpc64, "ppc64le": colPpc64, "ppc": colPpc, "s390x": colS390x, "s390": colS390,
	"mips": colMips, "mipsel": colMips, "mips64": colMips64, "mipsel64": colMips64,
	"mips64n32": colMips64n32, "mipsel64n32": colMips64n32,
	"parisc": colParisc, "parisc64": colParisc64, "m68k": colM68k, "sh": colSh, "sheb": colSh,
}

// Name returns libseccomp's name for the call nr of the ABI a, such as
// "pread64" (never auditd's "pread"), from the table this package holds
// (libseccomp's syscalls.csv; the host's libseccomp is not asked). nr is
// the number as the kernel prints it in syscall=: MIPS numbers with their
// ABI's base (o32 4000, n64 5000, n32 6000), x32 numbers with the
// 0x40000000 bit (see ABI). The error wraps ErrUnknownSyscall when the table
// has no call of that number (negative numbers, numbers outside the ABI's
// range and calls newer than the table included), and ErrUnknownArch when a
// is not an ABI of the table.
func Name(a Arch, nr int64) (string, error) {
	col, err := column(a)
	if err != nil {
		return "", err
	}
	i, ok := lookupNr(col, nr-a.SyscallBase)
	if !ok {
		return "", fmt.Errorf("%w: %s number %d: not in libseccomp's table (Linux %s)", ErrUnknownSyscall, a.Name, nr, syscallTableKernel)
	}
	return syscallName(i), nil
}

// Number returns the number of libseccomp's call name on the ABI a, as the
// kernel prints it in syscall= (with the ABI's base or x32 bit, as Name
// takes it). The error wraps ErrUnknownSyscall when the table does not
// know the name or the ABI has no such call (accept on i386, which has
// accept4 and socketcall: libseccomp's own lookup gives such calls negative
// pseudo numbers; Number never does), and ErrUnknownArch when a is not an
// ABI of the table.
func Number(a Arch, name string) (int64, error) {
	col, err := column(a)
	if err != nil {
		return 0, err
	}
	i, found := sort.Find(numSyscalls, func(i int) int { return strings.Compare(name, syscallName(i)) })
	if !found || syscallNrs[i][col] < 0 {
		return 0, fmt.Errorf("%w: %s has no %q in libseccomp's table (Linux %s)", ErrUnknownSyscall, a.Name, name, syscallTableKernel)
	}
	return a.SyscallBase + int64(syscallNrs[i][col]), nil
}

// Known reports whether Name names the call nr of the ABI a, as Name
// would, without making an error for the calls it does not.
func Known(a Arch, nr int64) bool {
	col, err := column(a)
	if err != nil {
		return false
	}
	_, ok := lookupNr(col, nr-a.SyscallBase)
	return ok
}

// column returns the table column of a, an ABI of the table.
func column(a Arch) (int, error) {
	col, ok := syscallCol[a.Name]
	if b, known := ArchByName(a.Name); !ok || !known || a != b {
		return 0, fmt.Errorf("%w: %q (%s)", ErrUnknownArch, a.Name, a.OCI)
	}
	return col, nil
}

// lookupNr returns the index of the name of number nr (without the ABI's
// base) in column col.
func lookupNr(col int, nr int64) (int, bool) {
	if nr < 0 || nr > math.MaxInt32 {
		return 0, false
	}
	byNr := syscallByNr[col]
	k, found := sort.Find(len(byNr), func(k int) int { return cmp.Compare(int32(nr), syscallNrs[byNr[k]][col]) })
	if !found {
		return 0, false
	}
	return int(byNr[k]), true
}

// syscallName returns name i of the table.
func syscallName(i int) string {
	start := 0
	if i > 0 {
		start = int(syscallNameEnd[i-1])
	}
	return syscallNames[start:syscallNameEnd[i]]
}

// TableKernel returns the Linux version libseccomp's syscall table,
// the one the names come from, was made from ("v7.1.0-rc4 2026-05-19").
func TableKernel() string { return syscallTableKernel }
