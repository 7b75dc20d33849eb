package runner

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestFixFor(t *testing.T) {
	withAllow := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpEqualTo}}},
		{Names: []string{"read", "write"}, Action: specs.ActAllow},
		{Names: []string{"mkdir"}, Action: specs.ActKillProcess},
		{Names: []string{"socket"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 16, Op: specs.OpEqualTo}}},
		{Names: []string{"mkdir", "rmdir"}, Action: specs.ActErrno},
	}}
	x86only := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_X86_64"},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActAllow}}}
	tests := []struct {
		p          *specs.LinuxSeccomp
		arch, name string
		want       string
	}{
		{withAllow, "", "openat", `add "openat" to the SCMP_ACT_ALLOW names (syscalls[1])`},
		{withAllow, "", "mkdir", `remove "mkdir" from the SCMP_ACT_KILL_PROCESS rule (syscalls[2])`}, // the first decides
		{withAllow, "", "rmdir", `remove "rmdir" from the SCMP_ACT_ERRNO rule (syscalls[4])`},
		// A conditional rule that denies is not what denied socket(2, ...):
		// the default action did, and removing the name changes nothing.
		{withAllow, "", "socket", `add "socket" to the SCMP_ACT_ALLOW names (syscalls[1])`},
		{withAllow, "", "read", `nothing: the profile allows it (SCMP_ACT_ALLOW (syscalls[1])); another filter denied it`},
		{x86only, "SCMP_ARCH_X86", "read", `add "SCMP_ARCH_X86" to the architectures`}, // an i386 program
		{x86only, "SCMP_ARCH_X86_64", "read", `add "read" to the SCMP_ACT_ALLOW names (syscalls[0])`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, "", "execve", `add {"names": ["execve"], "action": "SCMP_ACT_ALLOW"} to syscalls`},
	}
	for _, tt := range tests {
		if got := FixFor(tt.p, tt.arch, tt.name); got != tt.want {
			t.Errorf("FixFor(%s) = %s, want %s", tt.name, got, tt.want)
		}
	}
}
