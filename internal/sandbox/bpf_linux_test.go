//go:build linux && cgo

package sandbox

import (
	"runtime"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestRunBPF runs libseccomp's compiled filters in the simulator and checks
// the action each gives a call, as the kernel would.
func TestRunBPF(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the table holds x86_64 numbers")
	}
	errno := func(n uint) *uint { return &n }
	allowExecveIf := func(op specs.LinuxSeccompOperator, v, v2 uint64) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"execve"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 1, Value: v, ValueTwo: v2, Op: op}}}}}
	}
	arch := uint32(unix.AUDIT_ARCH_X86_64)
	tests := []struct {
		name string
		p    *specs.LinuxSeccomp
		nr   int32
		arch uint32
		arg1 uint64
		want uint32
	}{
		{"allow", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_ALLOW},
		{"log", &specs.LinuxSeccomp{DefaultAction: specs.ActLog}, unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_LOG},
		{"violation", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		{"defaultErrnoRet", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: errno(38)}, unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_ERRNO | 38},
		{"kill", &specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess}, unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_KILL_PROCESS},
		{"other arch", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, unix.SYS_EXECVE, 0xdead, 0, unix.SECCOMP_RET_KILL_THREAD},
		{"rule errnoRet", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"execve"}, Action: specs.ActErrno, ErrnoRet: errno(28)}}}, unix.SYS_EXECVE, arch, 0, unix.SECCOMP_RET_ERRNO | 28},
		{"other call", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"execve"}, Action: specs.ActErrno}}}, unix.SYS_GETPID, arch, 0, unix.SECCOMP_RET_ALLOW},
		{"arg eq", allowExecveIf(specs.OpEqualTo, 0x7f0000001000, 0), unix.SYS_EXECVE, arch, 0x7f0000001000, unix.SECCOMP_RET_ALLOW},
		{"arg ne", allowExecveIf(specs.OpEqualTo, 0x7f0000001000, 0), unix.SYS_EXECVE, arch, 0x7f0000001008, unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		{"arg high half", allowExecveIf(specs.OpGreaterThan, 1<<32, 0), unix.SYS_EXECVE, arch, 1<<32 | 1, unix.SECCOMP_RET_ALLOW},
		{"masked eq", allowExecveIf(specs.OpMaskedEqual, 0xf, 0x8), unix.SYS_EXECVE, arch, 0x1238, unix.SECCOMP_RET_ALLOW},
		{"masked ne", allowExecveIf(specs.OpMaskedEqual, 0xf, 0x8), unix.SYS_EXECVE, arch, 0x1239, unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
	}
	for _, tt := range tests {
		tt.p.Architectures = []specs.Arch{"SCMP_ARCH_X86_64"}
		flt, err := New(tt.p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		prog, err := flt.bpf()
		flt.Release()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, ok := runBPF(prog, seccompData(tt.nr, tt.arch, [maxArgs]uint64{0, tt.arg1}))
		if !ok || got != tt.want {
			t.Errorf("%s: runBPF = %#x, %v; want %#x", tt.name, got, ok, tt.want)
		}
	}
}

func TestRunBPFFaults(t *testing.T) {
	data := seccompData(0, 0, [maxArgs]uint64{})
	for name, prog := range map[string][]unix.SockFilter{
		"empty":          nil,
		"load past data": {{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 64}, {Code: unix.BPF_RET, K: 0}},
		"jump past end":  {{Code: unix.BPF_JMP | unix.BPF_JA, K: 5}, {Code: unix.BPF_RET, K: 0}},
		"no return":      {{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}},
		"divide by zero": {{Code: unix.BPF_ALU | unix.BPF_DIV | unix.BPF_K, K: 0}, {Code: unix.BPF_RET, K: 0}},
		"bad scratch":    {{Code: unix.BPF_ST, K: 16}, {Code: unix.BPF_RET, K: 0}},
	} {
		if got, ok := runBPF(prog, data); ok {
			t.Errorf("%s: runBPF = %#x, true; want a fault", name, got)
		}
	}
}
