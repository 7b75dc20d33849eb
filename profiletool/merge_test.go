package profiletool

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/syscalls"
)

const (
	logsDir     = "../testdata/logs"
	tutorialDir = "../testdata/tutorial/profiles"
)

func read(t testing.TB, path string) *specs.LinuxSeccomp {
	t.Helper()
	p, err := profilegen.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func amd64(t testing.TB) syscalls.Arch {
	a, ok := syscalls.ArchByName("amd64")
	if !ok {
		t.Fatal("no amd64 in the table")
	}
	return a
}

// testProfiles are every profile the tests know: the goldens of replay
// (durable), the tutorial's, the runtime default, the recording profiles,
// and hand-made ones with conditions and other actions.
func testProfiles(t testing.TB) map[string]*specs.LinuxSeccomp {
	t.Helper()
	out := map[string]*specs.LinuxSeccomp{}
	for _, glob := range []string{filepath.Join(logsDir, "*.json"), filepath.Join(tutorialDir, "*.json")} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			out[filepath.Base(f)] = read(t, f)
		}
	}
	rd, err := RuntimeDefault(amd64(t))
	if err != nil {
		t.Fatal(err)
	}
	out["runtime-default"] = rd
	out["recording"], _ = RecordingProfile(amd64(t), nil)
	out["recording-from-tutorial"], _ = RecordingProfile(amd64(t), out["tutorial.json"])
	for name, p := range handMade() {
		out[name] = p
	}
	return out
}

// handMade are profiles with what recorded ones lack: conditions, other
// actions, a default that allows.
func handMade() map[string]*specs.LinuxSeccomp {
	x86 := []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}
	return map[string]*specs.LinuxSeccomp{
		"conditional-a": {DefaultAction: specs.ActErrno, Architectures: x86, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"exit", "exit_group", "read", "write"}, Action: specs.ActAllow},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: arg0(1)},
			{Names: []string{"ptrace"}, Action: specs.ActKillProcess},
			{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: errno(38)},
		}},
		"conditional-b": {DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"exit", "exit_group", "read", "openat"}, Action: specs.ActAllow},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: arg0(2)},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: arg0(1)},
			{Names: []string{"mount"}, Action: specs.ActLog},
		}},
		"blocklist-a": {DefaultAction: specs.ActAllow, Architectures: x86[:1], Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mount", "ptrace"}, Action: specs.ActErrno},
			{Names: []string{"personality"}, Action: specs.ActErrno, Args: arg0(0xffffffff)},
		}},
		// Rules that libseccomp overrides: the conditional socket rule by
		// the unconditional one after it, the second read rule by the first.
		"overridden": {DefaultAction: specs.ActErrno, Architectures: x86[:1], Syscalls: []specs.LinuxSyscall{
			{Names: []string{"socket", "exit_group"}, Action: specs.ActAllow, Args: arg0(1)},
			{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: errno(38)},
			{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: errno(38)},
			{Names: []string{"read", "write"}, Action: specs.ActAllow},
		}},
		"blocklist-b": {DefaultAction: specs.ActAllow, Architectures: x86[:1], Syscalls: []specs.LinuxSyscall{
			{Names: []string{"ptrace", "kexec_load"}, Action: specs.ActErrno},
		}},
	}
}

// TestMergeReplicas: merging the replays of two logs gives the replay of
// both, byte for byte, for every pair of fixtures (profilegen's durable
// profiles; all but handmade-archs are x86_64).
func TestMergeReplicas(t *testing.T) {
	logs := []string{"syslog-rfc3339", "syslog-traditional", "tutorial", "actions", "i386", "handmade-archs"}
	build := func(names ...string) *specs.LinuxSeccomp {
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(logsDir, n+".log"))
		}
		pl := replay(t, nil, paths...)
		p, _, err := profilegen.Build(pl.Set, pipeline.NoneGroup, profilegen.Options{Base: profilegen.Base{Names: []string{"execve"}}, Companions: true, Durable: true})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i, a := range logs {
		for _, b := range logs[i+1:] {
			m, err := Merge(build(a), build(b))
			if err != nil {
				t.Errorf("%s + %s: %v", a, b, err)
				continue
			}
			got, _ := profilegen.Marshal(m)
			want, _ := profilegen.Marshal(build(a, b))
			if string(got) != string(want) {
				t.Errorf("merge of %s and %s is not the recording of both:\n%s\nwant\n%s", a, b, got, want)
			}
		}
	}
}

// replay reads logs down a pipeline of one group.
func replay(t testing.TB, ex *pipeline.Explain, logs ...string) *pipeline.Pipeline {
	t.Helper()
	inputs, err := pipeline.OpenInputs(logs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pipeline.CloseInputs(inputs)
	pl := pipeline.New(pipeline.Config{GroupBy: pipeline.GroupNone, Explain: ex})
	if err := pl.ReadAll(context.Background(), inputs); err != nil {
		t.Fatal(err)
	}
	return pl
}

func TestMergeSelf(t *testing.T) {
	for name, p := range testProfiles(t) {
		m, err := Merge(p, p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d := Diff("p", p, "merged", m); !d.Empty() {
			t.Errorf("%s merged with itself means something else: %+v", name, d)
		}
	}
}

func TestMergeConditions(t *testing.T) {
	hm := handMade()
	m, err := Merge(hm["conditional-a"], hm["conditional-b"])
	if err != nil {
		t.Fatal(err)
	}
	wantArches := []specs.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}
	if !slices.Equal(m.Architectures, wantArches) {
		t.Errorf("architectures %q; want %q", m.Architectures, wantArches)
	}
	for _, tt := range []struct {
		call    string
		outcome Outcome
		act     string
	}{
		{"read", Allowed, "SCMP_ACT_ALLOW"},
		{"openat", Allowed, "SCMP_ACT_ALLOW"},
		{"mount", Allowed, "SCMP_ACT_LOG"},
		{"ptrace", Denied, "SCMP_ACT_KILL_PROCESS"}, // both deny: a's way is kept
		{"clone3", Denied, "SCMP_ACT_ERRNO(38)"},
		{"socket", MayDeny, "SCMP_ACT_ERRNO"},
		{"keyctl", Denied, "SCMP_ACT_ERRNO"},
	} {
		v := Evaluate(m, "", tt.call)
		if v.Outcome != tt.outcome || v.Act.String() != tt.act {
			t.Errorf("%s: %s %s; want %s %s", tt.call, v.Outcome, v.Describe(m), tt.outcome, tt.act)
		}
	}
	// socket: both conditions kept, the identical one once.
	var conds [][]specs.LinuxSeccompArg
	for _, r := range m.Syscalls {
		if slices.Contains(r.Names, "socket") {
			conds = append(conds, r.Args)
		}
	}
	if len(conds) != 2 {
		t.Errorf("socket rules %v; want arg0 == 1 and arg0 == 2", conds)
	}
}

func TestMergeBlocklists(t *testing.T) {
	hm := handMade()
	m, err := Merge(hm["blocklist-a"], hm["blocklist-b"])
	if err != nil {
		t.Fatal(err)
	}
	for call, want := range map[string]Outcome{
		"ptrace": Denied,                         // both deny it
		"mount":  Allowed, "kexec_load": Allowed, // one allows it
		"personality": Allowed, // b lets it through on any argument
		"read":        Allowed,
	} {
		if v := Evaluate(m, "", call); v.Outcome != want {
			t.Errorf("%s: %s (%s); want %s", call, v.Outcome, v.Describe(m), want)
		}
	}
	// A conditional deny both profiles have is kept.
	b := hm["blocklist-b"]
	b.Syscalls = append(b.Syscalls, hm["blocklist-a"].Syscalls[1])
	m, _ = Merge(hm["blocklist-a"], b)
	if v := Evaluate(m, "", "personality"); v.Outcome != MayDeny {
		t.Errorf("personality: %s; want may deny", v.Describe(m))
	}
}

func TestMergeIncompatible(t *testing.T) {
	hm := handMade()
	kill := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActErrno, ErrnoRet: errno(38)}}}
	uncond := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: errno(38)}}}
	for name, ps := range map[string][]*specs.LinuxSeccomp{
		"defaults":       {hm["conditional-a"], hm["blocklist-a"]},
		"default errnos": {{DefaultAction: specs.ActErrno}, {DefaultAction: specs.ActErrno, DefaultErrnoRet: errno(38)}},
		"two denials":    {hm["conditional-a"], kill},
		"override":       {hm["conditional-a"], uncond},
		"listener":       {{DefaultAction: specs.ActErrno}, {DefaultAction: specs.ActErrno, ListenerPath: "/run/agent.sock"}},
	} {
		if m, err := Merge(ps...); !errors.Is(err, ErrIncompatible) || m != nil {
			t.Errorf("%s: %v, %v; want ErrIncompatible", name, m, err)
		}
	}
	if _, err := Merge(); !errors.Is(err, profilegen.ErrProfile) {
		t.Errorf("no profile: %v", err)
	}
	// EPERM spelt out and left unset are the same default.
	if _, err := Merge(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: errno(1)}); err != nil {
		t.Errorf("EPERM both ways: %v", err)
	}
}
