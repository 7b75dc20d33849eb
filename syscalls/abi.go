package syscalls

import "runtime"

// Arch is one system-call ABI: the value the kernel prints as a record's
// arch=, and the ABI's names in libseccomp, in OCI profiles and in Go.
// Arch values are comparable: two are equal when they are the same ABI.
type Arch struct {
	Audit uint32 // AUDIT_ARCH_* value printed as arch= (x32 shares x86_64's)
	Name  string // libseccomp's name, such as "amd64", "x86", "x32", "arm64" (libseccomp-golang's GetArchFromString takes it)
	OCI   string // OCI profile name, such as "SCMP_ARCH_X86_64"

	// GOARCH is Go's name for the ABI when a native build runs it, such as
	// "amd64"; empty when Go has no port for it (x32, n32, s390, ...).
	GOARCH string

	// SyscallBase is the first number of the ABI's calls as the kernel
	// prints syscall=: MIPS o32 4000 (__NR_O32_Linux), n64 5000
	// (__NR_64_Linux), n32 6000 (__NR_N32_Linux), and x32's
	// __X32_SYSCALL_BIT 0x40000000; 0 for the others. libseccomp's
	// syscalls.csv numbers the calls without it.
	SyscallBase int64
}

// X32Bit is __X32_SYSCALL_BIT: x32 calls come in with arch=c000003e,
// as x86_64 calls do, and this bit set in the syscall number.
const X32Bit = 0x40000000

// AUDIT_ARCH_* values, as include/uapi/linux/audit.h makes them: the ELF
// machine (EM_*, include/uapi/linux/elf-em.h) | __AUDIT_ARCH_64BIT
// 0x80000000 for 64-bit ABIs | __AUDIT_ARCH_LE 0x40000000 for little-endian
// ones | __AUDIT_ARCH_CONVENTION_MIPS64_N32 0x20000000 for MIPS n32.
const (
	auditX86_64      = 0xc000003e // EM_X86_64 62 | 64BIT | LE
	auditI386        = 0x40000003 // EM_386 3 | LE
	auditAArch64     = 0xc00000b7 // EM_AARCH64 183 | 64BIT | LE
	auditARM         = 0x40000028 // EM_ARM 40 | LE
	auditPPC         = 0x00000014 // EM_PPC 20 (no AUDIT_ARCH_PPCLE)
	auditPPC64       = 0x80000015 // EM_PPC64 21 | 64BIT
	auditPPC64LE     = 0xc0000015 // EM_PPC64 21 | 64BIT | LE
	auditS390        = 0x00000016 // EM_S390 22
	auditS390X       = 0x80000016 // EM_S390 22 | 64BIT
	auditRISCV64     = 0xc00000f3 // EM_RISCV 243 | 64BIT | LE
	auditMIPS        = 0x00000008 // EM_MIPS 8
	auditMIPSEL      = 0x40000008 // EM_MIPS 8 | LE
	auditMIPS64      = 0x80000008 // EM_MIPS 8 | 64BIT
	auditMIPSEL64    = 0xc0000008 // EM_MIPS 8 | 64BIT | LE
	auditMIPS64N32   = 0xa0000008 // EM_MIPS 8 | 64BIT | MIPS64_N32
	auditMIPSEL64N32 = 0xe0000008 // EM_MIPS 8 | 64BIT | LE | MIPS64_N32
	auditPARISC      = 0x0000000f // EM_PARISC 15
	auditPARISC64    = 0x8000000f // EM_PARISC 15 | 64BIT
	auditLoongArch64 = 0xc0000102 // EM_LOONGARCH 258 | 64BIT | LE
	auditM68K        = 0x00000004 // EM_68K 4
	auditSH          = 0x0000002a // EM_SH 42: big-endian SuperH, libseccomp's "sheb"
	auditSHEL        = 0x4000002a // EM_SH 42 | LE: libseccomp's "sh"
)

// MIPS's first syscall numbers (arch/mips/include/uapi/asm/unistd.h).
const (
	mipsO32Base = 4000
	mipsN64Base = 5000
	mipsN32Base = 6000
)

// arches is every ABI of FACTS.md's table, of libseccomp's syscalls.csv and
// of the OCI runtime-spec's SCMP_ARCH_* constants, in that order. libseccomp
// names each as its arch code does (src/arch.c); its tokens are these arch=
// values, but for x32 (its token 0x4000003e is not an arch= value: the kernel
// prints c000003e) and SuperH ("sh" is little-endian AUDIT_ARCH_SHEL,
// big-endian is "sheb").
var arches = []Arch{
	{auditX86_64, "amd64", "SCMP_ARCH_X86_64", "amd64", 0},
	{auditX86_64, "x32", "SCMP_ARCH_X32", "", X32Bit},
	{auditI386, "x86", "SCMP_ARCH_X86", "386", 0},
	{auditAArch64, "arm64", "SCMP_ARCH_AARCH64", "arm64", 0},
	{auditARM, "arm", "SCMP_ARCH_ARM", "arm", 0},
	{auditPPC64, "ppc64", "SCMP_ARCH_PPC64", "ppc64", 0},
	{auditPPC64LE, "ppc64le", "SCMP_ARCH_PPC64LE", "ppc64le", 0},
	{auditS390X, "s390x", "SCMP_ARCH_S390X", "s390x", 0},
	{auditRISCV64, "riscv64", "SCMP_ARCH_RISCV64", "riscv64", 0},
	{auditMIPS, "mips", "SCMP_ARCH_MIPS", "mips", mipsO32Base},
	{auditMIPSEL, "mipsel", "SCMP_ARCH_MIPSEL", "mipsle", mipsO32Base},
	{auditMIPS64, "mips64", "SCMP_ARCH_MIPS64", "mips64", mipsN64Base},
	{auditMIPSEL64, "mipsel64", "SCMP_ARCH_MIPSEL64", "mips64le", mipsN64Base},
	{auditMIPS64N32, "mips64n32", "SCMP_ARCH_MIPS64N32", "", mipsN32Base},
	{auditMIPSEL64N32, "mipsel64n32", "SCMP_ARCH_MIPSEL64N32", "", mipsN32Base},
	{auditLoongArch64, "loongarch64", "SCMP_ARCH_LOONGARCH64", "loong64", 0},
	{auditPPC, "ppc", "SCMP_ARCH_PPC", "", 0},
	{auditS390, "s390", "SCMP_ARCH_S390", "", 0},
	{auditPARISC, "parisc", "SCMP_ARCH_PARISC", "", 0},
	{auditPARISC64, "parisc64", "SCMP_ARCH_PARISC64", "", 0},
	{auditM68K, "m68k", "SCMP_ARCH_M68K", "", 0},
	{auditSHEL, "sh", "SCMP_ARCH_SH", "", 0},
	{auditSH, "sheb", "SCMP_ARCH_SHEB", "", 0},
}

// companions are the ABIs a 64-bit kernel also runs, by libseccomp name, as
// moby/profiles' seccomp/default_linux.go arches() lists them (the
// "archMap" of Docker profiles). An ABI missing here (ppc64le, riscv64,
// loongarch64, ...) has none.
var companions = map[string][]string{
	"amd64":       {"x86", "x32"},
	"arm64":       {"arm"},
	"mips64":      {"mips", "mips64n32"},
	"mips64n32":   {"mips", "mips64"},
	"mipsel64":    {"mipsel", "mipsel64n32"},
	"mipsel64n32": {"mipsel", "mipsel64"},
	"s390x":       {"s390"},
}

// Indexes of arches, made once.
var (
	byAudit  = index(func(a Arch) uint32 { return a.Audit })
	byOCI    = index(func(a Arch) string { return a.OCI })
	byName   = index(func(a Arch) string { return a.Name })
	byGOARCH = index(func(a Arch) string { return a.GOARCH })
)

// index maps key(a) to a for each ABI of the table, the first one winning
// (amd64 over x32 for arch= c000003e); empty keys are left out.
func index[K comparable](key func(Arch) K) map[K]Arch {
	var zero K
	m := make(map[K]Arch, len(arches))
	for _, a := range arches {
		k := key(a)
		if _, dup := m[k]; k != zero && !dup {
			m[k] = a
		}
	}
	return m
}

// Arches returns every ABI of the table, in a new slice.
func Arches() []Arch { return append([]Arch(nil), arches...) }

// ArchByAudit returns the ABI whose arch= value is v. For c000003e it is
// x86_64: x32 calls print the same arch= and are told by their number (see
// ABI). ok is false for 0 (a record of a kernel before 3.16) and for values
// not in the table.
func ArchByAudit(v uint32) (Arch, bool) {
	a, ok := byAudit[v]
	return a, ok
}

// ArchByOCI returns the ABI of an OCI architecture name such as
// "SCMP_ARCH_X86_64".
func ArchByOCI(oci string) (Arch, bool) {
	a, ok := byOCI[oci]
	return a, ok
}

// ArchByName returns the ABI of a libseccomp name such as "amd64" or "x86"
// (the names Arch.Name holds; libseccomp's aliases, such as "x86_64", are
// not taken).
func ArchByName(name string) (Arch, bool) {
	a, ok := byName[name]
	return a, ok
}

// ArchByGOARCH returns the ABI that a Go build for goarch runs, such as
// x86_64 for "amd64".
func ArchByGOARCH(goarch string) (Arch, bool) {
	a, ok := byGOARCH[goarch]
	return a, ok
}

// NativeArch returns the ABI of this build (runtime.GOARCH). ok is false for a
// GOARCH with no seccomp ABI in the table (wasm, sparc64, ...).
func NativeArch() (Arch, bool) { return ArchByGOARCH(runtime.GOARCH) }

// Companions returns the ABIs usually allowed next to a, so that a profile
// recorded on one ABI also loads on its compat ABIs: x86 and x32 for
// x86_64, arm for aarch64, ... It returns a new slice, nil when a has none.
func (a Arch) Companions() []Arch {
	names := companions[a.Name]
	if len(names) == 0 || byName[a.Name] != a {
		return nil
	}
	out := make([]Arch, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}

// ABI resolves arch= and syscall= to the ABI that made the call and the
// number within that ABI's table. An x32 call (arch=c000003e with
// X32Bit set) keeps the bit: the kernel prints it, libseccomp's x32
// numbers hold it, and it is what a filter sees. An i386 call under a 64-bit
// kernel carries its own arch= (40000003), so the compat= flag is not
// needed. ok is false for an arch= not in the table, including 0 (records
// from kernels before 3.16 have no arch=).
func ABI(arch uint32, nr int64) (a Arch, sysnr int64, ok bool) {
	if arch == auditX86_64 && nr >= 0 && nr&X32Bit != 0 {
		return byName["x32"], nr, true
	}
	a, ok = ArchByAudit(arch)
	return a, nr, ok
}
