//go:build linux && cgo

package sandbox_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/source"
)

// TestHelperCallsUnderFilter: from the load of the filter to the exec, the
// helper makes one call under the filter, execve, whatever its other Go
// threads do meanwhile (they are not filtered). A profile made from the
// records therefore needs nothing else of the helper. Twenty runs, each
// read in full over netlink.
func TestHelperCallsUnderFilter(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	self, err := filepath.EvalSymlinks("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.OpenNetlink(source.NetlinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pids := map[int32]bool{}
	for range 20 {
		c := &sandbox.Cmd{Profile: audittest.LogAll, Args: []string{"true"}}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		pids[int32(c.Process.Pid)] = true
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	// The helpers' records, until every run's true has been seen exiting.
	helperCalls := map[int64]int{}
	exited := map[int32]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rec audit.Record
	for len(exited) < len(pids) {
		line, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("records of %d of %d runs: %v", len(exited), len(pids), err)
		}
		if k, err := audit.Parse(line, &rec); err != nil || k != audit.KindSeccomp || !pids[rec.PID] {
			continue
		}
		if string(rec.Exe) == self {
			helperCalls[rec.Syscall]++
		}
		if rec.Syscall == 231 { // exit_group of true
			exited[rec.PID] = true
		}
	}
	if len(helperCalls) != 1 || helperCalls[59] != len(pids) {
		t.Errorf("the helper's calls under the filter (number: records) = %v, want only execve (59) once per run", helperCalls)
	}
}
