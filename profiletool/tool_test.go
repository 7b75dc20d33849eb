package profiletool

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/golden"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/syscalls"
)

func marshal(t *testing.T, p *specs.LinuxSeccomp) string {
	t.Helper()
	data, err := profilegen.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRuntimeDefault: Docker's profile as a container gets it on x86_64
// and on aarch64.
func TestRuntimeDefault(t *testing.T) {
	for _, name := range []string{"amd64", "arm64"} {
		a, _ := syscalls.ArchByName(name)
		p, err := RuntimeDefault(a)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "runtime-default-"+name+".json"), marshal(t, p))
	}
	p, _ := RuntimeDefault(amd64(t))
	for call, want := range map[string]string{
		"read": "SCMP_ACT_ALLOW", "chroot": "SCMP_ACT_ALLOW", // CAP_SYS_CHROOT is a default capability
		"ptrace":     "SCMP_ACT_ALLOW", // minKernel 4.8: met
		"arch_prctl": "SCMP_ACT_ALLOW", "clone3": "SCMP_ACT_ERRNO(38)",
		"mount": "SCMP_ACT_ERRNO", "unshare": "SCMP_ACT_ERRNO", "keyctl": "SCMP_ACT_ERRNO", // CAP_SYS_ADMIN, or never
		"arm_fadvise64_64": "SCMP_ACT_ERRNO", // an arm rule
	} {
		if v := Evaluate(p, "SCMP_ARCH_X86_64", call); v.Act.String() != want || v.Outcome == MayDeny {
			t.Errorf("%s: %s; want %s", call, v.Describe(p), want)
		}
	}
}

// TestRecordingProfile: the safe profile logs what the runtime default
// allows and denies the rest the same way; from another profile it allows
// what that one allows.
func TestRecordingProfile(t *testing.T) {
	rd, _ := RuntimeDefault(amd64(t))
	safe, err := RecordingProfile(amd64(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	tut := read(t, filepath.Join(logsDir, "tutorial.json"))
	quiet, err := RecordingProfile(amd64(t), tut)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "recording.json"), marshal(t, safe))
	golden.Check(t, filepath.Join("testdata", "recording-from-tutorial.json"), marshal(t, quiet))
	// No flags: runc 1.1.x refuses any (issue 16); WithLog adds the one.
	if len(safe.Flags) != 0 || len(quiet.Flags) != 0 {
		t.Errorf("flags %q, %q; want none", safe.Flags, quiet.Flags)
	}
	if f := WithLog(WithLog(safe)).Flags; !slices.Equal(f, []specs.LinuxSeccompFlag{FlagLog}) {
		t.Errorf("WithLog: flags %q", f)
	}
	safe.Flags = nil
	names := map[string]bool{"keyctl": true, "unshare": true}
	for _, r := range rd.Syscalls {
		for _, n := range r.Names {
			names[n] = true
		}
	}
	for n := range names {
		want := Evaluate(rd, "SCMP_ARCH_X86_64", n)
		for name, p := range map[string]*specs.LinuxSeccomp{"safe": safe, "quiet": quiet} {
			got := Evaluate(p, "SCMP_ARCH_X86_64", n)
			if name == "quiet" && Evaluate(tut, "SCMP_ARCH_X86_64", n).Outcome == Allowed {
				if got.Act.Action != specs.ActAllow {
					t.Errorf("%s: %s: %s; the tutorial allows it", name, n, got.Describe(p))
				}
				continue
			}
			switch {
			case got.Outcome != want.Outcome:
				t.Errorf("%s: %s: %s; the runtime default: %s", name, n, got.Describe(p), want.Describe(rd))
			case want.Outcome == Allowed && got.Act.Action != specs.ActLog:
				t.Errorf("%s: %s: %s; want it logged", name, n, got.Describe(p))
			case want.Outcome == Denied && got.Act != want.Act:
				t.Errorf("%s: %s: %s; want %s", name, n, got.Describe(p), want.Act)
			}
		}
	}
}

// TestDiff: a profile against itself is empty; pairs against goldens.
func TestDiff(t *testing.T) {
	ps := testProfiles(t)
	for name, p := range ps {
		if d := Diff("a", p, "b", p); !d.Empty() {
			t.Errorf("%s against itself: %+v", name, d)
		}
	}
	var out strings.Builder
	for _, pair := range [][2]string{
		{"tutorial.json", "syslog-rfc3339.json"},
		{"fine-grained.json", "tutorial.json"},
		{"conditional-a", "conditional-b"},
		{"blocklist-a", "blocklist-b"},
		{"runtime-default", "recording"},
		{"audit.json", "violation.json"},
		{"syslog-rfc3339.json", "handmade-archs.json"},
	} {
		out.WriteString("$ diff " + pair[0] + " " + pair[1] + "\n")
		Diff(pair[0], ps[pair[0]], pair[1], ps[pair[1]]).WriteTo(&out)
	}
	golden.Check(t, filepath.Join("testdata", "diff.golden"), out.String())
}

// TestLint runs over every test profile.
func TestLint(t *testing.T) {
	ps := testProfiles(t)
	var out strings.Builder
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		fs, err := Lint(ps[name])
		if err != nil {
			t.Fatal(err)
		}
		LintSummary(&out, name, fs)
		if strings.HasSuffix(name, ".json") && !strings.Contains(name, "violation") && LintFailed(fs, false) {
			t.Errorf("%s fails lint: %v", name, fs)
		}
	}
	bad := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_MIPS64", "SCMP_ARCH_X86_64"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "read", "opne", "arch_prctl", "keyctl", "socket", "clone3"}, Action: specs.ActAllow},
			{Names: []string{"write"}, Action: specs.ActErrno},
			{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: errno(38)},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: arg0(1)},
			{Names: []string{"faccessat2"}, Action: specs.ActErrno, ErrnoRet: errno(38)},
			{Names: []string{"exit"}, Action: specs.ActAllow, Args: arg0(0)},
			{Names: []string{"arm_fadvise64_64"}, Action: specs.ActAllow},
			{Action: specs.ActAllow},
		}}
	fs, _ := Lint(bad)
	LintSummary(&out, "bad", fs)
	golden.Check(t, filepath.Join("testdata", "lint.golden"), out.String())
	checks := map[string]bool{}
	for _, f := range fs {
		checks[f.Check+" "+f.Severity.String()] = true
	}
	for _, want := range []string{"unknown-name error", "unknown-name note", "duplicate warning", "duplicate error",
		"repeats-default warning", "missing-exit error", "missing-exit warning", "runtime-default warning", "runtime-default note", "enosys-errno warning"} {
		if !checks[want] {
			t.Errorf("no %s finding in %v", want, fs)
		}
	}
	if !LintFailed(fs, false) || LintFailed([]Finding{{Severity: Warning}}, false) || !LintFailed([]Finding{{Severity: Warning}}, true) || LintFailed([]Finding{{Severity: Note}}, true) {
		t.Error("LintFailed")
	}
}

// TestLintInvalid is issue 17's item 9: lint --strict passed, with 0
// errors, a profile that no runtime loads. Each problem is now an error of
// its own, and the file fails lint.
func TestLintInvalid(t *testing.T) {
	bogus := `{"defaultAction": "SCMP_ACT_BOGUS", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"],
		"flags": ["SECCOMP_FILTER_FLAG_BOGUS"],
		"syscalls": [
			{"names": ["read", "exit", "exit_group"], "action": "SCMP_ACT_ALOW"},
			{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 9, "value": 0, "op": "SCMP_CMP_BOGUS"}]},
			{"names": ["write"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1},
			{"names": [""], "action": "SCMP_ACT_NOTIFY"}
		]}`
	file := filepath.Join(t.TempDir(), "bogus.json")
	if err := os.WriteFile(file, []byte(bogus), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := LintFiles(&out, true, file)
	if !errors.Is(err, ErrFound) {
		t.Errorf("LintFiles = %v; want ErrFound", err)
	}
	for _, want := range []string{
		`error: [invalid] defaultAction "SCMP_ACT_BOGUS": no such action`,
		`error: [invalid] architecture "SCMP_ARCH_VAX": no such architecture`,
		`error: [invalid] flag "SECCOMP_FILTER_FLAG_BOGUS": no such flag`,
		`error: [invalid] syscalls[0]: action "SCMP_ACT_ALOW": no such action`,
		`error: [invalid] syscalls[1]: args[0]: index 9: a syscall has arguments 0 to 5`,
		`error: [invalid] syscalls[1]: args[0]: op "SCMP_CMP_BOGUS": no such operator`,
		`error: [invalid] syscalls[2]: errnoRet with action "SCMP_ACT_ALLOW": only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one`,
		`error: [invalid] syscalls[3]: action SCMP_ACT_NOTIFY without a listenerPath`,
		`error: [invalid] syscalls[3]: an empty name`,
	} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
	// Every other reader refuses it, naming the problems.
	if _, err := profilegen.ReadFile(file); !errors.Is(err, profilegen.ErrInvalid) {
		t.Errorf("ReadFile = %v; want ErrInvalid", err)
	}
	var inv *profilegen.InvalidError
	if _, err := profilegen.ReadFile(file); !errors.As(err, &inv) || len(inv.Problems) != 9 {
		t.Errorf("ReadFile = %v; want 9 problems", err)
	}
	for _, f := range []func() error{
		func() error { return MergeFiles(io.Discard, "-", profilegen.OCI, file) },
		func() error { return DiffFiles(io.Discard, file, file) },
		func() error { return ConvertFile(io.Discard, io.Discard, "-", profilegen.OCI, "", file) },
	} {
		if err := f(); !errors.Is(err, profilegen.ErrInvalid) {
			t.Errorf("a toolkit command = %v; want ErrInvalid", err)
		}
	}
}

// TestOwnProfilesPassLint is issue 16's "its own output passes its own
// checks": the recording and runtime-default profiles of every ABI of the
// table that has one pass lint --strict (recv, send and riscv_hwprobe, calls
// of other ABIs in Docker's default, were warnings).
func TestOwnProfilesPassLint(t *testing.T) {
	for _, a := range []syscalls.Arch{mustArch(t, "SCMP_ARCH_X86_64"), mustArch(t, "SCMP_ARCH_AARCH64")} {
		rd, err := RuntimeDefault(a)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := RecordingProfile(a, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range map[string]*specs.LinuxSeccomp{"runtime-default": rd, "recording": rec} {
			fs, err := Lint(p)
			if err != nil || LintFailed(fs, true) {
				t.Errorf("%s of %s fails lint --strict: %v %v", name, a.OCI, fs, err)
			}
		}
	}
}

func mustArch(t *testing.T, oci string) syscalls.Arch {
	a, ok := syscalls.ArchByOCI(oci)
	if !ok {
		t.Fatalf("no ABI %s", oci)
	}
	return a
}

// TestSystemd writes the unit settings of profiles of each kind.
func TestSystemd(t *testing.T) {
	ps := testProfiles(t)
	var out strings.Builder
	for _, name := range []string{"tutorial.json", "runtime-default", "conditional-b", "blocklist-a", "handmade-archs.json"} {
		data, notes, err := SystemdUnit(name, ps[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out.WriteString("$ " + name + "\n" + string(data))
		for _, n := range notes {
			out.WriteString("note: " + n + "\n")
		}
	}
	golden.Check(t, filepath.Join("testdata", "systemd.golden"), out.String())
	for _, def := range []specs.LinuxSeccompAction{specs.ActLog, specs.ActTrap, specs.ActNotify} {
		if _, _, err := SystemdUnit("x", &specs.LinuxSeccomp{DefaultAction: def}); !errors.Is(err, ErrNotExpressible) {
			t.Errorf("default %s: %v; want ErrNotExpressible", def, err)
		}
	}
}

// TestSystemdSameAllowList: the SystemCallFilter= names are exactly the
// calls the profile lets through without conditions.
func TestSystemdSameAllowList(t *testing.T) {
	for name, p := range testProfiles(t) {
		if defaultAct(p).Allows() {
			continue
		}
		data, _, err := SystemdUnit(name, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var listed []string
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "SystemCallFilter="); ok {
				listed = append(listed, strings.Fields(v)...)
			}
		}
		var want []string
		for n, a := range firstUnconditional(p) {
			if a.Allows() {
				want = append(want, n)
			}
		}
		slices.Sort(want)
		if !slices.Equal(listed, want) {
			t.Errorf("%s: SystemCallFilter= %q; want %q", name, listed, want)
		}
	}
}

// TestConvertRoundTrip: OCI to SPO and back, byte for byte, for every
// profile profilegen wrote.
func TestConvertRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(logsDir, "*.json"))
	for _, f := range files {
		oci, _ := os.ReadFile(f)
		spo, _, err := Convert(read(t, f), profilegen.SPO, "x")
		if err != nil {
			t.Fatal(err)
		}
		p, err := profilegen.Unmarshal(spo)
		if err != nil {
			t.Fatal(err)
		}
		back, _, _ := Convert(p, profilegen.OCI, "x")
		if string(back) != string(oci) {
			t.Errorf("%s: OCI -> SPO -> OCI changed it:\n%s", f, back)
		}
		spo2, _, _ := Convert(p, profilegen.SPO, "x")
		if string(spo2) != string(spo) {
			t.Errorf("%s: SPO -> OCI -> SPO changed it", f)
		}
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrFormat) {
		t.Errorf("ParseFormat(xml): %v", err)
	}
}

// TestCheck: the records of a captured log against their own profile:
// nothing denied; against the profile without one call: that call.
func TestCheck(t *testing.T) {
	ex := pipeline.NewExplain()
	pl := replay(t, ex, filepath.Join(logsDir, "syslog-rfc3339.log"))
	p := read(t, filepath.Join(logsDir, "syslog-rfc3339.json"))
	if rep := Check("p", p, pl); rep.Failed(true) || rep.Records != 146 || rep.Calls != 24 {
		t.Errorf("own profile: %+v", rep)
	}
	p.Syscalls[0].Names = slices.DeleteFunc(p.Syscalls[0].Names, func(n string) bool { return n == "mprotect" })
	rep := Check("p", p, pl)
	if len(rep.Denied) != 1 || rep.Denied[0].Name != "mprotect" || rep.Denied[0].Records != 5 || !rep.Failed(false) {
		t.Fatalf("without mprotect: %+v", rep)
	}
	if l := rep.Denied[0].First.Line; !strings.Contains(l, "syscall=10 ") || !strings.Contains(l, "audit(1795933970.075:402239)") {
		t.Errorf("first line %q", l)
	}
	// A conditional rule: may deny, fails only when strict.
	p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: []string{"mprotect"}, Action: specs.ActAllow, Args: arg0(0)})
	rep = Check("p", p, pl)
	if len(rep.Denied) != 0 || len(rep.MayDeny) != 1 || rep.Failed(false) || !rep.Failed(true) {
		t.Errorf("conditional mprotect: %+v", rep)
	}
	var out strings.Builder
	rep.WriteTo(&out)
	golden.Check(t, filepath.Join("testdata", "check.golden"), out.String())
}
