package profiletool

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// A profile is read from a file anyone may have written: its syscall names,
// actions, architectures, flags and operators are hostile text, and so is
// the name a profile is given (its file's name). Hand-made: no kernel
// writes such a profile.
const injected = "x\n[Service]\nExecStartPre=/bin/touch /tmp/pwned"

// hostile returns a profile whose every string field carries a line break
// and a terminal escape.
func hostile() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_\x1b[2J\nExecStartPre=/bin/arch"},
		Flags:         []specs.LinuxSeccompFlag{"FLAG\x1b[31m"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"exit", "exit_group", "read", injected}, Action: specs.ActAllow},
			{Names: []string{"write"}, Action: "SCMP_ACT_\x1b[31mX\nExecStartPre=/bin/act"},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: "OP\n\x1b[31m"}}},
		},
	}
}

// unitLines returns the lines of a unit that systemd reads as settings or
// sections: every line but comments and blank ones.
func unitLines(unit string) []string {
	var out []string
	for _, l := range strings.Split(unit, "\n") {
		if t := strings.TrimSpace(l); t != "" && t[0] != '#' && t[0] != ';' {
			out = append(out, l)
		}
	}
	return out
}

// TestSystemdHostile: a syscall name that is no syscall name is an error
// wrapping profilegen.ErrProfile, never a line of the unit; the name of
// the profile, its architectures and its actions stay in the comments, one
// line each, without control bytes, and never end a comment with a
// backslash (a continuation).
func TestSystemdHostile(t *testing.T) {
	out, _, err := SystemdUnit("p", hostile())
	if !errors.Is(err, profilegen.ErrProfile) || out != nil {
		t.Errorf("a profile naming %q: err %v, unit\n%s\nwant ErrProfile and no unit", injected, err, out)
	}
	if err != nil && strings.ContainsAny(err.Error(), "\n\x1b") {
		t.Errorf("the error holds the name raw: %q", err)
	}
	for _, n := range []string{"", "READ", "read;", "read ", "rea\\"} {
		p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{n}, Action: specs.ActAllow}}}
		if _, _, err := SystemdUnit("p", p); !errors.Is(err, profilegen.ErrProfile) {
			t.Errorf("name %q: err %v; want ErrProfile", n, err)
		}
	}

	// Without the bad name, what is left is hostile text that only goes in
	// comments and notes.
	p := hostile()
	p.Syscalls[0].Names = p.Syscalls[0].Names[:3]
	for _, name := range []string{injected, "p\\", "\x1b]0;title\a"} {
		out, notes, err := SystemdUnit(name, p)
		if err != nil {
			t.Fatalf("name %q: %v", name, err)
		}
		settings := unitLines(string(out))
		if len(settings) == 0 || settings[0] != "[Service]" {
			t.Errorf("name %q: settings %q; want one [Service] section", name, settings)
		}
		for _, l := range settings[1:] {
			if !strings.HasPrefix(l, "SystemCall") {
				t.Errorf("name %q: a line of the unit that is no SystemCall setting: %q", name, l)
			}
		}
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasSuffix(l, "\\") || strings.ContainsAny(l, "\x1b\a\r") {
				t.Errorf("name %q: unsafe line %q", name, l)
			}
		}
		for _, n := range notes {
			if strings.ContainsAny(n, "\n\x1b\a\r") {
				t.Errorf("name %q: unsafe note %q", name, n)
			}
		}
	}
	if _, _, err := SystemdUnit("p", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_\x1b[31m"}); err == nil || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("a hostile default action: err %q; want an error without the escape", err)
	}
}

// TestPrintedNamesQuoted: lint, diff and check print the names a profile
// holds (and the names of its files) through pipeline.Quote: no line
// break nor escape of the profile reaches the terminal.
func TestPrintedNamesQuoted(t *testing.T) {
	p := hostile()
	var out strings.Builder
	fs, err := Lint(p)
	if err != nil {
		t.Fatal(err)
	}
	LintSummary(&out, "file\x1b[2J\n.json", fs)
	Diff("a\x1b[2J\n.json", p, "b.json", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}).WriteTo(&out)
	Diff("a.json", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, "b\x1b[2J\n.json", p).WriteTo(&out)
	rep := Check("c\x1b[2J\n.json", p, replay(t, nil, logsDir+"/tutorial.log"))
	rep.WriteTo(&out)
	if _, err := Merge(p, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{injected}, Action: specs.ActKillProcess}}}, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{injected}, Action: specs.ActTrap}}}); err == nil || strings.ContainsAny(err.Error(), "\n\x1b") {
		t.Errorf("Merge error %q; want an error naming %q quoted", err, injected)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.ContainsAny(l, "\x1b\r") || strings.HasPrefix(l, "ExecStartPre") || strings.HasPrefix(l, "[Service]") || strings.HasPrefix(l, ".json") {
			t.Errorf("a hostile string printed raw: %q", l)
		}
	}
	if !strings.Contains(out.String(), `"x\n[Service]\nExecStartPre=/bin/touch /tmp/pwned"`) {
		t.Errorf("the bad name is not shown quoted:\n%s", out.String())
	}
}

// TestCheckCountsSeparated: check's counts are written as the summary's
// are (pipeline.Plural): with thousands separated, whatever their size.
func TestCheckCountsSeparated(t *testing.T) {
	rep := &CheckReport{Profile: "p.json", p: &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, Records: 1234567, Calls: 1,
		Denied: []Checked{{Name: "read", Arch: "SCMP_ARCH_X86_64", Records: 1 << 40}}, counts: &pipeline.Counts{}}
	var out strings.Builder
	rep.WriteTo(&out)
	for _, want := range []string{"checked 1,234,567 records of 1 syscall", "1,099,511,627,776 records"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}
