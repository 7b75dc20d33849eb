//go:build linux

package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/audittest"
)

// fakeSource hands out lines, then err; when err is nil it calls end (if
// set) and waits for ctx to end. It counts Close calls.
type fakeSource struct {
	lines  []string
	pos    int
	err    error
	end    func()
	drain  time.Duration // how long Next still takes once ctx is done, as netlink's
	stats  audit.Stats
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

func (s *fakeSource) Close() error       { s.closed.Add(1); return nil }
func (s *fakeSource) Stats() audit.Stats { return s.stats }

// testDaemon is a daemon made from watch's flags, logging into log.
func testDaemon(t *testing.T, log *audittest.Buffer, args ...string) *daemon {
	t.Helper()
	cfg, err := parseWatchFlags(append([]string{"-d", t.TempDir(), "--base", "none"}, args...), nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := newDaemon(cfg, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWatchTeeWhileFlushing reads many record lines while the flush interval
// is shorter than the time between them: --tee holds every line once, in
// order (the flushes and the reader share its buffer).
func TestWatchTeeWhileFlushing(t *testing.T) {
	fixture := watchFixture(t)
	var lines []string
	for len(lines) < 50000 {
		for _, l := range fixture {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	tee := filepath.Join(t.TempDir(), "tee.log")
	var log audittest.Buffer
	d := testDaemon(t, &log, "--tee", tee, "--flush-interval", "1ms")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &fakeSource{lines: lines, end: cancel}
	d.run(ctx, opened{src, "fake"})
	got, err := os.ReadFile(tee)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(auditLines(lines), "\n") + "\n"; string(got) != want {
		t.Errorf("--tee holds %d bytes, want the %d bytes read", len(got), len(want))
	}
}

// TestWatchTeeFull tees into /dev/full: the copy stops with one error,
// and the profiles are still written, their flushes counted as good.
func TestWatchTeeFull(t *testing.T) {
	var lines []string
	for range 10 { // past the tee's 64 KiB buffer: writes reach the file
		for _, l := range watchFixture(t) {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	var log audittest.Buffer
	d := testDaemon(t, &log, "--tee", "/dev/full", "--flush-interval", "1h")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.run(ctx, opened{&fakeSource{lines: lines, end: cancel}, "fake"})
	if got, want := watchAllowed(t, d.cfg.outputDir), watchReplayed(t, lines); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("profile allows %v, want %v", got, want)
	}
	if n := strings.Count(log.String(), "--tee"); n != 1 || d.counts.flushErr != 0 {
		t.Errorf("%d --tee errors logged, %d failed flushes; want 1 and 0:\n%s", n, d.counts.flushErr, log.String())
	}
}

// TestWatchStatsAcrossReopen: a source that failed is opened again; the
// losses the first one counted stay in the totals the summary and the
// metrics give, counted up to its close, and the source's name follows.
func TestWatchStatsAcrossReopen(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &fakeSource{lines: []string{"one"}, err: errors.New("gone"), stats: audit.Stats{KernelLost: 5, Reopened: 1}}
	second := &fakeSource{lines: []string{"two"}, end: cancel, stats: audit.Stats{KernelLost: 2, NoBufs: 3}}
	d.open = func() (opened, error) { return opened{second, "kmsg"}, nil }
	d.run(ctx, opened{first, "netlink"})
	want := audit.Stats{KernelLost: 7, NoBufs: 3, Reopened: 1}
	if d.counts.src != want || d.counts.source != "kmsg" {
		t.Errorf("stats %+v of source %q, want %+v of kmsg", d.counts.src, d.counts.source, want)
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
	d := testDaemon(t, &log)
	src := &fakeSource{panics: true}
	defer func() {
		if r := recover(); r == nil || src.closed.Load() != 1 {
			t.Errorf("recovered %v, source closed %d times; want the panic and one close", r, src.closed.Load())
		}
	}()
	d.read(context.Background(), opened{src, "netlink"})
}

// TestWatchFlushPanicClosesSource: a panic in a flush stops the reader,
// which closes the source, before it goes on.
func TestWatchFlushPanicClosesSource(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, "--flush-interval", "1ms")
	d.set, d.dirty = nil, true // the next flush panics
	src := &fakeSource{drain: 100 * time.Millisecond}
	defer func() {
		if r := recover(); r == nil || src.closed.Load() != 1 {
			t.Errorf("recovered %v, source closed %d times; want the panic and one close", r, src.closed.Load())
		}
	}()
	d.run(context.Background(), opened{src, "netlink"})
}

// TestWatchCountAllocs: counting a record whose group and call are known
// allocates nothing, whatever the daemon runs for.
func TestWatchCountAllocs(t *testing.T) {
	var log audittest.Buffer
	d := testDaemon(t, &log, "--group-by", "exe")
	line := []byte(watchFixture(t)[2])
	var rec audit.Record
	kind, err := audit.Parse(line[:len(line)-1], &rec)
	if kind != audit.KindSeccomp || err != nil {
		t.Fatalf("fixture line 3 is not a record: %v %v", kind, err)
	}
	d.count(kind, nil, &rec)
	if n := testing.AllocsPerRun(1000, func() { d.count(kind, nil, &rec) }); n != 0 {
		t.Errorf("%v allocations per known record, want 0", n)
	}
}
