package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/sandbox"
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
