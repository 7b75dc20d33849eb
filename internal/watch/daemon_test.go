//go:build linux

package watch

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// fakeSource hands out lines, then err; when err is nil it calls end (if
// set) and waits for ctx to end. It counts Close calls.
type fakeSource struct {
	lines  []string
	pos    int
	err    error
	end    func()
	drain  time.Duration // how long Next still takes once ctx is done, as netlink's
	stats  source.Stats
	panics bool
	closed atomic.Int32
}

func (s *fakeSource) Next(ctx context.Context) ([]byte, error) {
	if s.panics {
		panic("fake source panic")
	}
	if s.pos < len(s.lines) {
		s.pos++
		return []byte(s.lines[s.pos-1]), nil
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.end != nil {
		s.end()
	}
	<-ctx.Done()
	time.Sleep(s.drain)
	return nil, ctx.Err()
}

func (s *fakeSource) Close() error        { s.closed.Add(1); return nil }
func (s *fakeSource) Stats() source.Stats { return s.stats }

// testDaemon is a daemon writing into a new directory, logging into log,
// with what change does to its configuration.
func testDaemon(t testing.TB, log *audittest.Buffer, change func(*Config)) *daemon {
	t.Helper()
	cfg := Config{
		Output:        &output.Writer{Output: profilegen.Output{Dir: t.TempDir()}},
		FlushInterval: 30 * time.Second,
		Resume:        true,
		Logger:        slog.New(slog.NewTextHandler(log, nil)),
	}
	if change != nil {
		change(&cfg)
	}
	d, err := newDaemon(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWatchTeeWhileFlushing reads many record lines while the flush interval
// is shorter than the time between them: --tee holds every line once, in
// order (the flushes and the reader share its buffer).
func TestWatchTeeWhileFlushing(t *testing.T) {
	fixture := profiletest.Lines(t, syslogFixture)
	var lines []string
	for len(lines) < 50000 {
		for _, l := range fixture {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	tee := filepath.Join(t.TempDir(), "tee.log")
	var log audittest.Buffer
	d := testDaemon(t, &log, func(c *Config) { c.Tee, c.FlushInterval = tee, time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &fakeSource{lines: lines, end: cancel}
	d.run(ctx, source.Opened{Source: src, Name: "fake"})
	got, err := os.ReadFile(tee)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(profiletest.AuditLines(lines), "\n") + "\n"; string(got) != want {
		t.Errorf("--tee holds %d bytes, want the %d bytes read", len(got), len(want))
	}
}

// TestWatchTeeFull tees into a file whose writes fail as on a full disk
// (it used to be /dev/full, which --tee now refuses: it opens no device):
// the copy stops with one error, and the profiles are still written, their
// flushes counted as good.
func TestWatchTeeFull(t *testing.T) {
	var lines []string
	for range 10 { // past the tee's 64 KiB buffer: writes reach the file
		for _, l := range profiletest.Lines(t, syslogFixture) {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	var log audittest.Buffer
	tee := filepath.Join(t.TempDir(), "tee.log")
	d := testDaemon(t, &log, func(c *Config) { c.Tee, c.FlushInterval = tee, time.Hour })
	d.tee.Reset(fullWriter{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.run(ctx, source.Opened{Source: &fakeSource{lines: lines, end: cancel}, Name: "fake"})
	if got, want := profiletest.AllowedInDir(t, d.cfg.Output.Dir), profiletest.Replayed(t, lines); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("profile allows %v, want %v", got, want)
	}
	if n := strings.Count(log.String(), "--tee"); n != 1 || d.status.flushErr != 0 {
		t.Errorf("%d --tee errors logged, %d failed flushes; want 1 and 0:\n%s", n, d.status.flushErr, log.String())
	}
}

// TestWatchStatsAcrossReopen: a source that failed is opened again; the
// losses the first one counted stay in the totals the summary and the
// metrics give, counted up to its close, and the source's name follows.
func TestWatchStatsAcrossReopen(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &fakeSource{lines: []string{"one"}, err: errors.New("gone"), stats: source.Stats{KernelLost: 5, Reopened: 1}}
	second := &fakeSource{lines: []string{"two"}, end: cancel, stats: source.Stats{KernelLost: 2, NoBufs: 3}}
	d.open = func() (source.Opened, error) { return source.Opened{Source: second, Name: "kmsg"}, nil }
	d.run(ctx, source.Opened{Source: first, Name: "netlink"})
	want := source.Stats{KernelLost: 7, NoBufs: 3, Reopened: 1}
	if d.p.Counts.Source != want || d.status.source != "kmsg" {
		t.Errorf("stats %+v of source %q, want %+v of kmsg", d.p.Counts.Source, d.status.source, want)
	}
	if first.closed.Load() != 1 || second.closed.Load() != 1 {
		t.Errorf("closed %d and %d times, want once each", first.closed.Load(), second.closed.Load())
	}
	if !strings.Contains(log.String(), "kernel_lost=7 enobufs=3") {
		t.Errorf("summary lacks the losses of both sources:\n%s", log.String())
	}
}

// TestWatchPanicClosesSource: a panic while reading closes the source (the
// netlink source then restores the audit state) before it goes on.
func TestWatchPanicClosesSource(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, nil)
	src := &fakeSource{panics: true}
	defer func() {
		if r := recover(); r == nil || src.closed.Load() != 1 {
			t.Errorf("recovered %v, source closed %d times; want the panic and one close", r, src.closed.Load())
		}
	}()
	d.read(context.Background(), source.Opened{Source: src, Name: "netlink"})
}

// TestWatchFlushPanicClosesSource: a panic in a flush stops the reader,
// which closes the source, before it goes on.
func TestWatchFlushPanicClosesSource(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, func(c *Config) { c.FlushInterval = time.Millisecond })
	d.p.Set, d.dirty = nil, true // the next flush panics
	src := &fakeSource{drain: 100 * time.Millisecond}
	defer func() {
		if r := recover(); r == nil || src.closed.Load() != 1 {
			t.Errorf("recovered %v, source closed %d times; want the panic and one close", r, src.closed.Load())
		}
	}()
	d.run(context.Background(), source.Opened{Source: src, Name: "netlink"})
}

// TestWatchLineAllocs: taking a record whose group and call are known
// allocates nothing, whatever the daemon runs for.
func TestWatchLineAllocs(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, func(c *Config) { c.Pipeline.GroupBy = pipeline.GroupExe })
	line := []byte(strings.TrimSuffix(profiletest.Lines(t, syslogFixture)[2], "\n"))
	var rec audit.Record
	if kind, err := audit.Parse(line, &rec); kind != audit.KindSeccomp || err != nil {
		t.Fatalf("fixture line 3 is not a record: %v %v", kind, err)
	}
	o := source.Opened{Source: &fakeSource{}, Name: "fake"}
	d.line(line, o)
	if n := testing.AllocsPerRun(1000, func() { d.line(line, o) }); n != 0 {
		t.Errorf("%v allocations per known record, want 0", n)
	}
	if d.p.Counts.Kept != 1001+1 {
		t.Errorf("kept %d records, want 1002", d.p.Counts.Kept)
	}
}

// countingSource counts the calls of Stats.
type countingSource struct {
	fakeSource
	calls int
}

func (s *countingSource) Stats() source.Stats { s.calls++; return s.stats }

// TestWatchSourceStatsWhenRead: the source's counts are read when they are
// shown (a scrape, the summary), not at every line: a scrape shows what the
// source counts now, though no line came since.
func TestWatchSourceStatsWhenRead(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, nil)
	src := &countingSource{fakeSource: fakeSource{stats: source.Stats{KernelLost: 1}}}
	o := source.Opened{Source: src, Name: "netlink"}
	d.opened(o, false)
	line := []byte(strings.TrimSuffix(profiletest.Lines(t, syslogFixture)[2], "\n"))
	for range 100 {
		d.line(line, o)
	}
	if src.calls != 0 {
		t.Errorf("the reader read the source's counts %d times in 100 lines, want 0", src.calls)
	}
	src.stats = source.Stats{KernelLost: 4, NoBufs: 2} // counted since the last line
	body, err := testutil.CollectAndFormat(metricsCollector{d}, textPlain, "recorder_kernel_lost_total", "recorder_enobufs_total")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`recorder_kernel_lost_total{source="netlink"} 4`, `recorder_enobufs_total{source="netlink"} 2`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s:\n%s", want, body)
		}
	}
	d.summary()
	if !strings.Contains(log.String(), "kernel_lost=4 enobufs=2") {
		t.Errorf("summary lacks the source's counts:\n%s", log.String())
	}
}

// fullWriter fails every write as a full disk does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }
