package runner

import (
	"testing"

	"github.com/recorder-dev/recorder/audit"
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
