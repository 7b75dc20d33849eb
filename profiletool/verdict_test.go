package profiletool

import (
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func errno(n uint) *uint { return &n }

// arg0 is the condition "arg0 == v".
func arg0(v uint64) []specs.LinuxSeccompArg {
	return []specs.LinuxSeccompArg{{Index: 0, Value: v, Op: specs.OpEqualTo}}
}

func TestEvaluate(t *testing.T) {
	x86 := []specs.Arch{"SCMP_ARCH_X86_64"}
	p := func(def specs.LinuxSeccompAction, rules ...specs.LinuxSyscall) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: def, Architectures: x86, Syscalls: rules}
	}
	rule := func(a specs.LinuxSeccompAction, ret *uint, args []specs.LinuxSeccompArg, names ...string) specs.LinuxSyscall {
		return specs.LinuxSyscall{Names: names, Action: a, ErrnoRet: ret, Args: args}
	}
	for _, tt := range []struct {
		name    string
		p       *specs.LinuxSeccomp
		arch    string
		call    string
		outcome Outcome
		act     string
		rule    int
	}{
		{"allowed", p(specs.ActErrno, rule(specs.ActAllow, nil, nil, "read")), "SCMP_ARCH_X86_64", "read", Allowed, "SCMP_ACT_ALLOW", 0},
		{"logged is allowed", p(specs.ActErrno, rule(specs.ActLog, nil, nil, "read")), "SCMP_ARCH_X86_64", "read", Allowed, "SCMP_ACT_LOG", 0},
		{"default", p(specs.ActErrno, rule(specs.ActAllow, nil, nil, "read")), "SCMP_ARCH_X86_64", "write", Denied, "SCMP_ACT_ERRNO", ByDefault},
		{"default errno", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: errno(13)}, "", "write", Denied, "SCMP_ACT_ERRNO(13)", ByDefault},
		{"EPERM spelt out is EPERM", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: errno(1)}, "", "write", Denied, "SCMP_ACT_ERRNO", ByDefault},
		{"ENOSYS rule", p(specs.ActErrno, rule(specs.ActErrno, errno(38), nil, "clone3")), "SCMP_ARCH_X86_64", "clone3", Denied, "SCMP_ACT_ERRNO(38)", 0},
		{"kill is kill_thread", p(specs.ActAllow, rule(specs.ActKill, nil, nil, "ptrace")), "", "ptrace", Denied, "SCMP_ACT_KILL_THREAD", 0},
		{"first unconditional wins", p(specs.ActErrno, rule(specs.ActErrno, errno(38), nil, "read"), rule(specs.ActAllow, nil, nil, "read")), "", "read", Denied, "SCMP_ACT_ERRNO(38)", 0},
		{"unconditional overrides conditional", p(specs.ActErrno, rule(specs.ActAllow, nil, arg0(1), "socket"), rule(specs.ActErrno, errno(38), nil, "socket")), "", "socket", Denied, "SCMP_ACT_ERRNO(38)", 1},
		{"conditional allow: may deny", p(specs.ActErrno, rule(specs.ActAllow, nil, arg0(1), "socket")), "", "socket", MayDeny, "SCMP_ACT_ERRNO", ByDefault},
		{"conditional deny under allow: may deny", p(specs.ActAllow, rule(specs.ActErrno, nil, arg0(1), "socket")), "", "socket", MayDeny, "SCMP_ACT_ALLOW", ByDefault},
		{"conditional deny under deny: denied", p(specs.ActErrno, rule(specs.ActKillProcess, nil, arg0(1), "socket")), "", "socket", Denied, "SCMP_ACT_ERRNO", ByDefault},
		{"arch not listed", p(specs.ActAllow), "SCMP_ARCH_AARCH64", "read", Denied, "SCMP_ACT_ALLOW", ArchNotSet},
		{"no architectures: native", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, "SCMP_ARCH_AARCH64", "read", Allowed, "SCMP_ACT_ALLOW", ByDefault},
	} {
		v := Evaluate(tt.p, tt.arch, tt.call)
		if v.Outcome != tt.outcome || v.Act.String() != tt.act || v.Rule != tt.rule {
			t.Errorf("%s: %s %s, %s, rule %d; want %s %s, rule %d (%s)", tt.name, v.Outcome, v.Act, v.Outcome, v.Rule, tt.outcome, tt.act, tt.rule, v.Describe(tt.p))
		}
	}
}

func TestDescribe(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"clone"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0x7e020000, ValueTwo: 0, Op: specs.OpMaskedEqual}}},
		{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 1, Value: 40, Op: specs.OpLessThan}}},
		{Names: []string{"read"}, Action: specs.ActAllow},
	}}
	for call, want := range map[string]string{
		"clone":  "SCMP_ACT_ALLOW if arg0 & 0x7e020000 == 0x0 (syscalls[0]); else SCMP_ACT_ERRNO (default action)",
		"socket": "SCMP_ACT_ALLOW if arg0 == 1 && arg1 < 0x28 (syscalls[1]); else SCMP_ACT_ERRNO (default action)",
		"read":   "SCMP_ACT_ALLOW (syscalls[2])",
		"write":  "SCMP_ACT_ERRNO (default action)",
	} {
		if got := Evaluate(p, "", call).Describe(p); got != want {
			t.Errorf("%s: %q; want %q", call, got, want)
		}
	}
}
