package runner

import (
	"testing"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestTally: a million records of a few distinct calls take a few entries,
// counted, in the order they first came; a record's slices are copied.
func TestTally(t *testing.T) {
	var tl tally
	comm := []byte("srv")
	calls := []int64{0, 1, 232, 0, 1}
	for i := range 1_000_000 {
		r := audit.Record{Ses: 7, PID: 40, Arch: 0xc000003e, Syscall: calls[i%len(calls)], Action: audit.ActionLog, Comm: comm, Exe: []byte("/srv")}
		tl.add(&r)
	}
	comm[0] = 'X' // the tally must not alias the record's bytes
	if len(tl.recs) != 3 || tl.total() != 1_000_000 {
		t.Fatalf("%d entries, %d records; want 3 entries, 1000000 records", len(tl.recs), tl.total())
	}
	wantN := []uint64{400_000, 400_000, 200_000}
	for i, nr := range []int64{0, 1, 232} {
		if r := tl.recs[i]; r.Syscall != nr || tl.n[i] != wantN[i] || string(r.Comm) != "srv" {
			t.Errorf("entry %d: syscall %d comm %q count %d; want %d srv %d", i, r.Syscall, r.Comm, tl.n[i], nr, wantN[i])
		}
	}
	other := audit.Record{Ses: 8, PID: 41, Syscall: 0, Comm: []byte("srv"), Exe: []byte("/srv")}
	tl.add(&other)
	kept := tl.keep(func(r *audit.Record) bool { return r.Ses == 7 })
	if len(kept.recs) != 3 || kept.total() != 1_000_000 {
		t.Errorf("keep: %d entries, %d records", len(kept.recs), kept.total())
	}
}

// TestTallyAllocs: adding a record seen before allocates nothing.
func TestTallyAllocs(t *testing.T) {
	var tl tally
	r := audit.Record{Ses: 7, PID: 40, Syscall: 1, Comm: []byte("srv"), Exe: []byte("/srv")}
	tl.add(&r)
	if n := testing.AllocsPerRun(1000, func() { tl.add(&r) }); n != 0 {
		t.Errorf("%v allocations per known record, want 0", n)
	}
}

// TestFeedFirstAndLast: Feed gives a pipeline each call's first record and
// its last apart, the counts unchanged, so that its Explain knows when the
// call was first and last made; keep keeps the last stamps.
func TestFeedFirstAndLast(t *testing.T) {
	var tl tally
	for i := range 5 {
		r := audit.Record{Ses: 7, PID: 40, Arch: 0xc000003e, Syscall: 1, Action: audit.ActionLog, Comm: []byte("srv"), Exe: []byte("/srv"),
			Sec: 1795933970 + int64(i), Msec: 5, Serial: uint64(100 + i)}
		tl.add(&r)
	}
	once := audit.Record{Ses: 7, PID: 40, Arch: 0xc000003e, Syscall: 0, Action: audit.ActionLog, Comm: []byte("srv"), Exe: []byte("/srv"), Sec: 1795933971, Serial: 200}
	tl.add(&once)
	tl = tl.keep(func(r *audit.Record) bool { return true })
	ex := pipeline.NewExplain()
	p := pipeline.New(pipeline.Config{GroupBy: pipeline.GroupNone, Explain: ex})
	(&Result{records: tl}).Feed(p)
	c := ex.Call(pipeline.NoneGroup, profilegen.Key{Arch: 0xc000003e, Syscall: 1, Action: audit.ActionLog})
	if c == nil || c.Records != 5 || c.First != 1795933970005 || c.Last != 1795933974005 || c.Serial != 100 || p.Counts.Lines != 6 {
		t.Errorf("write: %+v; %d records fed", c, p.Counts.Lines)
	}
	if only, _ := c.StartupOnly(); only {
		t.Error("write, made 4 s after the process's first record, is startup-only")
	}
}
