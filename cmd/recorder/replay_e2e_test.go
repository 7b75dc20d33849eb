//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// e2eScript is the workload: several programs, files made and removed.
const e2eScript = `ls /etc >/dev/null && cat /etc/hostname >/dev/null && mkdir "$1/d" && touch "$1/d/f" && rm -r "$1/d" && echo done`

// TestReplayProfileRunsWorkload is the tutorial's recipe on this kernel: run
// a workload under the tutorial's SCMP_ACT_LOG profile (audit.json) with no
// audit daemon, so that its records go to the kernel log; capture that log
// from /dev/kmsg; replay the capture into a profile; run the same workload
// under the profile, default action ERRNO. It must do its work as before;
// without one call it used (mkdir), it must fail.
func TestReplayProfileRunsWorkload(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t) // records must go to the kernel log
	audittest.NoPrintkLimit(t)
	dir := t.TempDir()

	capture := startKmsgCapture(t)
	out := runWorkload(t, auditJSON(t), dir)
	if out != "done\n" {
		t.Fatalf("workload under the LOG profile printed %q", out)
	}
	captured := filepath.Join(dir, "kmsg.log")
	if n := capture.save(t, captured); n < 20 {
		t.Fatalf("captured %d seccomp records from /dev/kmsg, want the workload's (20 or more)", n)
	}

	profile := filepath.Join(dir, "profile.json")
	if _, summary, err := replay(t, nil, "-o", profile, captured); err != nil {
		t.Fatalf("replay: %v\n%s", err, summary)
	}
	if out := runWorkload(t, profile, dir); out != "done\n" {
		t.Fatalf("workload under the replayed profile printed %q", out)
	}

	// The control: the same profile without mkdir must stop the workload.
	data, _ := os.ReadFile(profile)
	p, err := profilegen.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	names := p.Syscalls[0].Names
	without := names[:0:0]
	for _, n := range names {
		if n != "mkdir" && n != "mkdirat" {
			without = append(without, n)
		}
	}
	if len(without) == len(names) {
		t.Fatalf("the profile lacks mkdir/mkdirat though the workload made a directory: %v", names)
	}
	p.Syscalls[0].Names = without
	data, _ = profilegen.Marshal(p)
	denied := filepath.Join(dir, "no-mkdir.json")
	os.WriteFile(denied, data, 0o644)
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"run", "--profile", denied, "--report=false", "--", "sh", "-c", e2eScript, "sh", dir}, nil, &stdout, &stderr)
	var es runner.ExitError
	if !errors.As(err, &es) || stdout.String() != "" {
		t.Errorf("workload without mkdir: err %v, output %q; want a failure", err, stdout.String())
	}
}

func auditJSON(t *testing.T) string {
	p := "../../testdata/tutorial/profiles/audit.json"
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the tutorial's audit.json: %v", err)
	}
	return p
}

// runWorkload runs e2eScript under profile with 'recorder run' and returns
// its output.
func runWorkload(t *testing.T, profile, dir string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"run", "--profile", profile, "--report=false", "--", "sh", "-c", e2eScript, "sh", dir}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run under %s: %v\n%s", profile, err, stderr.String())
	}
	return stdout.String()
}

// kmsgCapture copies the kernel log's new lines, as /dev/kmsg gives them,
// while the workload runs.
type kmsgCapture struct {
	cancel context.CancelFunc
	done   chan struct{}
	marked chan struct{} // closed at the marker's first line
	log    bytes.Buffer  // the lines before the marker's
	stats  source.Stats
	err    error
}

// marker is a program the workload never runs: the kernel log keeps the
// order in which records were made, so once a record of the marker, run
// after the workload has exited, comes in, every record of the workload has.
const marker = "/usr/bin/sleep"

func startKmsgCapture(t *testing.T) *kmsgCapture {
	t.Helper()
	src, err := source.OpenKmsg(source.KmsgPath, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &kmsgCapture{cancel: cancel, done: make(chan struct{}), marked: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer src.Close()
		for {
			line, err := src.Next(ctx)
			if err != nil {
				c.err, c.stats = err, src.Stats()
				return
			}
			if bytes.Contains(line, []byte(`exe="`+marker+`"`)) {
				close(c.marked)
				<-ctx.Done()
				c.err, c.stats = ctx.Err(), src.Stats()
				return
			}
			c.log.Write(line)
			c.log.WriteByte('\n')
		}
	}()
	t.Cleanup(c.stop)
	return c
}

func (c *kmsgCapture) stop() {
	c.cancel()
	<-c.done
}

// save runs the marker, stops the capture at the marker's first record,
// writes what came before it to path and returns how many seccomp records
// that holds.
func (c *kmsgCapture) save(t *testing.T, path string) int {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"run", "--profile", auditJSON(t), "--report=false", "--", marker, "0"}, nil, &out, &out)
	if err != nil {
		t.Fatalf("marker: %v: %s", err, out.String())
	}
	select {
	case <-c.marked:
	case <-time.After(10 * time.Second):
		t.Fatal("no record of the marker in /dev/kmsg after 10 s")
	}
	c.stop()
	if !errors.Is(c.err, context.Canceled) {
		t.Fatalf("read /dev/kmsg: %v", c.err)
	}
	if c.stats.Overwritten != 0 {
		t.Fatalf("/dev/kmsg lines were overwritten before they were read (%d times): the capture is incomplete", c.stats.Overwritten)
	}
	if err := os.WriteFile(path, c.log.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	text := c.log.String()
	t.Logf("captured %d lines:\n%s", strings.Count(text, "\n"), firstLines(text, 3))
	return strings.Count(text, "type=1326 ")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
