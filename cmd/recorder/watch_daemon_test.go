package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

// fakeSource hands out lines, then err; when err is nil it calls end (if
// set) and waits for ctx to end. It counts Close calls.
type fakeSource struct {
	lines  []string
	pos    int
	err    error
	end    func()
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
	return nil, ctx.Err()
}

func (s *fakeSource) Close() error       { s.closed.Add(1); return nil }
func (s *fakeSource) Stats() audit.Stats { return s.stats }

// testDaemon is a daemon made from watch's flags, logging into log.
func testDaemon(t *testing.T, log *watchBuffer, args ...string) *daemon {
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
	var log watchBuffer
	d := testDaemon(t, &log, "--tee", tee, "--flush-interval", "1ms")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &fakeSource{lines: lines, end: cancel}
	d.run(ctx, opened{src, "fake"})
	got, err := os.ReadFile(tee)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(lines, "\n") + "\n"; string(got) != want {
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
	var log watchBuffer
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
