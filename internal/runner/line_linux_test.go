package runner

import (
	"context"
	"testing"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/source"
)

// stormLine is a record of make bench's storm as the netlink source
// returns it, read on the test machine (watch --tee during the storm).
const stormLine = `type=1326 audit(1796421580.947:72535375): auid=0 uid=0 gid=0 ses=412 pid=23684 comm="storm" exe="/work/wt/perf/bin/storm" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7ff01a497829 code=0x7ffc0000`

// stormBatches hands out one line in batches of stormBatch, as the netlink
// source does in a storm: Next the first of a batch, Buffered the others.
type stormBatches struct {
	line []byte
	left int
}

const stormBatch = 256

func (s *stormBatches) Next(context.Context) ([]byte, error) {
	s.left = stormBatch - 1
	return s.line, nil
}

func (s *stormBatches) Buffered() ([]byte, bool) {
	if s.left == 0 {
		return nil, false
	}
	s.left--
	return s.line, true
}

func (s *stormBatches) Close() error { return nil }

// stormCollector is record's collector once the storm's session and names
// are known, as it is for every record of the storm but its first.
func stormCollector() *collector {
	c := newCollector(pipeline.Config{}, "/usr/bin/recorder")
	c.ses, c.known, c.pid, c.named = 412, true, 23684, true
	c.comm, c.exe = []byte("storm"), []byte("/work/wt/perf/bin/storm")
	return c
}

// BenchmarkCollectorBatch is record's work per record once the source
// handed it a batch: the lock, once a batch, and each line down the
// collector's pipeline (its attribution, its Select, grouping by exe).
// An op is a batch of 256 records; ns/record is the figure to read.
// Target: 0 allocations.
func BenchmarkCollectorBatch(b *testing.B) {
	c := stormCollector()
	src := &stormBatches{line: []byte(stormLine)}
	b.ReportAllocs()
	for b.Loop() {
		line, _ := src.Next(context.Background())
		c.mu.Lock()
		source.Batch(src, line, c.line)
		c.mu.Unlock()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*stormBatch), "ns/record")
	if c.p.Counts.Kept != uint64(b.N*stormBatch) {
		b.Fatalf("kept %d, want %d", c.p.Counts.Kept, b.N*stormBatch)
	}
}

// TestCollectorBatchAllocs: a batch of storm records through record's
// collector allocates nothing, and every record of it is kept.
func TestCollectorBatchAllocs(t *testing.T) {
	c := stormCollector()
	src := &stormBatches{line: []byte(stormLine)}
	batch := func() {
		line, _ := src.Next(context.Background())
		c.mu.Lock()
		source.Batch(src, line, c.line)
		c.mu.Unlock()
	}
	batch()
	if n := testing.AllocsPerRun(100, batch); n != 0 {
		t.Errorf("%v allocations per batch of %d records, want 0", n, stormBatch)
	}
	if want := uint64(102 * stormBatch); c.p.Counts.Kept != want {
		t.Errorf("kept %d, want %d", c.p.Counts.Kept, want)
	}
}
