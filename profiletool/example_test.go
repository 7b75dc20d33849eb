package profiletool_test

import (
	"fmt"
	"os"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profiletool"
)

// Two replicas recorded different calls; their union allows both, and
// keeps a denying rule both have and a conditional one.
func ExampleMerge() {
	a := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"exit_group", "read"}, Action: specs.ActAllow},
		{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}},
	}}
	b := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"exit_group", "write"}, Action: specs.ActAllow},
	}}
	m, err := profiletool.Merge(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range m.Syscalls {
		fmt.Println(r.Action, r.Names, len(r.Args))
	}
	// Output:
	// SCMP_ACT_ALLOW [exit_group read write] 0
	// SCMP_ACT_ALLOW [socket] 1
}

// What one profile lets through that the other does not.
func ExampleDiff() {
	old := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"exit_group", "read", "ptrace"}, Action: specs.ActAllow},
	}}
	cur := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"exit_group", "read", "write"}, Action: specs.ActAllow},
	}}
	profiletool.Diff("old.json", old, "new.json", cur).WriteTo(os.Stdout)
	// Output:
	// --- old.json
	// +++ new.json
	// new.json lets through more: SCMP_ACT_ERRNO -> SCMP_ACT_ALLOW (1 call)
	// + write
	// old.json lets through more: SCMP_ACT_ALLOW -> SCMP_ACT_ERRNO (1 call)
	// - ptrace
}

// What a profile does with a call, as libseccomp loads it: a record of
// socket cannot tell whether the arguments matched.
func ExampleEvaluate() {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"read"}, Action: specs.ActAllow},
		{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}},
		{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: new(uint(38))},
	}}
	for _, call := range []string{"read", "socket", "clone3", "ptrace"} {
		v := profiletool.Evaluate(p, "", call)
		fmt.Printf("%s: %s, %s\n", call, v.Outcome, v.Describe(p))
	}
	// Output:
	// read: allowed, SCMP_ACT_ALLOW (syscalls[0])
	// socket: may deny, SCMP_ACT_ALLOW if arg0 == 1 (syscalls[1]); else SCMP_ACT_ERRNO (default action)
	// clone3: denied, SCMP_ACT_ERRNO(38) (syscalls[2])
	// ptrace: denied, SCMP_ACT_ERRNO (default action)
}
