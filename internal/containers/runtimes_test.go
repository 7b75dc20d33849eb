package containers

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestRuntimeBase: a container whose records include runc's init's gets
// runc's base (futex, rt_sigreturn, ... that this recording did not see),
// the summary and the explanation name the calls it added; another
// container, whose init no record showed, gets none; with no Runtimes
// (--no-runtime-base) neither does. Hand-made records: which calls a
// recording of runc's init sees is what varies from run to run.
func TestRuntimeBase(t *testing.T) {
	for _, on := range []bool{true, false} {
		var rts *Runtimes
		if on {
			rts = &Runtimes{}
		}
		enrich := pipeline.EnrichFunc(func(r *pipeline.Record) {
			info := &Info{Container: containerOf(ctrID)}
			if r.PID == 2 {
				info = &Info{Container: containerOf(otherID)}
			}
			SetAttrs(r, info)
			rts.Note(r, info)
		})
		ex := pipeline.NewExplain()
		p := pipeline.New(pipeline.Config{Enrichers: []pipeline.Enricher{enrich}, GroupBy: GroupContainer, Finish: &Namer{Runtimes: rts}, Explain: ex})
		add := func(pid int32, nr int64, comm string) {
			p.Add(&audit.Record{PID: pid, Arch: 0xc000003e, Syscall: nr, Action: audit.ActionLog, Sec: 1795933970, Exe: []byte("/"), Comm: []byte(comm)}, 1)
		}
		add(1, 138, "runc:[2:INIT]") // fstatfs, by runc's init
		add(1, 0, "app")             // read, by the workload
		add(2, 0, "app")             // another container: its init unseen
		built, _, err := p.Build(profilegen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b, other profilegen.Built
		for _, x := range built {
			switch x.Group {
			case ctrID:
				b = x
			case otherID:
				other = x
			}
		}
		if other.Added != nil || slices.Contains(other.Report.Names, "futex") {
			t.Errorf("on=%v: a container whose runtime is unknown got a base: %+v %q", on, other.Added, other.Report.Names)
		}
		if !on {
			if b.Added != nil || slices.Contains(b.Report.Names, "futex") {
				t.Errorf("--no-runtime-base: added %+v", b.Added)
			}
			continue
		}
		for _, want := range []string{"futex", "rt_sigreturn", "sched_yield", "nanosleep", "tgkill"} {
			if !slices.Contains(b.Report.Names, want) || !slices.Contains(b.Added.Names, want) || !slices.ContainsFunc(b.Profile.Syscalls, func(s specs.LinuxSyscall) bool { return slices.Contains(s.Names, want) }) {
				t.Errorf("%s: not added from runc's base: %+v", want, b.Added)
			}
		}
		if slices.Contains(b.Added.Names, "fstatfs") || slices.Contains(b.Added.Names, "read") {
			t.Errorf("Added names recorded calls: %q", b.Added.Names)
		}
		var sum, exp strings.Builder
		pipeline.Summary{Counts: &p.Counts, Built: built}.WriteTo(&sum)
		if !strings.Contains(sum.String(), "from runtime runc: ") || !strings.Contains(sum.String(), " futex ") {
			t.Errorf("the summary does not tell the runtime base:\n%s", sum.String())
		}
		ex.WriteTo(&exp, built, profilegen.Options{})
		if !strings.Contains(exp.String(), ctrID+"\tfutex\t-\truntime runc\t0") {
			t.Errorf("--explain does not say futex came from runc's base:\n%s", exp.String())
		}
	}
}

// TestRuntimeListsCover: runc's base holds every call runc 1.1.5's init
// made on this machine under signal stress (the measured list), and the
// Go runtime's asynchronous calls whether or not a recording saw them.
func TestRuntimeListsCover(t *testing.T) {
	base := RuntimeBase("runc")
	for _, n := range slices.Concat(runc115, []string{"rt_sigreturn", "futex", "nanosleep", "sched_yield", "tgkill", "sigaltstack", "getpid", "mmap"}) {
		if _, ok := slices.BinarySearch(base, n); !ok {
			t.Errorf("runc's base lacks %s", n)
		}
	}
	for _, l := range RuntimeLists {
		if l.Origin == "" || l.Version == "" || !slices.IsSorted(l.Names) {
			t.Errorf("%s %s: no origin or version, or names not sorted", l.Runtime, l.Version)
		}
	}
	if RuntimeBase("youki") != nil {
		t.Error("a base for an unknown runtime")
	}
}

// TestInitRuntime: an init is told by its comm and its exe together. A
// process of the container that names itself as an init (its comm is its
// own choice) keeps its own binary as exe, and adds no runtime's list to
// its profile: with the comm alone, "crun" gave a workload mount,
// pivot_root and setns.
func TestInitRuntime(t *testing.T) {
	for _, tt := range []struct {
		comm, exe, want string
	}{
		{"runc:[2:INIT]", "/", "runc"}, // as the kernel printed runc 1.1.5's init here (doc.go)
		{"crun", "/", "crun"},
		{"runc:[2:INIT]", "/usr/bin/app", ""}, // the entrypoint, renamed after its exec
		{"crun", "/usr/bin/crun", ""},         // a binary named crun in the container's root
		{"crun", "/memfd:runc_cloned:/proc/self/exe (deleted)", ""},
		{"app", "/", ""},
		{"runc:[2:INIT]", "", ""},
		{"runc:[2:INIT]", "//", ""},
	} {
		if got := InitRuntime([]byte(tt.comm), []byte(tt.exe)); got != tt.want {
			t.Errorf("InitRuntime(%q, %q) = %q, want %q", tt.comm, tt.exe, got, tt.want)
		}
	}
}

// TestRuntimesNoteNeedsInitExe: through Note, as the Attributor calls it,
// a record of comm "crun" from the workload's own binary notes no runtime.
func TestRuntimesNoteNeedsInitExe(t *testing.T) {
	var rts Runtimes
	info := &Info{Container: containerOf(ctrID)}
	r := &pipeline.Record{}
	r.Comm, r.Exe = []byte("crun"), []byte("/bin/sh")
	rts.Note(r, info)
	if got := rts.Of([]string{ctrID}); len(got) != 0 {
		t.Errorf("a workload named crun noted runtimes %q", got)
	}
	r.Comm, r.Exe = []byte("runc:[2:INIT]"), []byte("/")
	rts.Note(r, info)
	if got := rts.Of([]string{ctrID}); len(got) != 1 || got[0] != "runc" {
		t.Errorf("runc's init noted %q, want runc", got)
	}
}
