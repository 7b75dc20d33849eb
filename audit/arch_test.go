package audit

import "testing"

// abiTests are records' arch= and syscall= with the ABI that made the call:
// arch= values of FACTS.md's table, x32 told by its number's bit.
var abiTests = []struct {
	arch uint32
	nr   int64
	name string // libseccomp's name
	oci  string
}{
	{0xc000003e, 0, "amd64", "SCMP_ARCH_X86_64"},
	{0xc000003e, 59, "amd64", "SCMP_ARCH_X86_64"},
	{0xc000003e, 0x40000000 | 0, "x32", "SCMP_ARCH_X32"},
	{0xc000003e, 0x40000000 | 520, "x32", "SCMP_ARCH_X32"},
	{0x40000003, 11, "x86", "SCMP_ARCH_X86"},
	{0xc00000b7, 221, "arm64", "SCMP_ARCH_AARCH64"},
	{0x40000028, 11, "arm", "SCMP_ARCH_ARM"},
	{0x80000015, 11, "ppc64", "SCMP_ARCH_PPC64"},
	{0xc0000015, 11, "ppc64le", "SCMP_ARCH_PPC64LE"},
	{0x00000014, 11, "ppc", "SCMP_ARCH_PPC"},
	{0x80000016, 11, "s390x", "SCMP_ARCH_S390X"},
	{0x00000016, 11, "s390", "SCMP_ARCH_S390"},
	{0xc00000f3, 221, "riscv64", "SCMP_ARCH_RISCV64"},
	{0x00000008, 4011, "mips", "SCMP_ARCH_MIPS"},
	{0x40000008, 4011, "mipsel", "SCMP_ARCH_MIPSEL"},
	{0x80000008, 5057, "mips64", "SCMP_ARCH_MIPS64"},
	{0xc0000008, 5057, "mipsel64", "SCMP_ARCH_MIPSEL64"},
	{0xa0000008, 6057, "mips64n32", "SCMP_ARCH_MIPS64N32"},
	{0xe0000008, 6057, "mipsel64n32", "SCMP_ARCH_MIPSEL64N32"},
	{0x0000000f, 11, "parisc", "SCMP_ARCH_PARISC"},
	{0x8000000f, 11, "parisc64", "SCMP_ARCH_PARISC64"},
	{0xc0000102, 221, "loongarch64", "SCMP_ARCH_LOONGARCH64"},
	{0x00000004, 11, "m68k", "SCMP_ARCH_M68K"},
	{0x4000002a, 11, "sh", "SCMP_ARCH_SH"},
	{0x0000002a, 11, "sheb", "SCMP_ARCH_SHEB"},
}

func TestABI(t *testing.T) {
	for _, tt := range abiTests {
		a, nr, ok := ABI(tt.arch, tt.nr)
		if !ok || a.Name != tt.name || a.OCI != tt.oci || nr != tt.nr {
			t.Errorf("ABI(%#x, %#x) = %+v, %#x, %v; want %s %s", tt.arch, tt.nr, a, nr, ok, tt.name, tt.oci)
		}
		r := Record{Arch: tt.arch, Syscall: tt.nr}
		if ra, rnr, rok := r.ABI(); ra != a || rnr != nr || rok != ok {
			t.Errorf("Record{%#x, %#x}.ABI() = %+v, %#x, %v; want ABI's %+v", tt.arch, tt.nr, ra, rnr, rok, a)
		}
	}
}

func TestABIUnknown(t *testing.T) {
	for _, tt := range []struct {
		arch uint32
		nr   int64
	}{
		{0, 2},          // no arch= (Linux < 3.16)
		{0x3e, 0},       // EM_X86_64 without its flags
		{0xdeadbeef, 0}, // no such ABI
		{0x400000f3, 0}, // riscv32: no seccomp ABI in libseccomp
		{0x0000abcd, 1}, // handmade-archs.log's bogus arch=
	} {
		if a, _, ok := ABI(tt.arch, tt.nr); ok {
			t.Errorf("ABI(%#x, %d) = %+v, true; want false", tt.arch, tt.nr, a)
		}
		r := Record{Arch: tt.arch, Syscall: tt.nr}
		if a, _, ok := r.ABI(); ok {
			t.Errorf("Record{%#x}.ABI() = %+v, true; want false", tt.arch, a)
		}
	}
	// A negative number on c000003e is x86_64's (syscall(-1) reaches the
	// filter), not x32's: its bit 30 is set too.
	if a, _, _ := ABI(0xc000003e, -1); a.Name != "amd64" {
		t.Errorf("ABI(c000003e, -1) = %s; want amd64", a.Name)
	}
}

// TestArchLookups: each ABI is found back by each of its names (x32 shares
// its arch= value with x86_64). internal/abi tests the table itself.
func TestArchLookups(t *testing.T) {
	for _, a := range Arches() {
		if got, ok := ArchByOCI(a.OCI); !ok || got != a {
			t.Errorf("ArchByOCI(%s) = %+v, %v; want %+v", a.OCI, got, ok, a)
		}
		if got, ok := ArchByName(a.Name); !ok || got != a {
			t.Errorf("ArchByName(%s) = %+v, %v; want %+v", a.Name, got, ok, a)
		}
		if got, ok := ArchByAudit(a.Audit); !ok || got != a && a.Name != "x32" {
			t.Errorf("ArchByAudit(%#x) = %+v, %v; want %+v", a.Audit, got, ok, a)
		}
		if got, ok := ArchByGOARCH(a.GOARCH); a.GOARCH != "" && (!ok || got != a) {
			t.Errorf("ArchByGOARCH(%s) = %+v, %v; want %+v", a.GOARCH, got, ok, a)
		}
	}
	if a, ok := ArchByAudit(0xc000003e); !ok || a.Name != "amd64" {
		t.Errorf("ArchByAudit(c000003e) = %+v, %v; want amd64", a, ok)
	}
	for _, bad := range []string{"", "SCMP_ARCH_VAX", "scmp_arch_x86_64", "x86_64", "aarch64", "i386"} {
		if a, ok := ArchByOCI(bad); ok {
			t.Errorf("ArchByOCI(%q) = %+v, true", bad, a)
		}
		if a, ok := ArchByName(bad); ok {
			t.Errorf("ArchByName(%q) = %+v, true", bad, a)
		}
		if a, ok := ArchByGOARCH(bad); ok {
			t.Errorf("ArchByGOARCH(%q) = %+v, true", bad, a)
		}
	}
}
