package profilegen

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// TestValidate: each check runc makes, one profile each; a valid profile
// has no problem.
func TestValidate(t *testing.T) {
	allow := func(r specs.LinuxSyscall) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{r}}
	}
	errno := uint(1)
	for _, tt := range []struct {
		name string
		p    *specs.LinuxSeccomp
		want string // in the one problem; "" for none
	}{
		{"valid", allow(specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 5, Op: specs.OpEqualTo}}}), ""},
		{"no profile", nil, "no profile"},
		{"no default", &specs.LinuxSeccomp{}, "no defaultAction"},
		{"bad default", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_BOGUS"}, `defaultAction "SCMP_ACT_BOGUS"`},
		{"notify default", &specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, "notifying default"},
		{"errno ret on allow", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: &errno}, "defaultErrnoRet"},
		{"bad arch", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}, "SCMP_ARCH_VAX"},
		{"bad flag", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}}, "SECCOMP_FILTER_FLAG_BOGUS"},
		{"bad action", allow(specs.LinuxSyscall{Names: []string{"read"}, Action: "SCMP_ACT_ALOW"}), `action "SCMP_ACT_ALOW"`},
		{"notify no listener", allow(specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActNotify}), "without a listenerPath"},
		{"errno ret on allow rule", allow(specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow, ErrnoRet: &errno}), "errnoRet"},
		{"empty name", allow(specs.LinuxSyscall{Names: []string{""}, Action: specs.ActAllow}), "empty name"},
		{"arg index", allow(specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 9, Op: specs.OpEqualTo}}}), "index 9"},
		{"arg op", allow(specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_BOGUS"}}}), "SCMP_CMP_BOGUS"},
	} {
		ps := Validate(tt.p)
		switch {
		case tt.want == "" && len(ps) > 0:
			t.Errorf("%s: %v, want no problem", tt.name, ps)
		case tt.want != "" && (len(ps) != 1 || !strings.Contains(ps[0].String(), tt.want)):
			t.Errorf("%s: %v, want one problem saying %q", tt.name, ps, tt.want)
		}
	}
}

// TestInvalidErrorBounded: a profile of many broken rules is one short
// message with the count, not every problem (20,000 bad rules, 980 KB of
// JSON, made a 1.1 MB error line); the Problems stay whole for lint.
func TestInvalidErrorBounded(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}
	for range 20000 {
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: []string{"read"}, Action: "SCMP_ACT_BOGUS"})
	}
	_, err := validated(p)
	var inv *InvalidError
	if !errors.As(err, &inv) || !errors.Is(err, ErrInvalid) || len(inv.Problems) != 20000 {
		t.Fatalf("validated: %v", err)
	}
	p.Syscalls[0].Action = specs.LinuxSeccompAction(strings.Repeat("A", 100000))
	_, err = validated(p)
	msg := err.Error()
	if len(msg) > 1000 || !strings.Contains(msg, "(20000)") || !strings.Contains(msg, "syscalls[0]:") || !strings.Contains(msg, "19995 more") {
		t.Errorf("message of %d bytes: %.300s", len(msg), msg)
	}
}
