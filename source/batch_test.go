//go:build linux

package source

import (
	"slices"
	"testing"
)

// stormRecord is a record of make bench's storm as the kernel sends it
// (the text after the netlink header), read on the test machine (watch
// --tee during make bench's storm).
const stormRecord = `audit(1796421580.947:72535375): auid=0 uid=0 gid=0 ses=412 pid=23684 comm="storm" exe="/work/wt/perf/bin/storm" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7ff01a497829 code=0x7ffc0000`

// BenchmarkBatchRecord is the netlink reader's work per record in user
// space once recvmmsg has put it in the receive buffer: copied into a
// batch as a line "type=1326 …" and handed out by Next's batch.next.
// Target: 0 allocations per record.
func BenchmarkBatchRecord(b *testing.B) {
	data := []byte(stormRecord)
	bt := &batch{buf: make([]byte, 0, batchBytes+8<<10)}
	b.ReportAllocs()
	for b.Loop() {
		bt.add(1326, data)
		if _, ok := bt.next(); !ok {
			b.Fatal("no line")
		}
		if len(bt.buf) >= batchBytes {
			bt.reset()
		}
	}
}

// TestBatchRecordAllocs: a record through a batch allocates nothing once
// the batch has grown.
func TestBatchRecordAllocs(t *testing.T) {
	data := []byte(stormRecord)
	bt := &batch{buf: make([]byte, 0, batchBytes+8<<10)}
	for range 2000 {
		bt.add(1326, data)
	}
	bt.reset()
	n := testing.AllocsPerRun(1000, func() {
		bt.add(1326, data)
		if line, ok := bt.next(); !ok || string(line) != "type=1326 "+stormRecord {
			t.Fatalf("line %q", line)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per record, want 0", n)
	}
}

// TestBatchBuffered: Batch gives the line Next returned, then every line
// of the netlink source's batch not handed out yet, in order, and stops
// at the batch's end, where Next would wait.
func TestBatchBuffered(t *testing.T) {
	bt := &batch{}
	for i := range 4 {
		bt.add(uint16(1326+i), []byte(stormRecord))
	}
	n := &Netlink{cur: bt}
	first, ok := n.Buffered()
	if !ok {
		t.Fatal("no first line")
	}
	var got []string
	Batch(n, first, func(l []byte) { got = append(got, string(l[:9])) })
	if want := []string{"type=1326", "type=1327", "type=1328", "type=1329"}; !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if _, ok := n.Buffered(); ok {
		t.Error("a line past the batch's end")
	}
}

// BenchmarkLineInPlace is the netlink reader's work per record in user
// space when it hands records over (Push): the line made in the receive
// buffer itself, "type=1326 " written before the record's text. Target: 0
// allocations per record.
func BenchmarkLineInPlace(b *testing.B) {
	m := make([]byte, 16+len(stormRecord))
	copy(m[16:], stormRecord)
	b.ReportAllocs()
	for b.Loop() {
		if line := lineInPlace(m, 1326); len(line) != len("type=1326 ")+len(stormRecord) {
			b.Fatalf("line %q", line)
		}
	}
}
