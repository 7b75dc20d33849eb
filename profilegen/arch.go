package profilegen

import "slices"

// Arch is one system-call ABI: the value the kernel prints as a record's
// arch=, libseccomp's name for it, and its name in OCI profiles.
type Arch struct {
	Audit uint32 // AUDIT_ARCH_* value printed as arch= (x32 shares x86_64's)
	Name  string // libseccomp's name, such as "amd64", "x86", "x32", "arm64"
	OCI   string // OCI profile name, such as "SCMP_ARCH_X86_64"
}

// x32Bit is __X32_SYSCALL_BIT: x32 calls come in with arch=c000003e and this
// bit set in the syscall number.
const x32Bit = 0x40000000

// Audit arch values (include/uapi/linux/audit.h: EM_* | __AUDIT_ARCH_64BIT
// 0x80000000 | __AUDIT_ARCH_LE 0x40000000).
const (
	auditX86_64      = 0xc000003e
	auditI386        = 0x40000003
	auditAArch64     = 0xc00000b7
	auditARM         = 0x40000028
	auditPPC         = 0x00000014
	auditPPC64       = 0x80000015
	auditPPC64LE     = 0xc0000015
	auditS390        = 0x00000016
	auditS390X       = 0x80000016
	auditRISCV64     = 0xc00000f3
	auditMIPS        = 0x00000008
	auditMIPSEL      = 0x40000008
	auditMIPS64      = 0x80000008
	auditMIPSEL64    = 0xc0000008
	auditMIPS64N32   = 0xa0000008
	auditMIPSEL64N32 = 0xe0000008
	auditPARISC      = 0x0000000f
	auditPARISC64    = 0x8000000f
	auditLoongArch64 = 0xc0000102
)

// x32 is the x32 ABI; it has no arch= value of its own.
var x32 = Arch{auditX86_64, "x32", "SCMP_ARCH_X32"}

// arches is FACTS.md's architecture table, plus the 32-bit s390, ppc and the
// parisc ABIs that libseccomp and the OCI spec also name.
var arches = map[uint32]Arch{
	auditX86_64:      {auditX86_64, "amd64", "SCMP_ARCH_X86_64"},
	auditI386:        {auditI386, "x86", "SCMP_ARCH_X86"},
	auditAArch64:     {auditAArch64, "arm64", "SCMP_ARCH_AARCH64"},
	auditARM:         {auditARM, "arm", "SCMP_ARCH_ARM"},
	auditPPC:         {auditPPC, "ppc", "SCMP_ARCH_PPC"},
	auditPPC64:       {auditPPC64, "ppc64", "SCMP_ARCH_PPC64"},
	auditPPC64LE:     {auditPPC64LE, "ppc64le", "SCMP_ARCH_PPC64LE"},
	auditS390:        {auditS390, "s390", "SCMP_ARCH_S390"},
	auditS390X:       {auditS390X, "s390x", "SCMP_ARCH_S390X"},
	auditRISCV64:     {auditRISCV64, "riscv64", "SCMP_ARCH_RISCV64"},
	auditMIPS:        {auditMIPS, "mips", "SCMP_ARCH_MIPS"},
	auditMIPSEL:      {auditMIPSEL, "mipsel", "SCMP_ARCH_MIPSEL"},
	auditMIPS64:      {auditMIPS64, "mips64", "SCMP_ARCH_MIPS64"},
	auditMIPSEL64:    {auditMIPSEL64, "mipsel64", "SCMP_ARCH_MIPSEL64"},
	auditMIPS64N32:   {auditMIPS64N32, "mips64n32", "SCMP_ARCH_MIPS64N32"},
	auditMIPSEL64N32: {auditMIPSEL64N32, "mipsel64n32", "SCMP_ARCH_MIPSEL64N32"},
	auditPARISC:      {auditPARISC, "parisc", "SCMP_ARCH_PARISC"},
	auditPARISC64:    {auditPARISC64, "parisc64", "SCMP_ARCH_PARISC64"},
	auditLoongArch64: {auditLoongArch64, "loongarch64", "SCMP_ARCH_LOONGARCH64"},
}

// ABI resolves a record's arch= and syscall= to the ABI that made the call
// and the number within that ABI's table. An x32 call (arch=c000003e with
// bit 0x40000000 set) keeps the bit: libseccomp's x32 table numbers its
// calls with it, and clears it itself when resolving (both forms name the
// same call, but only the kept form matches what a filter sees). An i386
// call under a 64-bit kernel carries its own arch= (40000003), so the
// compat= flag is not needed. ok is false for an arch= not in the table,
// including 0 (records from kernels before 3.16 have no arch=).
func ABI(auditArch uint32, nr int64) (a Arch, sysnr int64, ok bool) {
	if auditArch == auditX86_64 && nr >= 0 && nr&x32Bit != 0 {
		return x32, nr, true
	}
	a, ok = arches[auditArch]
	return a, nr, ok
}

// ArchByOCI returns the ABI of an OCI architecture name such as
// "SCMP_ARCH_X86_64".
func ArchByOCI(oci string) (Arch, bool) {
	if oci == x32.OCI {
		return x32, true
	}
	for _, a := range arches {
		if a.OCI == oci {
			return a, true
		}
	}
	return Arch{}, false
}

// companions are the ABIs a 64-bit kernel also runs, as moby/profiles'
// seccomp/default_linux.go arches() lists them (the "archMap" of Docker
// profiles). An ABI missing here (ppc64le, riscv64, loongarch64, ...) has none.
var companions = map[string][]string{
	"SCMP_ARCH_X86_64":      {"SCMP_ARCH_X86", "SCMP_ARCH_X32"},
	"SCMP_ARCH_AARCH64":     {"SCMP_ARCH_ARM"},
	"SCMP_ARCH_MIPS64":      {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"},
	"SCMP_ARCH_MIPS64N32":   {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"},
	"SCMP_ARCH_MIPSEL64":    {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"},
	"SCMP_ARCH_MIPSEL64N32": {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"},
	"SCMP_ARCH_S390X":       {"SCMP_ARCH_S390"},
}

// Companions returns the ABIs usually allowed next to the OCI architecture
// oci, so that a profile recorded on one ABI also loads its compat ABIs (the
// names are resolved per ABI by the runtime). It returns a new slice, nil when
// oci has none.
func Companions(oci string) []string {
	return slices.Clone(companions[oci])
}
