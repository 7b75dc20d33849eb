package profilegen

import (
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/syscalls"
)

// TestFallbacksKnown: every name of Fallbacks is a call of some ABI of the
// table, and none is listed twice.
func TestFallbacksKnown(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fallbacks {
		if seen[f.Name] {
			t.Errorf("%s listed twice", f.Name)
		}
		seen[f.Name] = true
		known := false
		for _, a := range syscalls.Arches() {
			if _, err := syscalls.Number(a, f.Name); err == nil {
				known = true
			}
		}
		if !known || f.Source == "" || f.Linux == "" {
			t.Errorf("%+v: known to the table %v, want a name, a kernel and a source", f, known)
		}
	}
}

func TestENOSYS(t *testing.T) {
	for oci, want := range map[string]uint{
		"SCMP_ARCH_X86_64": 38, "SCMP_ARCH_X86": 38, "SCMP_ARCH_X32": 38, "SCMP_ARCH_AARCH64": 38,
		"SCMP_ARCH_ARM": 38, "SCMP_ARCH_PPC64LE": 38, "SCMP_ARCH_S390X": 38, "SCMP_ARCH_RISCV64": 38,
		"SCMP_ARCH_LOONGARCH64": 38, "SCMP_ARCH_MIPS": 89, "SCMP_ARCH_MIPSEL64N32": 89,
		"SCMP_ARCH_MIPS64": 89, "SCMP_ARCH_PARISC": 251, "SCMP_ARCH_PARISC64": 251,
	} {
		if got, ok := ENOSYS(oci); !ok || got != want {
			t.Errorf("ENOSYS(%s) = %d, %v; want %d", oci, got, ok, want)
		}
	}
	if _, ok := ENOSYS("SCMP_ARCH_VAX"); ok {
		t.Error("ENOSYS of an unknown architecture")
	}
}

func TestDurableRule(t *testing.T) {
	allow := func(arches []specs.Arch, names ...string) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: arches,
			Syscalls: []specs.LinuxSyscall{{Names: names, Action: specs.ActAllow}}}
	}
	x86 := []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}
	for _, tt := range []struct {
		name  string
		p     *specs.LinuxSeccomp
		errno uint // 0: no rule
		has   []string
		hasnt []string
	}{
		{"x86_64 with companions", allow(x86, "read", "statx", "clone3"), 38,
			[]string{"faccessat2", "fchmodat2", "clock_gettime64", "futex_time64"}, []string{"statx", "clone3", "read"}},
		{"x86_64 alone: no 32-bit time calls", allow(x86[:1], "read"), 38,
			[]string{"clone3", "statx"}, []string{"clock_gettime64", "futex_time64"}},
		{"a name in any rule is left alone", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: x86[:1],
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}, {Names: []string{"clone3"}, Action: specs.ActKillProcess}}},
			38, []string{"statx"}, []string{"clone3"}},
		{"MIPS", allow([]specs.Arch{"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}, "read"), 89,
			[]string{"clone3", "clock_gettime64"}, nil},
		{"PA-RISC", allow([]specs.Arch{"SCMP_ARCH_PARISC"}, "read"), 251, []string{"clone3"}, nil},
		{"MIPS and x86 disagree", allow([]specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_MIPS"}, "read"), 0, nil, nil},
		{"no architectures", allow(nil, "read"), 0, nil, nil},
		{"unknown architecture", allow([]specs.Arch{"SCMP_ARCH_VAX"}, "read"), 0, nil, nil},
	} {
		r, ok := DurableRule(tt.p)
		if tt.errno == 0 {
			if ok {
				t.Errorf("%s: rule %+v, want none", tt.name, r)
			}
			continue
		}
		if !ok || r.Action != specs.ActErrno || r.ErrnoRet == nil || *r.ErrnoRet != tt.errno || len(r.Args) > 0 {
			t.Errorf("%s: rule %+v, %v; want SCMP_ACT_ERRNO(%d)", tt.name, r, ok, tt.errno)
			continue
		}
		if !slices.IsSorted(r.Names) || !IsDurableRule(r) {
			t.Errorf("%s: names %q not sorted, or not a durable rule", tt.name, r.Names)
		}
		for _, n := range tt.has {
			if !slices.Contains(r.Names, n) {
				t.Errorf("%s: %s missing from %q", tt.name, n, r.Names)
			}
		}
		for _, n := range tt.hasnt {
			if slices.Contains(r.Names, n) {
				t.Errorf("%s: %s in %q", tt.name, n, r.Names)
			}
		}
	}
	// Every fallback allowed: no rule.
	var all []string
	for _, f := range Fallbacks {
		all = append(all, f.Name)
	}
	if r, ok := DurableRule(allow(x86, all...)); ok {
		t.Errorf("rule %+v for a profile that allows every fallback", r)
	}
}

func TestIsDurableRule(t *testing.T) {
	e := func(n uint) *uint { return &n }
	for _, tt := range []struct {
		r    specs.LinuxSyscall
		want bool
	}{
		{specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: e(38)}, true},
		{specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: e(89)}, true},
		{specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: e(1)}, false},
		{specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno}, false},
		{specs.LinuxSyscall{Names: []string{"ptrace"}, Action: specs.ActErrno, ErrnoRet: e(38)}, false},
		{specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActKillProcess, ErrnoRet: e(38)}, false},
		{specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: e(38),
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}}, false},
	} {
		if got := IsDurableRule(tt.r); got != tt.want {
			t.Errorf("IsDurableRule(%+v) = %v", tt.r, got)
		}
	}
}

// TestDurableBuildAndUnion: Build adds the rule, Union takes durable
// profiles and gives what GroupNone's durable profile is.
func TestDurableBuildAndUnion(t *testing.T) {
	recs := append(tutorialRecords(), rec("/bin/ls", "ls", 7, x86_64, 332, audit.ActionLog)) // statx
	opt := Options{Base: mustBase(t, "minimal"), Companions: true, Durable: true}
	s := setOf(recs)
	var ps []*specs.LinuxSeccomp
	for _, g := range s.Groups() {
		p, _, err := Build(s, g, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Syscalls) != 2 || !IsDurableRule(p.Syscalls[1]) {
			t.Fatalf("%s: rules %+v; want the allow rule and the durable one", g, p.Syscalls)
		}
		ps = append(ps, p)
	}
	// Groups: http-echo, ls.
	if !slices.Contains(ps[0].Syscalls[1].Names, "statx") || slices.Contains(ps[1].Syscalls[1].Names, "statx") {
		t.Errorf("statx: ls made it, http-echo did not: %q, %q", ps[1].Syscalls[1].Names, ps[0].Syscalls[1].Names)
	}
	u, err := Union(opt, ps...)
	if err != nil {
		t.Fatal(err)
	}
	none := unionIsNone(t, u, recs, opt)
	// Without Durable, no rule.
	p, _, _ := Build(none, NoneGroup, Options{Companions: true})
	if len(p.Syscalls) != 1 {
		t.Errorf("rules %+v without Durable", p.Syscalls)
	}
}
