package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// TestOrderKept: the end marker proves that no record of the program is in
// flight only when the kernel sent every record at its first try.
func TestOrderKept(t *testing.T) {
	const self, other = 100, 200
	for _, tt := range []struct {
		name          string
		before, after source.Stats
		daemonAfter   uint32
		want          bool
	}{
		{"nothing moved", source.Stats{}, source.Stats{}, self, true},
		{"counters as before", source.Stats{NoBufs: 2, KernelLost: 3}, source.Stats{NoBufs: 2, KernelLost: 3}, self, true},
		{"socket full: a record requeued", source.Stats{}, source.Stats{NoBufs: 1}, self, false},
		{"kernel lost records", source.Stats{}, source.Stats{KernelLost: 1}, self, false},
		{"daemon changed: hold queue", source.Stats{}, source.Stats{}, other, false},
		{"dropped and registered again: hold queue", source.Stats{}, source.Stats{Rejoined: 1}, self, false},
	} {
		if got := orderKept(tt.before, tt.after, self, tt.daemonAfter); got != tt.want {
			t.Errorf("%s: orderKept = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func init() {
	if sandbox.IsHelper() { // the program's helper (sandbox.Cmd) is this test binary
		sandbox.Main()
	}
}

// TestCollectCtx: Collect honours its ctx. Done before it starts, nothing
// runs; done while the program runs, the program is killed (as
// exec.CommandContext does), nothing waits for records in flight, and the
// error says the collection was cut short, with what was collected. It used
// to ignore ctx: the program ran to its end and the collection drained.
func TestCollectCtx(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.Keep(t)
	t.Run("done before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		mark := filepath.Join(t.TempDir(), "ran")
		res, err := Collect(ctx, Run{Profile: LoggingProfile(), Args: []string{"touch", mark}})
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Errorf("Collect returned a result: %v, err %v; want none and context.Canceled", res != nil, err)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Error("the program ran")
		}
	})
	t.Run("done while it runs", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		res, err := Collect(ctx, Run{Profile: LoggingProfile(), Args: []string{"sleep", "4"}})
		took := time.Since(start)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if res == nil || res.State == nil || res.Drained {
			t.Fatalf("result %v (drained %v), want the program's end, not drained", res != nil, res != nil && res.Drained)
		}
		if ws, ok := res.State.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Errorf("the program ended %v, want killed", res.State)
		}
		if took > 3*time.Second {
			t.Errorf("Collect took %v after its ctx was done at 300ms", took)
		}
	})
}

// captureLines returns the records of testdata/logs/dmesg.log (a real
// capture: logrun loads a LOG filter and execs hello in the same pid) as
// the netlink source returns them, "type=1326 audit(…): …".
func captureLines(t *testing.T) [][]byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/logs/dmesg.log")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if _, rec, ok := bytes.Cut(l, []byte("] audit: ")); ok {
			lines = append(lines, rec)
		}
	}
	return lines
}

// TestCollectorPipeline: the collector takes the lines it reads down the
// Run's pipeline (Pipeline.Line): the program's session only, counted
// once; the lines read before the session was known wait for it; the
// helper's records (the recorder's exe, before exec) wait for the
// program's names and go in its group; a malformed line is counted once,
// in the pipeline; Explain sees each call's first and last record.
func TestCollectorPipeline(t *testing.T) {
	const (
		self = "/tmp/recorder-capture.fmFw69/bin/logrun" // the capture's helper
		prog = "/tmp/recorder-capture.fmFw69/bin/hello"
	)
	lines := captureLines(t)
	if len(lines) != 31 || !bytes.Contains(lines[0], []byte(`exe="`+self+`"`)) {
		t.Fatalf("capture: %d records, the first %q; want 31, logrun's first", len(lines), lines[0])
	}
	// Hand-made: the capture has one session; another's record differs
	// only in ses=, and a malformed one is a record cut short.
	other := bytes.Replace(lines[5], []byte("ses=4294967295"), []byte("ses=7"), 1)
	bad := lines[3][:bytes.Index(lines[3], []byte(" syscall="))+9]
	ex := pipeline.NewExplain()
	c := newCollector(pipeline.Config{Explain: ex}, self)
	c.line(lines[0]) // before follow: pending
	c.line(other)
	if c.pending.len() != 2 || c.p.Counts.Lines != 0 {
		t.Fatalf("before the session was known: %d pending, %d counted; want 2, 0", c.pending.len(), c.p.Counts.Lines)
	}
	c.ses, c.known, c.pid, c.path = 4294967295, true, 14484, prog
	c.repend()
	for _, l := range lines[1:] {
		c.line(l)
	}
	c.line(other)
	c.line(bad)
	p, dropped := c.finish()
	if got := p.Set.Groups(); len(got) != 1 || got[0] != prog || dropped != 0 {
		t.Errorf("groups %q (dropped %d), want only %s: the helper's execve is the program's", got, dropped, prog)
	}
	if p.Counts.Lines != 32 || p.Counts.Kept != 31 || p.Counts.Malformed.N != 1 || len(p.Counts.Malformed.Where) != 0 {
		t.Errorf("counts: lines %d kept %d malformed %d %q; want 32 (31 records, 1 malformed), 31, 1, no place", p.Counts.Lines,
			p.Counts.Kept, p.Counts.Malformed.N, p.Counts.Malformed.Where)
	}
	if r := c.p.Config(); r.Select == nil || len(r.Enrichers) != 1 {
		t.Errorf("pipeline config: Select %v, %d enrichers; want the collector's", r.Select != nil, len(r.Enrichers))
	}
	execve := ex.Call(prog, profilegen.Key{Arch: 0xc000003e, Syscall: 59, Action: audit.ActionLog})
	if execve == nil || execve.Records != 1 || execve.Serial != 402541 || execve.Comms[0] != "hello" {
		t.Errorf("execve: %+v; want the helper's record (serial 402541), named hello", execve)
	}
	mmap := ex.Call(prog, profilegen.Key{Arch: 0xc000003e, Syscall: 9, Action: audit.ActionLog})
	if mmap == nil || mmap.Records != 8 || mmap.First != 1795933974711 || mmap.Last != 1795933974715 || mmap.Serial != 402543 {
		t.Errorf("mmap: %+v; want 8 records, first at .711 (serial 402543), last at .715", mmap)
	}
}

// TestCollectorNamesFromPath: a program none of whose records told its
// names (they are all the helper's) gets those of the path exec'd, once
// reading stopped.
func TestCollectorNamesFromPath(t *testing.T) {
	lines := captureLines(t)
	c := newCollector(pipeline.Config{GroupBy: pipeline.GroupComm}, "/tmp/recorder-capture.fmFw69/bin/logrun")
	c.ses, c.known, c.pid, c.path = 4294967295, true, 14484, "/nonexistent/a-program-name-longer-than-15"
	c.line(lines[0])
	if c.p.Counts.Lines != 0 || c.naming.len() != 1 {
		t.Fatalf("the helper's record went in before the names were known")
	}
	p, _ := c.finish()
	if got := p.Set.Groups(); len(got) != 1 || got[0] != "a-program-name-" || p.Counts.Kept != 1 {
		t.Errorf("groups %q, kept %d; want the path's base name cut to 15 bytes, 1", got, p.Counts.Kept)
	}
}

// panicEnv makes TestCollectPanicRestores's child run Collect with a
// pipeline that panics.
const panicEnv = "RUNNER_TEST_PANIC"

// TestCollectPanicRestores: a panic in the pipeline ends the process, but
// only after the source put the audit state back (the daemon's place, the
// enabled flag, the backlog limit). The panic comes on the netlink
// reader's goroutine, which hands records to the pipeline, and Next raises
// it on the goroutine that reads them. Before, that goroutine had no
// recovery, and the process ended still registered, auditing enabled and
// the backlog limit raised, until a next start read the state file.
func TestCollectPanicRestores(t *testing.T) {
	if os.Getenv(panicEnv) != "" { // the child: the parent holds the kernel lock
		Collect(context.Background(), Run{Profile: LoggingProfile(), Args: []string{"true"},
			Observe: func(*audit.Record) { panic("observe boom") }})
		t.Fatal("Collect returned: the pipeline did not panic")
	}
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCollectPanicRestores$", "-test.v")
	cmd.Env = append(os.Environ(), panicEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("observe boom")) {
		t.Fatalf("the child: %v, want it to end with the pipeline's panic:\n%s", err, out)
	}
	audittest.CheckSame(t, "after the panic", prev, audittest.Status(t))
}
