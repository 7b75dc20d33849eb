package profilegen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/golden"
)

const (
	x86_64 = 0xc000003e
	i386   = 0x40000003
)

// tutorialRecords are the records of ../testdata/logs/tutorial.log (the
// Kubernetes seccomp tutorial's http-echo), filled in by hand: pid 29064,
// comm and exe "http-echo", arch=c000003e, code=0x7ffc0000 (LOG).
func tutorialRecords() []*audit.Record {
	var out []*audit.Record
	for _, nr := range []int64{51, 54, 202, 288, 0, 270, 270, 202} {
		out = append(out, rec("/http-echo", "http-echo", 29064, x86_64, nr, audit.ActionLog))
	}
	return out
}

// mixedRecords hold every case Build treats apart. The i386, x32 and
// unknown-arch records are hand-made: this machine's workloads are x86_64.
func mixedRecords() []*audit.Record {
	return []*audit.Record{
		rec("/usr/bin/app", "app", 100, x86_64, 0, audit.ActionLog),              // read
		rec("/usr/bin/app", "app", 100, x86_64, 17, audit.ActionLog),             // pread64
		rec("/usr/bin/app", "app", 100, x86_64, 0, audit.ActionLog),              // read again
		rec("/usr/bin/app", "app", 101, x86_64, 101, audit.ActionErrno),          // ptrace, denied
		rec("/usr/bin/app", "app", 100, x86_64, 101, audit.ActionErrno),          // ptrace, denied, smaller pid
		rec("/usr/bin/app", "app", 102, x86_64, 165, audit.ActionKillProcess),    // mount, killed
		rec("/usr/bin/app", "app", 100, x86_64, 1, audit.ActionErrno),            // write: denied ...
		rec("/usr/bin/app", "app", 100, x86_64, 1, audit.ActionLog),              // ... and logged
		rec("/usr/bin/app", "app", 103, i386, 5, audit.ActionLog),                // open (i386)
		rec("/usr/bin/app", "app", 104, x86_64, 0x40000000|520, audit.ActionLog), // execve (x32)
		rec("/usr/bin/app", "app", 100, x86_64, 100000, audit.ActionLog),         // unknown number
		rec("/usr/bin/app", "app", 100, x86_64, 100000, audit.ActionLog),
		rec("/usr/bin/app", "app", 100, 0, 59, audit.ActionKillThread), // no arch= (old kernel)
	}
}

func setOf(recs []*audit.Record) *Set {
	s := newSet(groupExe)
	for _, r := range recs {
		add(s, r)
	}
	return s
}

func mustBase(t testing.TB, name string) Base {
	t.Helper()
	b, err := LookupBase(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildGolden(t *testing.T) {
	fine := readProfile(t, "../testdata/tutorial/profiles/fine-grained.json")
	for _, tt := range []struct {
		golden string
		recs   []*audit.Record
		group  string
		opt    Options
		merge  *specs.LinuxSeccomp
	}{
		{"tutorial", tutorialRecords(), "http-echo", Options{Base: mustBase(t, "minimal"), Companions: true}, nil},
		{"tutorial-runc", tutorialRecords(), "http-echo", Options{Base: mustBase(t, "runc"), Companions: true}, nil},
		{"mixed", mixedRecords(), "app", Options{Base: mustBase(t, "none")}, nil},
		{"mixed-companions", mixedRecords(), "app", Options{Base: mustBase(t, "none"), Companions: true}, nil},
		{"mixed-allow-denied", mixedRecords(), "app", Options{Base: mustBase(t, "minimal"), AllowDenied: true}, nil},
		{"merged", tutorialRecords(), "http-echo", Options{Base: mustBase(t, "none")}, fine},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			s := setOf(tt.recs)
			if tt.merge != nil {
				s.AddProfile(tt.group, tt.merge)
			}
			p, _, err := Build(s, tt.group, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.golden+".json"), got)
		})
	}
}

func readProfile(t *testing.T, path string) *specs.LinuxSeccomp {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildTutorialMatchesFineGrained(t *testing.T) {
	fine := readProfile(t, "../testdata/tutorial/profiles/fine-grained.json")
	want := allowed(fine)
	p, rep, err := Build(setOf(tutorialRecords()), "http-echo", Options{Base: mustBase(t, "minimal"), Companions: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Names {
		if !slices.Contains(want, n) {
			t.Errorf("%s is not in the tutorial's fine-grained.json", n)
		}
	}
	wantObserved := []string{"accept4", "futex", "getsockname", "pselect6", "read", "setsockopt"}
	if !slices.Equal(rep.Observed, wantObserved) {
		t.Errorf("Observed = %q; want %q", rep.Observed, wantObserved)
	}
	if !slices.Equal(p.Architectures, fine.Architectures) {
		t.Errorf("architectures = %q; want fine-grained.json's %q", p.Architectures, fine.Architectures)
	}
	if p.DefaultAction != fine.DefaultAction {
		t.Errorf("defaultAction = %s; want %s", p.DefaultAction, fine.DefaultAction)
	}
	if rep.Records != 8 || rep.Actions[audit.ActionLog] != 8 || len(rep.Violations) != 0 || len(rep.Unknown) != 0 {
		t.Errorf("report = %+v", rep)
	}
}

func TestBuildReport(t *testing.T) {
	p, rep, err := Build(setOf(mixedRecords()), "app", Options{Base: mustBase(t, "none")})
	if err != nil {
		t.Fatal(err)
	}
	wantViolations := []Violation{
		{Name: "mount", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionKillProcess, Count: 1, PID: 102, Comm: "app"},
		{Name: "ptrace", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionErrno, Count: 2, PID: 101, Comm: "app"},
		{Name: "write", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionErrno, Count: 1, PID: 100, Comm: "app"},
	}
	if !slices.Equal(rep.Violations, wantViolations) {
		t.Errorf("Violations =\n%+v\nwant\n%+v", rep.Violations, wantViolations)
	}
	wantUnknown := []UnknownSyscall{
		{Arch: "00000000", Nr: 59, Action: audit.ActionKillThread, Count: 1},
		{Arch: "SCMP_ARCH_X86_64", Nr: 100000, Action: audit.ActionLog, Count: 2},
	}
	if !slices.Equal(rep.Unknown, wantUnknown) {
		t.Errorf("Unknown = %+v; want %+v", rep.Unknown, wantUnknown)
	}
	wantNames := []string{"execve", "exit", "exit_group", "open", "pread64", "read", "write"}
	if !slices.Equal(rep.Names, wantNames) || !slices.Equal(p.Syscalls[0].Names, wantNames) {
		t.Errorf("names = %q / %q; want %q", rep.Names, p.Syscalls[0].Names, wantNames)
	}
	if rep.Records != 13 || rep.Actions[audit.ActionLog] != 8 || rep.Actions[audit.ActionErrno] != 3 ||
		rep.Actions[audit.ActionKillProcess] != 1 || rep.Actions[audit.ActionKillThread] != 1 {
		t.Errorf("Records = %d, Actions = %v", rep.Records, rep.Actions)
	}
	wantArches := []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"} // x86_64 and its companions, in its order
	if !slices.Equal(p.Architectures, wantArches) {
		t.Errorf("Architectures = %q; want %q", p.Architectures, wantArches)
	}
}

func TestBuildAllowDenied(t *testing.T) {
	s := setOf(mixedRecords())
	_, rep, err := Build(s, "app", Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, repAll, err := Build(s, "app", Options{AllowDenied: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"mount", "ptrace"} {
		if slices.Contains(rep.Names, n) {
			t.Errorf("denied %s allowed without AllowDenied", n)
		}
		if !slices.Contains(repAll.Names, n) {
			t.Errorf("denied %s not allowed with AllowDenied", n)
		}
	}
	if len(repAll.Violations) != 3 {
		t.Errorf("AllowDenied hides violations: %+v", repAll.Violations)
	}
}

func TestBuildAlwaysExit(t *testing.T) {
	s := setOf([]*audit.Record{rec("/bin/true", "true", 1, x86_64, 0, audit.ActionLog)})
	for _, base := range []string{"none", "runc", "crun", "minimal"} {
		p, _, err := Build(s, "true", Options{Base: mustBase(t, base)})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"exit", "exit_group"} {
			if !slices.Contains(p.Syscalls[0].Names, n) {
				t.Errorf("base %s: %s missing", base, n)
			}
		}
		if len(p.Syscalls) != 1 || p.Syscalls[0].Action != specs.ActAllow || p.DefaultAction != specs.ActErrno {
			t.Errorf("base %s: profile shape %+v", base, p)
		}
	}
}

func TestBuildCompanions(t *testing.T) {
	s := setOf([]*audit.Record{rec("/bin/x", "x", 1, 0xc00000b7, 63, audit.ActionLog)})
	for _, tt := range []struct {
		with bool
		want []specs.Arch
	}{
		{false, []specs.Arch{"SCMP_ARCH_AARCH64"}},
		{true, []specs.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}},
	} {
		p, _, err := Build(s, "x", Options{Companions: tt.with})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Architectures, tt.want) {
			t.Errorf("Companions=%v: %q; want %q", tt.with, p.Architectures, tt.want)
		}
	}
}

func TestBuildStable(t *testing.T) {
	recs := mixedRecords()
	first, err := buildJSON(t, recs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		shuffled := slices.Clone(recs)
		for j := range shuffled { // a fixed permutation per round
			k := (j*7 + i) % len(shuffled)
			shuffled[j], shuffled[k] = shuffled[k], shuffled[j]
		}
		again, err := buildJSON(t, shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("round %d: output depends on record order:\n%s\n%s", i, first, again)
		}
	}
}

func buildJSON(t *testing.T, recs []*audit.Record) ([]byte, error) {
	p, rep, err := Build(setOf(recs), "app", Options{Base: mustBase(t, "runc"), Companions: true})
	if err != nil {
		return nil, err
	}
	r, err := Marshal(&specs.LinuxSeccomp{DefaultAction: "report", Syscalls: []specs.LinuxSyscall{{Names: rep.Observed}}})
	if err != nil {
		return nil, err
	}
	j, err := Marshal(p)
	return append(j, r...), err
}

func TestBuildAddProfile(t *testing.T) {
	s := setOf(tutorialRecords())
	s.AddProfile("http-echo", &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{"SCMP_ARCH_AARCH64"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"clone3", "read"}, Action: specs.ActAllow},
			{Names: []string{"ptrace"}, Action: specs.ActErrno}, // not an allow rule
		},
	})
	s.AddProfile("restored", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: specs.ActAllow}}})
	p, rep, err := Build(s, "http-echo", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Names, "clone3") || slices.Contains(rep.Names, "ptrace") || slices.Contains(rep.Observed, "clone3") {
		t.Errorf("names %q, observed %q", rep.Names, rep.Observed)
	}
	if want := []specs.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"}; !slices.Equal(p.Architectures, want) {
		t.Errorf("Architectures = %q; want %q", p.Architectures, want)
	}
	p, _, err = Build(s, "restored", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"exit", "exit_group", "getpid"}; !slices.Equal(p.Syscalls[0].Names, want) || p.Architectures != nil {
		t.Errorf("restored group: %+v", p)
	}
}

func TestBuildNoGroup(t *testing.T) {
	p, rep, err := Build(setOf(tutorialRecords()), "nginx", Options{})
	if !errors.Is(err, ErrNoGroup) || p != nil || rep != nil {
		t.Errorf("Build(missing group) = %v, %v, %v", p, rep, err)
	}
}

func BenchmarkBuild(b *testing.B) {
	s := newSet(groupExe)
	r := rec("/usr/bin/app", "app", 1, x86_64, 0, audit.ActionLog)
	for nr := range int64(300) { // most of x86_64's table
		r.Syscall = nr
		add(s, r)
	}
	opt := Options{Base: mustBase(b, "runc"), Companions: true}
	b.ReportAllocs()
	for b.Loop() {
		p, _, err := Build(s, "app", opt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMergeReports: reports merged are the report Build makes of their
// records together, and the reports given are left as they were.
func TestMergeReports(t *testing.T) {
	a := &Report{Group: "a", Records: 3, Actions: map[audit.Action]uint64{audit.ActionErrno: 2, audit.ActionLog: 1},
		Names: []string{"read", "write"}, Observed: []string{"write"},
		Violations: []Violation{{Name: "read", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionErrno, Count: 2, PID: 9, Comm: "b"}}}
	b := &Report{Group: "b", Records: 4, Actions: map[audit.Action]uint64{audit.ActionErrno: 4},
		Names: []string{"open", "read"},
		Violations: []Violation{
			{Name: "read", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionErrno, Count: 1, PID: 7, Comm: "a"},
			{Name: "read", Arch: "SCMP_ARCH_X86", Action: audit.ActionErrno, Count: 1, PID: 8, Comm: "c"},
		},
		Unknown: []UnknownSyscall{{Arch: "SCMP_ARCH_X86_64", Nr: 999, Action: audit.ActionErrno, Count: 2}}}
	before := fmt.Sprintf("%+v %+v", *a, *b)
	got := MergeReports("ab", a, b, &Report{Unknown: []UnknownSyscall{{Arch: "SCMP_ARCH_X86_64", Nr: 999, Action: audit.ActionErrno, Count: 1}}})
	want := &Report{Group: "ab", Records: 7, Actions: map[audit.Action]uint64{audit.ActionErrno: 6, audit.ActionLog: 1},
		Names: []string{"open", "read", "write"}, Observed: []string{"write"},
		Violations: []Violation{
			{Name: "read", Arch: "SCMP_ARCH_X86", Action: audit.ActionErrno, Count: 1, PID: 8, Comm: "c"},
			{Name: "read", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionErrno, Count: 3, PID: 7, Comm: "a"},
		},
		Unknown: []UnknownSyscall{{Arch: "SCMP_ARCH_X86_64", Nr: 999, Action: audit.ActionErrno, Count: 3}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeReports =\n%+v\nwant\n%+v", got, want)
	}
	if after := fmt.Sprintf("%+v %+v", *a, *b); after != before {
		t.Errorf("the reports changed:\n%s\n%s", before, after)
	}
}
