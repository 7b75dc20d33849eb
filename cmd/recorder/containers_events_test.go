//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/runctest"
)

// brief is a short-lived container: testdata/workloads/brief, which exits
// within milliseconds, in its own pod's cgroup.
type brief struct {
	id, uid string
	out     string // what it printed under audit.json
}

// runBriefs runs the containers, each in the foreground under its profile
// (profile(c)), at most par at a time, and returns their output and errors.
func runBriefs(t *testing.T, r *runctest.Runc, bin string, cs []*brief, par int, profile func(*brief) *specs.LinuxSeccomp) ([]string, []error) {
	t.Helper()
	cmds := make([][]string, len(cs))
	for i, c := range cs {
		b := runctest.NewBundle(t, map[string]string{"/brief": bin}, "/brief")
		b.Spec.Linux.CgroupsPath = runctest.PodCgroup(c.uid, c.id)
		b.Spec.Linux.Seccomp = profile(c)
		cmds[i] = r.Command(t, b, c.id)
	}
	outs, errs := make([]string, len(cs)), make([]error, len(cs))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range cs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, err := exec.Command(cmds[i][0], cmds[i][1:]...).CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	return outs, errs
}

func newBriefs(n int) []*brief {
	cs := make([]*brief, n)
	for i := range cs {
		cs[i] = &brief{id: runctest.NewID(), uid: runctest.NewUID()}
	}
	return cs
}

// briefCalls are calls every brief container's profile holds: fstatfs from
// runc's init after it loaded the filter, execve of the entrypoint and of
// its child, getdents64 of the entrypoint.
var briefCalls = []string{"fstatfs", "execve", "getdents64"}

// TestContainersShortLived: 50 containers that exit within milliseconds,
// 20 in a row and 30 ten at a time, under the tutorial's audit.json while
// watch --group-by container records. Every record is attributed (none in
// unattributed), each container has its profile, each then runs under its
// own profile with the same output, and replay --pid-map of watch's tee
// writes the same profiles (issue 15).
func TestContainersShortLived(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	bin := runctest.Static(t, "./testdata/workloads/brief", nil)
	dir := t.TempDir()
	pidMap, tee := filepath.Join(dir, "pids.map"), filepath.Join(dir, "tee.log")
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", "none",
		"--process-events", "on", "--flush-interval", "100ms", "--pid-map", pidMap, "--tee", tee)
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })

	audit := tutorialAudit(t)
	all := newBriefs(50)
	for _, wave := range []struct{ from, to, par int }{{0, 20, 1}, {20, 50, 10}} {
		cs := all[wave.from:wave.to]
		outs, errs := runBriefs(t, r, bin, cs, wave.par, func(*brief) *specs.LinuxSeccomp { return audit })
		for i, c := range cs {
			if errs[i] != nil || !strings.HasSuffix(outs[i], "child\n") {
				t.Fatalf("container %s under audit.json: %v: %s", c.id[:12], errs[i], outs[i])
			}
			c.out = outs[i]
		}
	}
	w.waitFor(t, "every container's profile", 20*time.Second, func() bool {
		return !slices.ContainsFunc(all, func(c *brief) bool { return !fileHas(filepath.Join(dir, c.id+".json"), briefCalls...) })
	})
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	if !strings.Contains(w.log.String(), "unattributed=0 ") {
		t.Errorf("records went to unattributed:\n%s", w.log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "unattributed.json")); err == nil {
		data, _ := os.ReadFile(filepath.Join(dir, "unattributed.json"))
		t.Errorf("unattributed.json written:\n%s", data)
	}

	// Each runs under its own recorded profile, with the same output.
	again := newBriefs(len(all))
	outs, errs := runBriefs(t, r, bin, again, 10, func(c *brief) *specs.LinuxSeccomp {
		p, _ := readProfile(t, filepath.Join(dir, all[slices.Index(again, c)].id+".json"))
		return p
	})
	failed := 0
	for i, c := range all {
		if errs[i] != nil || outs[i] != c.out {
			failed++
			t.Errorf("container %s under its own profile: %v: %q, want %q", c.id[:12], errs[i], outs[i], c.out)
		}
	}
	t.Logf("%d of %d ran under their own profiles with the same output", len(all)-failed, len(all))

	// replay --pid-map writes what watch wrote.
	replayDir := t.TempDir()
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"replay", "--group-by", "container", "--pid-map", pidMap, "-d", replayDir, tee}, nil, &out, &errOut); err != nil {
		t.Fatalf("replay --pid-map: %v\n%s", err, errOut.String())
	}
	for _, c := range all {
		f := c.id + ".json"
		_, want := readProfile(t, filepath.Join(dir, f))
		_, got := readProfile(t, filepath.Join(replayDir, f))
		if !slices.Equal(got, want) {
			t.Errorf("replay --pid-map: %s allows %q, watch wrote %q", f, got, want)
		}
	}
	if t.Failed() {
		fmt.Fprintf(os.Stderr, "watch log:\n%s\n", w.log.String())
	}
}
