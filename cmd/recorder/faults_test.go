//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/profilegen"
)

// The fault tests of issue 11: what watch does when it is killed in the
// middle of a flush, when the disk fills, when its output dir is removed,
// when its log rotates under a storm of records, and when auditd comes and
// goes.

// watchProc is the recorder's main run as a process (see init in
// watch_test.go), for the tests that kill it.
type watchProc struct {
	cmd *exec.Cmd
	out *audittest.Buffer
}

func startWatchProc(t *testing.T, args ...string) *watchProc {
	t.Helper()
	p := &watchProc{cmd: exec.Command(os.Args[0]), out: &audittest.Buffer{}}
	p.cmd.Env = append(os.Environ(), watchMainEnv+"=1", "RECORDER_TEST_ARGS="+strings.Join(append([]string{"watch"}, args...), " "))
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// waitFor polls cond until it holds, failing the test after timeout.
func (p *watchProc) waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s:\n%s", what, p.out.String())
		}
	}
}

// kill sends SIGKILL and waits for the end.
func (p *watchProc) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// tempFiles returns the temporary files of a flush in dir.
func tempFiles(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, ".*.recorder-tmp-*"))
	return names
}

// wholeProfiles reads every profile in dir, failing the test on one that
// is not whole, and returns the names each allows, by file.
func wholeProfiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	out := map[string][]string{}
	for _, f := range files {
		p, err := profilegen.ReadFile(f)
		if err != nil {
			t.Fatalf("a profile on disk is not whole: %v", err)
		}
		out[filepath.Base(f)] = allowedNames(p)
	}
	return out
}

// manyPrograms returns record lines of n programs (a real ls record with
// exe= and syscall= changed: hand-made, n programs are more than a capture
// holds), each making one or two of a few calls; a call per program and
// part lets a test tell which part reached a profile.
func manyPrograms(t *testing.T, n int, calls ...int) []string {
	ls := lsRecords(t)
	var lines []string
	for i := range n {
		for _, nr := range calls {
			lines = append(lines, variant(t, ls[i%len(ls)], fmt.Sprintf("/opt/app/prog%04d", i), nr))
		}
	}
	return lines
}

// TestWatchKillMidFlush kills watch with SIGKILL while a flush of 2,000
// profiles is under way (its temporary files are in the dir), twice: every
// profile on disk is whole, the previous one or the new one; the next start
// removes the temporary files and merges the profiles on disk, so that the
// profile of each program keeps every call that reached the disk.
func TestWatchKillMidFlush(t *testing.T) {
	const programs = 2000
	dir, logDir := t.TempDir(), t.TempDir()
	path := filepath.Join(logDir, "syslog")
	f := watchOpenLog(t, path)
	args := []string{"--source", "syslog:" + path, "-d", dir, "--flush-interval", "10ms", "--base", "none", "--max-groups", "5000"}
	// allHave waits until every program's profile allows all of names.
	allHave := func(p *watchProc, names ...string) {
		t.Helper()
		p.waitFor(t, fmt.Sprintf("%d profiles allowing %q", programs, names), 60*time.Second, func() bool {
			got := wholeProfiles(t, dir)
			for _, n := range got {
				if !isSubset(names, n) {
					return false
				}
			}
			return len(got) == programs
		})
	}
	// killMidFlush appends the calls and kills watch once the flush that
	// writes them has its temporary files in the dir; the profiles on disk
	// must be whole and still allow kept.
	killMidFlush := func(p *watchProc, nr int, kept ...string) {
		t.Helper()
		watchAppend(t, f, addNewlines(manyPrograms(t, programs, nr)))
		p.waitFor(t, "a flush under way", 60*time.Second, func() bool { return len(tempFiles(dir)) > 0 })
		p.kill(t)
		t.Logf("killed with %d temporary files in the dir", len(tempFiles(dir)))
		for file, got := range wholeProfiles(t, dir) {
			if !isSubset(kept, got) {
				t.Fatalf("%s lost calls at the kill: %q, want %q in it", file, got, kept)
			}
		}
	}
	start := func() *watchProc {
		p := startWatchProc(t, args...)
		p.waitFor(t, "the follower", 20*time.Second, func() bool { return strings.Contains(p.out.String(), "following file") })
		return p
	}

	p := start()
	watchAppend(t, f, addNewlines(manyPrograms(t, programs, 0, 1))) // read, write
	allHave(p, "read", "write")
	killMidFlush(p, 3, "read", "write") // close

	p = start()
	watchAppend(t, f, addNewlines(manyPrograms(t, programs, 9))) // mmap
	allHave(p, "read", "write", "mmap")                          // merged with what was on disk
	killMidFlush(p, 12, "read", "write", "mmap")                 // brk

	p = start()
	watchAppend(t, f, addNewlines(manyPrograms(t, programs, 5))) // fstat
	allHave(p, "read", "write", "mmap", "fstat")
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("watch: %v\n%s", err, p.out.String())
	}
	if left := tempFiles(dir); len(left) != 0 {
		t.Errorf("temporary files left after a restart and a clean stop: %d", len(left))
	}
	if !strings.Contains(p.out.String(), "removed the temporary files a killed watch left") {
		t.Errorf("the restart did not say it removed temporary files:\n%.2000s", p.out.String())
	}
}

func addNewlines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l + "\n"
	}
	return out
}

func isSubset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

// setAuditState sets auditing on or off and the backlog limit (the test's
// audittest.Keep puts them back).
func setAuditState(t *testing.T, enabled bool, backlog uint32) {
	t.Helper()
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetEnabled(enabled, libaudit.WaitForReply); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBacklogLimit(backlog, libaudit.WaitForReply); err != nil {
		t.Fatal(err)
	}
}

// TestWatchKillRestoresAuditState kills watch with SIGKILL while it is the
// registered audit daemon: the kernel is left with auditing on, a raised
// backlog limit and a dead daemon pid, which a killed process cannot put
// back. The next start finds the state file the first one wrote, puts the
// state back, registers in the dead daemon's place, and merges the
// profiles on disk; when it stops, the state is as before the first start.
func TestWatchKillRestoresAuditState(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t) // and Keep: the state is put back after the test whatever happens
	setAuditState(t, false, 64)
	want := audittest.Status(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "audit-state.json")
	args := []string{"--source", "netlink", "-d", dir, "--flush-interval", "50ms", "--base", "none", "--backlog-limit", "9000", "--audit-state-file", state}
	p := startWatchProc(t, args...)
	pid := uint32(p.cmd.Process.Pid)
	p.waitFor(t, "registration", 10*time.Second, func() bool { return audittest.Status(t).PID == pid })
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("no state file while registered: %v", err)
	}
	audittest.RunLogged(t, nil, "uname")
	p.waitFor(t, "the workload's profile", 10*time.Second, func() bool { return watchHasAll(watchAllowed(t, dir), watchWorkload...) })
	p.kill(t)
	if st := audittest.Status(t); st.Enabled != 1 || st.BacklogLimit != 9000 {
		t.Fatalf("after the kill: enabled %d backlog_limit %d; the test needs the state left changed", st.Enabled, st.BacklogLimit)
	}

	w := startWatch(t, args...)
	w.waitFor(t, "registration in the dead daemon's place", 10*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
	if !strings.Contains(w.log.String(), "put back the audit state a killed recorder left") {
		t.Errorf("the second start did not say it put the state back:\n%s", w.log.String())
	}
	audittest.RunLogged(t, nil, "hostname")
	w.waitFor(t, "the second workload's profile", 10*time.Second, func() bool {
		return watchHasAll(watchAllowed(t, dir), "uname", "sethostname") || watchHasAll(watchAllowed(t, dir), "uname", "exit_group")
	})
	w.stop(t)
	audittest.CheckSame(t, "after the second watch stopped", want, audittest.Status(t))
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state file left after a clean stop: %v", err)
	}
}
