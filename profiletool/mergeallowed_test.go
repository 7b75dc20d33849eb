package profiletool

import (
	"errors"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profilegen"
)

// TestMergeAllowed: what a merged profile allows comes in with its
// conditions; its other rules (a recording profile's LOG and denials) do
// not, nor a conditional ALLOW its own unconditional rule overrides (the
// recording profile's clone3, which the runtime default's ENOSYS rule
// decides); a call the durable rule answers with ENOSYS and the merged profile
// allows on conditions is decided by the conditions; and profilegen
// refuses to drop conditions when no MergeRules is given.
func TestMergeAllowed(t *testing.T) {
	x86 := mustArch(t, "SCMP_ARCH_X86_64")
	from := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"personality", "clone3"}, Action: specs.ActAllow, Args: arg0(0)},
		{Names: []string{"read"}, Action: specs.ActAllow},
	}}
	rec, err := RecordingProfile(x86, from)
	if err != nil {
		t.Fatal(err)
	}
	enosys := uint(38)
	built := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_X86_64"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"exit", "exit_group", "write"}, Action: specs.ActAllow},
			{Names: []string{"clone3", "faccessat2"}, Action: specs.ActErrno, ErrnoRet: &enosys},
		}}
	m, err := MergeAllowed(built, []*specs.LinuxSeccomp{rec, from})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]Outcome{"personality": MayDeny, "clone3": MayDeny, "read": Allowed, "write": Allowed, "mkdir": Denied, "faccessat2": Denied} {
		if v := Evaluate(m, "SCMP_ARCH_X86_64", name); v.Outcome != want {
			t.Errorf("%s: %s; want %s", name, v.Outcome, want)
		}
	}
	for _, r := range m.Syscalls {
		if r.Action == specs.ActLog {
			t.Errorf("a LOG rule of the recording profile came in: %v", r.Names)
		}
	}
	opt := profilegen.Options{Merge: []*specs.LinuxSeccomp{from}}
	out := profilegen.Output{Path: "/dev/null"}
	if err := out.Write(nil, opt); !errors.Is(err, profilegen.ErrConditionsDropped) {
		t.Errorf("Write without MergeRules = %v; want ErrConditionsDropped", err)
	}
	opt.MergeRules = MergeAllowed
	if err := out.Write(nil, opt); err != nil {
		t.Errorf("Write with MergeRules = %v", err)
	}
}
