package syscalls

import (
	"runtime"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

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
	{0xc000003e, 0x40000000 | 0, "x32", "SCMP_ARCH_X32"}, //lint:ignore SA4016 the x32 bit over call 0, written as the others
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
	}
	// A negative number on c000003e is x86_64's (syscall(-1) reaches the
	// filter), not x32's: its bit 30 is set too.
	if a, _, _ := ABI(0xc000003e, -1); a.Name != "amd64" {
		t.Errorf("ABI(c000003e, -1) = %s; want amd64", a.Name)
	}
}

// TestLookups: each ABI is found back by each of its names, and only
// x32 shares its arch= value.
func TestLookups(t *testing.T) {
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

// TestTableUnique: no two ABIs share a name, and only x32 shares an
// arch= value (with x86_64).
func TestTableUnique(t *testing.T) {
	seen := make(map[any]string)
	for _, a := range Arches() {
		keys := []any{"name " + a.Name, "oci " + a.OCI}
		if a.GOARCH != "" {
			keys = append(keys, "goarch "+a.GOARCH)
		}
		if a.Name != "x32" {
			keys = append(keys, a.Audit)
		}
		for _, k := range keys {
			if prev, dup := seen[k]; dup {
				t.Errorf("%v: both %s and %s", k, prev, a.Name)
			}
			seen[k] = a.Name
		}
	}
}

// TestOCINames: every SCMP_ARCH_* constant of the runtime-spec is an ABI
// of the table.
func TestOCINames(t *testing.T) {
	for _, oci := range []specs.Arch{
		specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
		specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL, specs.ArchMIPSEL64,
		specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64, specs.ArchPPC64LE, specs.ArchS390,
		specs.ArchS390X, specs.ArchPARISC, specs.ArchPARISC64, specs.ArchRISCV64,
		specs.ArchLOONGARCH64, specs.ArchM68K, specs.ArchSH, specs.ArchSHEB,
	} {
		if _, ok := ArchByOCI(string(oci)); !ok {
			t.Errorf("runtime-spec's %s is not in the table", oci)
		}
	}
	if n := len(Arches()); n != 23 {
		t.Errorf("%d ABIs; want the runtime-spec's 23", n)
	}
}

func TestNative(t *testing.T) {
	a, ok := NativeArch()
	want := map[string]string{"amd64": "SCMP_ARCH_X86_64", "386": "SCMP_ARCH_X86", "arm64": "SCMP_ARCH_AARCH64",
		"arm": "SCMP_ARCH_ARM", "ppc64": "SCMP_ARCH_PPC64", "ppc64le": "SCMP_ARCH_PPC64LE",
		"s390x": "SCMP_ARCH_S390X", "riscv64": "SCMP_ARCH_RISCV64", "mips": "SCMP_ARCH_MIPS",
		"mipsle": "SCMP_ARCH_MIPSEL", "mips64": "SCMP_ARCH_MIPS64", "mips64le": "SCMP_ARCH_MIPSEL64",
		"loong64": "SCMP_ARCH_LOONGARCH64"}[runtime.GOARCH]
	if ok != (want != "") || a.OCI != want {
		t.Errorf("NativeArch() on %s = %+v, %v; want %q", runtime.GOARCH, a, ok, want)
	}
}

func TestCompanions(t *testing.T) {
	for _, tt := range []struct {
		name string
		want []string // OCI names
	}{
		{"amd64", []string{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
		{"arm64", []string{"SCMP_ARCH_ARM"}},
		{"mips64", []string{"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
		{"mips64n32", []string{"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
		{"mipsel64", []string{"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
		{"mipsel64n32", []string{"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
		{"s390x", []string{"SCMP_ARCH_S390"}},
		{"ppc64le", nil},
		{"riscv64", nil},
		{"loongarch64", nil},
		{"x86", nil},
	} {
		a, _ := ArchByName(tt.name)
		var got []string
		for _, c := range a.Companions() {
			got = append(got, c.OCI)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s.Companions() = %q; want %q", tt.name, got, tt.want)
		}
	}
	forged := Arch{Audit: 0xc000003e, Name: "amd64", OCI: "SCMP_ARCH_X86"}
	if c := forged.Companions(); c != nil {
		t.Errorf("Companions of an ABI not in the table = %+v; want nil", c)
	}
	a, _ := ArchByName("amd64")
	a.Companions()[0] = Arch{}
	if a.Companions()[0].Name != "x86" {
		t.Error("Companions returned the shared table")
	}
}

func TestAllCopy(t *testing.T) {
	a := Arches()
	a[0] = Arch{}
	if Arches()[0].Name != "amd64" {
		t.Error("All returned the shared table")
	}
}
