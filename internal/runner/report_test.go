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
	}}
	tests := []struct {
		p    *specs.LinuxSeccomp
		name string
		want string
	}{
		{withAllow, "openat", `add "openat" to the SCMP_ACT_ALLOW names (syscalls[1])`},
		{withAllow, "mkdir", `remove "mkdir" from the SCMP_ACT_KILL_PROCESS rule (syscalls[2])`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, "execve", `add {"names": ["execve"], "action": "SCMP_ACT_ALLOW"} to syscalls`},
	}
	for _, tt := range tests {
		if got := FixFor(tt.p, tt.name); got != tt.want {
			t.Errorf("FixFor(%s) = %s, want %s", tt.name, got, tt.want)
		}
	}
}
