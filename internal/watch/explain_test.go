//go:build linux

package watch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// TestWatchExplain: with Config.Output.Explain, every flush writes the
// explanation of the profiles it writes, what a pipeline of the same lines
// explains.
func TestWatchExplain(t *testing.T) {
	var lines []string
	for _, l := range profiletest.Lines(t, syslogFixture) {
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
	explain := filepath.Join(t.TempDir(), "explain.tsv")
	var log audittest.Buffer
	d := testDaemon(t, &log, func(c *Config) {
		c.Output.Explain, c.Pipeline.Explain, c.FlushInterval = explain, pipeline.NewExplain(), time.Hour
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.run(ctx, source.Opened{Source: &fakeSource{lines: lines, end: cancel}, Name: "fake"})
	got, err := os.ReadFile(explain)
	if err != nil {
		t.Fatalf("no explanation written: %v\n%s", err, log.String())
	}
	ex := pipeline.NewExplain()
	p := pipeline.New(pipeline.Config{Explain: ex})
	for _, l := range lines {
		p.Line([]byte(l), pipeline.Pos{Name: "fake"})
	}
	built, _ := profilegen.BuildAll(p.Set, profilegen.Options{})
	var want strings.Builder
	ex.WriteTo(&want, built, profilegen.Options{})
	if string(got) != want.String() || !strings.Contains(want.String(), "ls\tgetdents64\tSCMP_ARCH_X86_64\trecorded LOG\t2\t") {
		t.Errorf("explanation:\n%s\nwant:\n%s", got, want.String())
	}
}
