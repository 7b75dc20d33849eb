//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/profiletest"
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
		out[filepath.Base(f)] = profiletest.Allowed(p)
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
	p.waitFor(t, "the workload's profile", 10*time.Second, func() bool { return watchHasAll(profiletest.AllowedInDir(t, dir), watchWorkload...) })
	p.kill(t)
	if st := audittest.Status(t); st.Enabled != 1 || st.BacklogLimit != 9000 {
		t.Fatalf("after the kill: enabled %d backlog_limit %d; the test needs the state left changed", st.Enabled, st.BacklogLimit)
	}

	w := startWatch(t, args...)
	w.waitFor(t, "registration in the dead daemon's place", 10*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
	if !strings.Contains(w.log.String(), "put back the audit state a killed recorder left") {
		t.Errorf("the second start did not say it put the state back:\n%s", w.log.String())
	}
	// Only the second watch can write hostname's own profile: the first
	// saw uname alone, and every profile allows exit_group.
	hostname, err := exec.LookPath("hostname")
	if err == nil {
		hostname, err = filepath.EvalSymlinks(hostname) // exe= is the real path
	}
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, profilegen.FileName(hostname)+".json")
	audittest.RunLogged(t, nil, "hostname")
	w.waitFor(t, "the second workload's profile "+filepath.Base(second), 10*time.Second, func() bool {
		_, err := os.Stat(second)
		return err == nil
	})
	w.stop(t)
	if got := profiletest.AllowedInDir(t, dir); !watchHasAll(got, watchWorkload...) {
		t.Errorf("the first workload's calls are gone from the profiles: %q", got)
	}
	audittest.CheckSame(t, "after the second watch stopped", want, audittest.Status(t))
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state file left after a clean stop: %v", err)
	}
}

// TestWatchDiskFull fills the file system of the output dir (a 1 MiB tmpfs)
// while watch runs: the flushes fail and say so, the profiles on disk stay
// whole as they were, no temporary file is left, the records stay in
// memory, and once there is room again the next flush writes them all.
func TestWatchDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts a tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0755"); err != nil {
		t.Fatalf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	dir, path := filepath.Join(mnt, "profiles"), filepath.Join(t.TempDir(), "syslog")
	f := watchOpenLog(t, path)
	w := startWatch(t, "--source", "syslog:"+path, "-d", dir, "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	watchAppend(t, f, addNewlines(manyPrograms(t, 50, 0, 1))) // read, write
	w.waitFor(t, "the first profiles", 10*time.Second, func() bool {
		got := wholeProfiles(t, dir)
		return len(got) == 50 && isSubset([]string{"read", "write"}, got[profilegen.FileName("/opt/app/prog0049")+".json"])
	})
	before := wholeProfiles(t, dir)

	filler := filepath.Join(mnt, "filler")
	fill, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := make([]byte, 64<<10); ; {
		if _, err := fill.Write(chunk); err != nil {
			if !strings.Contains(err.Error(), "no space left") {
				t.Fatal(err)
			}
			break
		}
	}
	fill.Close()
	watchAppend(t, f, addNewlines(manyPrograms(t, 50, 3))) // close
	w.waitFor(t, "a failed flush", 10*time.Second, func() bool { return strings.Contains(w.log.String(), "no space left on device") })
	time.Sleep(200 * time.Millisecond) // some more failed flushes
	if now := wholeProfiles(t, dir); len(now) != len(before) {
		t.Errorf("%d profiles after the disk filled, were %d", len(now), len(before))
	} else {
		for file, names := range now {
			if !slices.Equal(names, before[file]) {
				t.Errorf("%s changed while the disk was full: %q, was %q", file, names, before[file])
			}
		}
	}
	if left := tempFiles(dir); len(left) != 0 {
		t.Errorf("temporary files left by the failed flushes: %q", left)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "the profiles once there is room", 10*time.Second, func() bool {
		got := wholeProfiles(t, dir)
		return len(got) == 50 && isSubset([]string{"read", "write", "close"}, got[profilegen.FileName("/opt/app/prog0049")+".json"])
	})
	w.stop(t)
}

// TestWatchOutputDirRemoved removes the output dir while watch runs: the
// next flush makes it again and writes every profile, whole.
func TestWatchOutputDirRemoved(t *testing.T) {
	lines := profiletest.Lines(t, syslogFixture)
	half := len(lines) / 2
	dir, path := filepath.Join(t.TempDir(), "profiles"), filepath.Join(t.TempDir(), "syslog")
	f := watchOpenLog(t, path)
	w := startWatch(t, "--source", "syslog:"+path, "-d", dir, "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	watchAppend(t, f, lines[:half])
	first := profiletest.Replayed(t, lines[:half])
	w.waitFor(t, "the first half's profiles", 10*time.Second, func() bool { return slices.Equal(profiletest.AllowedInDir(t, dir), first) })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	watchAppend(t, f, lines[half:])
	all := profiletest.Replayed(t, lines)
	w.waitFor(t, "every profile in the dir made again", 10*time.Second, func() bool { return slices.Equal(profiletest.AllowedInDir(t, dir), all) })
	w.stop(t)
}

// TestWatchRotationStorm writes record lines at 100,000 a second for two
// seconds into a followed syslog file, and rotates it twice meanwhile: by
// rename (the writer goes on in the old file for 100 ms, then opens the new
// one, as rsyslog does until its HUP) and by copytruncate. Every record
// written is kept, none twice. A copytruncate loses, for any reader, what
// no reader has read when the file is cut: the rotator here cuts once the
// watch has read what was written (as logrotate cannot know), and the
// storm goes on right after.
func TestWatchRotationStorm(t *testing.T) {
	const rate, seconds = 100_000, 2
	dir, logDir := t.TempDir(), t.TempDir()
	path := filepath.Join(logDir, "syslog")
	out := watchOpenLog(t, path)
	addr := freeAddr(t)
	w := startWatch(t, "--source", "syslog:"+path, "-d", dir, "--flush-interval", "200ms", "-g", "none", "--base", "none", "--metrics-addr", addr)
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	kept := func() string {
		body := watchMetrics(addr)
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "recorder_records_total{") {
				return l[strings.LastIndexByte(l, ' ')+1:]
			}
		}
		return "0"
	}
	// Each line has a serial of its own, as the kernel's do: the follower
	// tells a file cut and grown again past where it was by the line it
	// read last (with lines all alike, only by the file's size).
	line := lsRecords(t)[0] + "\n"
	i := strings.Index(line, "audit(")
	j := i + strings.IndexByte(line[i:], ':') + 1
	k := i + strings.IndexByte(line[i:], ')')
	head, tail := line[:j], line[k:]
	serial := 0
	batch := func() string { // the lines of 10 ms
		var b strings.Builder
		for range rate / 100 {
			serial++
			b.WriteString(head)
			b.WriteString(strconv.Itoa(serial))
			b.WriteString(tail)
		}
		return b.String()
	}
	written := 0
	start := time.Now()
	renamed, truncated := false, false
	var old *os.File
	var renamedAt time.Time
	for tick := 0; tick < seconds*100; tick++ {
		if d := time.Until(start.Add(time.Duration(tick) * 10 * time.Millisecond)); d > 0 {
			time.Sleep(d)
		}
		el := time.Since(start)
		switch {
		case !renamed && el > 600*time.Millisecond:
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			renamed, renamedAt, old = true, time.Now(), out
		case old != nil && time.Since(renamedAt) > 100*time.Millisecond:
			out, old = watchOpenLog(t, path), nil // the writer reopens
		case !truncated && old == nil && renamed && el > 1300*time.Millisecond:
			want := fmt.Sprint(written)
			w.waitFor(t, "the watch to catch up before the copytruncate", 30*time.Second, func() bool { return kept() == want })
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path+".2", data, 0o644)
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			truncated = true
		}
		to := out
		if old != nil {
			to = old
		}
		if _, err := to.WriteString(batch()); err != nil {
			t.Fatal(err)
		}
		written += rate / 100
	}
	t.Logf("wrote %d records in %v", written, time.Since(start).Round(time.Millisecond))
	want := fmt.Sprint(written)
	w.waitFor(t, want+" records kept", 60*time.Second, func() bool { return kept() == want })
	t.Logf("all kept %v after the start", time.Since(start).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond) // no record twice: nothing more comes
	if got := kept(); got != want {
		t.Errorf("%s records kept, want %s", got, want)
	}
	w.stop(t)
	if !strings.Contains(w.log.String(), "rotated or removed") || !strings.Contains(w.log.String(), "rotations=2") {
		t.Errorf("the log does not tell both rotations:\n%s", w.log.String())
	}
}

// TestWatchAuditdStartStop runs watch's netlink source next to auditd, then
// stops auditd and starts it again, a workload each time: watch reads the
// multicast group throughout, keeps every workload's records, and never
// takes auditd's place (auditd can start again).
func TestWatchAuditdStartStop(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	first := audittest.StartAuditd(t)
	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the multicast reader", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "multicast") })
	has := func(prog string) func() bool {
		return func() bool { files, _ := filepath.Glob(filepath.Join(dir, prog+"@*.json")); return len(files) == 1 }
	}
	audittest.RunLogged(t, nil, "uname")
	w.waitFor(t, "uname's profile, auditd running", 10*time.Second, has("uname"))
	first.Stop(t)
	audittest.RunLogged(t, nil, "nproc")
	w.waitFor(t, "nproc's profile, no auditd", 10*time.Second, has("nproc"))
	if st := audittest.Status(t); st.PID != 0 {
		t.Errorf("audit pid %d after auditd stopped: watch took its place", st.PID)
	}
	second := audittest.StartAuditd(t)
	audittest.RunLogged(t, nil, "id")
	w.waitFor(t, "id's profile, auditd running again", 10*time.Second, has("id"))
	w.stop(t)
	second.Stop(t)
	if !strings.Contains(w.log.String(), "kernel_lost=0") {
		t.Errorf("the kernel lost records:\n%s", w.log.String())
	}
}
