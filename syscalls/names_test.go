package syscalls

import (
	"errors"
	"testing"
)

// The numbers below are the kernel's own tables
// (arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl,
// include/uapi/asm-generic/unistd.h for arm64 and riscv64,
// arch/arm/tools/syscall.tbl, arch/s390/kernel/syscalls/syscall.tbl,
// arch/powerpc/kernel/syscalls/syscall.tbl, arch/mips/kernel/syscalls/
// syscall_{o32,n64,n32}.tbl, arch/parisc/kernel/syscalls/syscall.tbl), with
// syscall= as the kernel prints it: MIPS numbers carry their ABI's base (4000
// o32, 5000 n64, 6000 n32) and x32 ones the 0x40000000 bit.
var nameTests = []struct {
	arch uint32
	nr   int64
	oci  string
	want string
}{
	{0xc000003e, 0, "SCMP_ARCH_X86_64", "read"},
	{0xc000003e, 17, "SCMP_ARCH_X86_64", "pread64"},
	{0xc000003e, 59, "SCMP_ARCH_X86_64", "execve"},
	{0xc000003e, 231, "SCMP_ARCH_X86_64", "exit_group"},
	{0x40000003, 3, "SCMP_ARCH_X86", "read"},
	{0x40000003, 180, "SCMP_ARCH_X86", "pread64"},
	{0x40000003, 252, "SCMP_ARCH_X86", "exit_group"},
	{0xc000003e, 0x40000000 | 0, "SCMP_ARCH_X32", "read"}, //lint:ignore SA4016 the x32 bit over call 0, written as the others
	{0xc000003e, 0x40000000 | 17, "SCMP_ARCH_X32", "pread64"},
	{0xc000003e, 0x40000000 | 512, "SCMP_ARCH_X32", "rt_sigaction"},
	{0xc000003e, 0x40000000 | 520, "SCMP_ARCH_X32", "execve"},
	{0xc00000b7, 63, "SCMP_ARCH_AARCH64", "read"},
	{0xc00000b7, 67, "SCMP_ARCH_AARCH64", "pread64"},
	{0xc00000b7, 221, "SCMP_ARCH_AARCH64", "execve"},
	{0x40000028, 3, "SCMP_ARCH_ARM", "read"},
	{0x40000028, 180, "SCMP_ARCH_ARM", "pread64"},
	{0x80000015, 3, "SCMP_ARCH_PPC64", "read"},
	{0xc0000015, 3, "SCMP_ARCH_PPC64LE", "read"},
	{0xc0000015, 179, "SCMP_ARCH_PPC64LE", "pread64"},
	{0x00000014, 11, "SCMP_ARCH_PPC", "execve"},
	{0x80000016, 3, "SCMP_ARCH_S390X", "read"},
	{0x80000016, 180, "SCMP_ARCH_S390X", "pread64"},
	{0x00000016, 11, "SCMP_ARCH_S390", "execve"},
	{0xc00000f3, 63, "SCMP_ARCH_RISCV64", "read"},
	{0xc00000f3, 221, "SCMP_ARCH_RISCV64", "execve"},
	{0x00000008, 4003, "SCMP_ARCH_MIPS", "read"},
	{0x40000008, 4011, "SCMP_ARCH_MIPSEL", "execve"},
	{0x80000008, 5000, "SCMP_ARCH_MIPS64", "read"},
	{0xc0000008, 5016, "SCMP_ARCH_MIPSEL64", "pread64"},
	{0xa0000008, 6000, "SCMP_ARCH_MIPS64N32", "read"},
	{0xe0000008, 6001, "SCMP_ARCH_MIPSEL64N32", "write"},
	{0x0000000f, 3, "SCMP_ARCH_PARISC", "read"},
	{0x8000000f, 11, "SCMP_ARCH_PARISC64", "execve"},
}

func TestABIAndName(t *testing.T) {
	for _, tt := range nameTests {
		a, nr, ok := ABI(tt.arch, tt.nr)
		if !ok || a.OCI != tt.oci || nr != tt.nr {
			t.Errorf("ABI(%#x, %#x) = %+v, %#x, %v; want %s", tt.arch, tt.nr, a, nr, ok, tt.oci)
			continue
		}
		got, err := Name(a, nr)
		if err != nil || got != tt.want {
			t.Errorf("Name(%s, %#x) = %q, %v; want %q", a.Name, nr, got, err, tt.want)
		}
	}
}

func TestABIUnknownArch(t *testing.T) {
	for _, arch := range []uint32{0, 0x3e, 0xdeadbeef, 0x400000f3} {
		if a, _, ok := ABI(arch, 0); ok {
			t.Errorf("ABI(%#x) = %+v, true; want false", arch, a)
		}
	}
}

func TestNameUnknown(t *testing.T) {
	amd64, _, _ := ABI(0xc000003e, 0)
	i386, _, _ := ABI(0x40000003, 0)
	mips, _, _ := ABI(0x00000008, 0)
	mips64, _, _ := ABI(0x80000008, 0)
	mips64n32, _, _ := ABI(0xa0000008, 0)
	for _, tt := range []struct {
		a  Arch
		nr int64
	}{
		{amd64, 100000},
		{amd64, 512},            // x32-only number without the bit
		{amd64, -1},             // syscall(-1) reaches the filter
		{i386, -101},            // libseccomp's pseudo number of socket on x86
		{amd64, 1 << 32},        // must not be truncated to read
		{amd64, 0x40000000 - 1}, // no such call
		{mips, 3},               // read without o32's base 4000
		{mips, 5000},            // n64's read on o32
		{mips64, 0},             // read without n64's base 5000
		{mips64n32, 4003},       // o32's read on n32
	} {
		got, err := Name(tt.a, tt.nr)
		if !errors.Is(err, ErrUnknownSyscall) {
			t.Errorf("Name(%s, %d) = %q, %v; want ErrUnknownSyscall", tt.a.Name, tt.nr, got, err)
		}
	}
	if _, err := Name(Arch{Name: "vax"}, 0); !errors.Is(err, ErrUnknownArch) {
		t.Errorf("Name(vax) error = %v; want ErrUnknownArch", err)
	}
	forged := Arch{Audit: 0xc000003e, Name: "x86", OCI: "SCMP_ARCH_X86_64"}
	if _, err := Name(forged, 0); !errors.Is(err, ErrUnknownArch) {
		t.Errorf("Name(mismatched arch) error = %v; want ErrUnknownArch", err)
	}
}

func TestNameCached(t *testing.T) {
	a, _, _ := ABI(0xc000003e, 0)
	if _, err := Name(a, 1); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if n, _ := Name(a, 1); n != "write" {
			t.Fatalf("Name(amd64, 1) = %q", n)
		}
	})
	if allocs != 0 {
		t.Errorf("cached Name allocates %v times", allocs)
	}
}

func BenchmarkNameCached(b *testing.B) {
	a, _, _ := ABI(0xc000003e, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Name(a, int64(i%300)); err != nil && !errors.Is(err, ErrUnknownSyscall) {
			b.Fatal(err)
		}
	}
}

// newerNameTests are calls newer than Debian 12's libseccomp 2.5.4 (which
// named none of them), and ABIs it lacks, with the kernel's numbers
// (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/
// unistd.h for loongarch64, arch/m68k/kernel/syscalls/syscall.tbl,
// arch/sh/kernel/syscalls/syscall.tbl, arch/arm/tools/syscall.tbl) as
// records print them.
var newerNameTests = []struct {
	arch uint32
	nr   int64
	oci  string
	want string
}{
	{0xc000003e, 457, "SCMP_ARCH_X86_64", "statmount"},
	{0xc000003e, 458, "SCMP_ARCH_X86_64", "listmount"},
	{0xc000003e, 459, "SCMP_ARCH_X86_64", "lsm_get_self_attr"},
	{0xc000003e, 460, "SCMP_ARCH_X86_64", "lsm_set_self_attr"},
	{0xc000003e, 461, "SCMP_ARCH_X86_64", "lsm_list_modules"},
	{0xc000003e, 462, "SCMP_ARCH_X86_64", "mseal"},
	{0xc000003e, 463, "SCMP_ARCH_X86_64", "setxattrat"},
	{0xc000003e, 464, "SCMP_ARCH_X86_64", "getxattrat"},
	{0xc000003e, 465, "SCMP_ARCH_X86_64", "listxattrat"},
	{0xc000003e, 466, "SCMP_ARCH_X86_64", "removexattrat"},
	{0xc000003e, 467, "SCMP_ARCH_X86_64", "open_tree_attr"},
	{0xc0000102, 63, "SCMP_ARCH_LOONGARCH64", "read"},
	{0xc0000102, 64, "SCMP_ARCH_LOONGARCH64", "write"},
	{0xc0000102, 94, "SCMP_ARCH_LOONGARCH64", "exit_group"},
	{0xc0000102, 221, "SCMP_ARCH_LOONGARCH64", "execve"},
	{0xc0000102, 435, "SCMP_ARCH_LOONGARCH64", "clone3"},
	{0x00000004, 3, "SCMP_ARCH_M68K", "read"},
	{0x4000002a, 11, "SCMP_ARCH_SH", "execve"},
	{0x0000002a, 3, "SCMP_ARCH_SHEB", "read"},
	{0x40000028, 0x0f0005, "SCMP_ARCH_ARM", "set_tls"}, // __ARM_NR_BASE + 5
	{0xc000003e, 0x40000000 | 545, "SCMP_ARCH_X32", "execveat"},
}

func TestNameNewerSyscalls(t *testing.T) {
	for _, tt := range newerNameTests {
		a, nr, ok := ABI(tt.arch, tt.nr)
		if !ok || a.OCI != tt.oci {
			t.Errorf("ABI(%#x, %d) = %+v, %v; want %s", tt.arch, tt.nr, a, ok, tt.oci)
			continue
		}
		got, err := Name(a, nr)
		if err != nil || got != tt.want {
			t.Errorf("Name(%s, %d) = %q, %v; want %q", a.Name, nr, got, err, tt.want)
		}
	}
}

// TestNameKernelNumbersOnly: Name takes numbers as the kernel prints them,
// not as libseccomp's csv holds them.
func TestNameKernelNumbersOnly(t *testing.T) {
	for _, tt := range []struct {
		name string // libseccomp ABI name
		nr   int64
	}{
		{"x32", 0},                   // x32's read without its bit
		{"x32", 512},                 // x32's rt_sigaction without its bit
		{"mipsel", 11},               // execve without o32's base 4000
		{"mipsel64n32", 6000 + 1000}, // past n32's range
		{"arm", 5},                   // set_tls without __ARM_NR_BASE is open
	} {
		a, _ := ArchByName(tt.name)
		got, err := Name(a, tt.nr)
		if tt.name == "arm" {
			if err != nil || got != "open" {
				t.Errorf("Name(arm, 5) = %q, %v; want open", got, err)
			}
			continue
		}
		if !errors.Is(err, ErrUnknownSyscall) {
			t.Errorf("Name(%s, %d) = %q, %v; want ErrUnknownSyscall", tt.name, tt.nr, got, err)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, tt := range []struct {
		name string // libseccomp ABI name
		call string
		want int64
	}{
		{"amd64", "read", 0},
		{"amd64", "pread64", 17},
		{"amd64", "open_tree_attr", 467},
		{"x32", "read", 0x40000000},
		{"x32", "execve", 0x40000000 | 520},
		{"x86", "socket", 359},
		{"x86", "socketcall", 102},
		{"arm64", "execve", 221},
		{"mips", "read", 4003},
		{"mipsel", "read", 4003},
		{"mips64", "read", 5000},
		{"mipsel64n32", "write", 6001},
		{"ppc64le", "pread64", 179},
		{"loongarch64", "write", 64},
		{"sheb", "execve", 11},
		{"arm", "cacheflush", 0x0f0002},
	} {
		a, _ := ArchByName(tt.name)
		got, err := Number(a, tt.call)
		if err != nil || got != tt.want {
			t.Errorf("Number(%s, %s) = %d, %v; want %d", tt.name, tt.call, got, err, tt.want)
		}
	}
}

func TestNumberUnknown(t *testing.T) {
	for _, tt := range []struct{ name, call string }{
		{"amd64", "pread"},       // auditd's name, not libseccomp's
		{"amd64", "_llseek"},     // not on x86_64
		{"x86", "accept"},        // i386 has accept4 and socketcall only
		{"amd64", ""},            // no name
		{"amd64", "zzz_no_call"}, // past the last name
		{"amd64", "READ"},        // names are lower case
	} {
		a, _ := ArchByName(tt.name)
		if got, err := Number(a, tt.call); !errors.Is(err, ErrUnknownSyscall) {
			t.Errorf("Number(%s, %q) = %d, %v; want ErrUnknownSyscall", tt.name, tt.call, got, err)
		}
	}
	if _, err := Number(Arch{Name: "vax"}, "read"); !errors.Is(err, ErrUnknownArch) {
		t.Errorf("Number(vax) error = %v; want ErrUnknownArch", err)
	}
}

// TestNameNumberRoundTrip: on every ABI of the table, each number of
// the table names a call whose number is that number again, and the ABI
// has exit_group and 300 calls or more.
func TestNameNumberRoundTrip(t *testing.T) {
	for _, a := range Arches() {
		if _, err := Number(a, "exit_group"); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
		n := 0
		for _, nr := range numbersToTry(a) {
			name, err := Name(a, nr)
			if err != nil {
				continue
			}
			n++
			if back, err := Number(a, name); err != nil || back != nr {
				t.Errorf("%s: Name(%d) = %s, whose Number is %d, %v", a.Name, nr, name, back, err)
			}
		}
		if n < 300 {
			t.Errorf("%s: %d named numbers; want 300 or more", a.Name, n)
		}
	}
}

// numbersToTry are the numbers an ABI's calls can have: 1024 from its
// base, and ARM's private calls from __ARM_NR_BASE 0x0f0000.
func numbersToTry(a Arch) []int64 {
	var out []int64
	for nr := range int64(1024) {
		out = append(out, a.SyscallBase+nr)
	}
	if a.Name == "arm" {
		for nr := range int64(16) {
			out = append(out, 0x0f0000+nr)
		}
	}
	return out
}
