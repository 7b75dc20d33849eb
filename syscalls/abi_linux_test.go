package syscalls

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestAuditValues checks the table's arch= values against x/sys/unix's
// AUDIT_ARCH_* constants, generated from the kernel's linux/audit.h.
func TestAuditValues(t *testing.T) {
	want := map[string]uint32{
		"amd64": unix.AUDIT_ARCH_X86_64, "x32": unix.AUDIT_ARCH_X86_64, "x86": unix.AUDIT_ARCH_I386,
		"arm64": unix.AUDIT_ARCH_AARCH64, "arm": unix.AUDIT_ARCH_ARM,
		"ppc": unix.AUDIT_ARCH_PPC, "ppc64": unix.AUDIT_ARCH_PPC64, "ppc64le": unix.AUDIT_ARCH_PPC64LE,
		"s390": unix.AUDIT_ARCH_S390, "s390x": unix.AUDIT_ARCH_S390X, "riscv64": unix.AUDIT_ARCH_RISCV64,
		"mips": unix.AUDIT_ARCH_MIPS, "mipsel": unix.AUDIT_ARCH_MIPSEL,
		"mips64": unix.AUDIT_ARCH_MIPS64, "mipsel64": unix.AUDIT_ARCH_MIPSEL64,
		"mips64n32": unix.AUDIT_ARCH_MIPS64N32, "mipsel64n32": unix.AUDIT_ARCH_MIPSEL64N32,
		"parisc": unix.AUDIT_ARCH_PARISC, "parisc64": unix.AUDIT_ARCH_PARISC64,
		"loongarch64": unix.AUDIT_ARCH_LOONGARCH64, "m68k": unix.AUDIT_ARCH_M68K,
		"sh": unix.AUDIT_ARCH_SHEL, "sheb": unix.AUDIT_ARCH_SH,
	}
	for _, a := range Arches() {
		w, ok := want[a.Name]
		if !ok {
			t.Errorf("%s: no AUDIT_ARCH_* value to check", a.Name)
			continue
		}
		if a.Audit != w {
			t.Errorf("%s: arch= %08x; want %08x", a.Name, a.Audit, w)
		}
		delete(want, a.Name)
	}
	for name := range want {
		t.Errorf("%s: not in the table", name)
	}
}
