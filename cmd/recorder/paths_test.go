//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/attacker"
	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/internal/profiletest"
)

// The tests of issue 17 item 1 (a link in any directory above an output
// is followed) and issue 16's "never lose a recording", each run as root
// against a real unprivileged user made for the test; each failed on the
// code before the fix.

// rootFiles are the files of root's the attacks aim at, with their content.
var rootFiles = map[string]string{"all.json": "root's all.json\n", "audit.json": "root's audit.json\n", "capture.log": "root's capture.log\n"}

// attackBase makes a directory others can traverse, with target: a
// directory of root's holding rootFiles.
func attackBase(t *testing.T) (base, target string) {
	t.Helper()
	base = traversable(t)
	target = filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range rootFiles {
		if err := os.WriteFile(filepath.Join(target, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return base, target
}

// traversable returns a new temporary directory of root's that other
// users can look up names in (t.TempDir and its parent are 0700).
func traversable(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// untouched fails t when target holds anything but rootFiles, unchanged.
func untouched(t *testing.T, target string) {
	t.Helper()
	ents, err := os.ReadDir(target)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(rootFiles) {
		t.Errorf("%s holds %d entries, want root's %d: %v", target, len(ents), len(rootFiles), ents)
	}
	for name, want := range rootFiles {
		if got, _ := os.ReadFile(filepath.Join(target, name)); string(got) != want {
			t.Errorf("root's %s was written: %.60q", name, got)
		}
	}
}

// refusesOutputs runs replay -d OUT, replay -o OUT/audit.json, replay
// --explain, watch --tee OUT/capture.log, watch --pid-map, watch --explain
// and the toolkit's merge -o: each must exit 1 naming the link, and write
// nothing into target.
func refusesOutputs(t *testing.T, out, target string) {
	t.Helper()
	log := filepath.Join(logsDir, "tutorial.log")
	for _, args := range [][]string{
		{"replay", "-g", "none", "-d", out, log},
		{"replay", "-o", filepath.Join(out, "audit.json"), log},
		{"replay", "-o", "-", "--explain", filepath.Join(out, "all.json"), log},
		{"watch", "--source", "syslog:" + log, "-d", t.TempDir(), "--tee", filepath.Join(out, "capture.log")},
		{"watch", "--source", "syslog:" + log, "-d", t.TempDir(), "-g", "container", "--pid-map", filepath.Join(out, "capture.log")},
		{"watch", "--source", "syslog:" + log, "-d", t.TempDir(), "--explain", filepath.Join(out, "all.json")},
		{"merge", "-o", filepath.Join(out, "audit.json"), filepath.Join(tutorialProfiles, "violation.json"), filepath.Join(tutorialProfiles, "fine-grained.json")},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var stdout, stderr bytes.Buffer
		err := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
		cancel()
		if code := exitCode(err, &stderr); code != 1 || !strings.Contains(stderr.String(), "will not follow a link another user controls") {
			t.Errorf("%q: exit %d, %q; want 1 and the link refused", args, code, stderr.String())
		}
		untouched(t, target)
	}
}

// TestOutputParentLinkSwap is item 1's first reproducer: a user who owns
// a parent directory of root's out/ moves out/ away and puts there a link
// to another directory of root's. replay -d, -o and watch --tee used to
// exit 0 and replace or append to root's files there.
func TestOutputParentLinkSwap(t *testing.T) {
	u, parent, out, target := outInUserDir(t)
	u.Sh(t, parent, "mv out out.old && ln -s "+attacker.Quote(target)+" out")
	refusesOutputs(t, out, target)
}

// TestOutputStickyLink is item 1's second reproducer: a user plants a link
// to a directory of root's in a sticky world-writable directory, under the
// name root writes to. With fs.protected_symlinks=0 (as on this machine;
// the test sets it and puts it back) the kernel follows it; the recorder
// must not.
func TestOutputStickyLink(t *testing.T) {
	u := attacker.New(t)
	protectedSymlinks(t, "0")
	base, target := attackBase(t)
	sticky := stickyDir(t, base)
	u.Sh(t, sticky, "ln -s "+attacker.Quote(target)+" out")
	refusesOutputs(t, filepath.Join(sticky, "out"), target)
}

// userDir makes base/parent, u's: a directory above root's outputs that
// u can rename and replace entries of.
func userDir(t *testing.T, u *attacker.User, base string) string {
	t.Helper()
	parent := filepath.Join(base, "parent")
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	u.Own(t, parent)
	return parent
}

// outInUserDir makes root's out/ in a parent directory an attacker owns,
// and target, another directory of root's for the attacker's links.
func outInUserDir(t *testing.T) (u *attacker.User, parent, out, target string) {
	t.Helper()
	u = attacker.New(t)
	base, target := attackBase(t)
	parent = userDir(t, u, base)
	out = filepath.Join(parent, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return u, parent, out, target
}

// stickyDir makes base/sticky, root's, sticky and writable by all, as /tmp.
func stickyDir(t *testing.T, base string) string {
	t.Helper()
	sticky := filepath.Join(base, "sticky")
	if err := os.Mkdir(sticky, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return sticky
}

// protectedSymlinks sets fs.protected_symlinks for the test and puts the
// value it had back at the end.
func protectedSymlinks(t *testing.T, v string) {
	t.Helper()
	const path = "/proc/sys/fs/protected_symlinks"
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(old)) == v {
		return
	}
	if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(path, old, 0o644); err != nil {
			t.Errorf("put back fs.protected_symlinks: %v", err)
		}
	})
}

// TestWatchOutputDirSwap is item 1's third reproducer: while watch runs,
// the user who owns the parent of its -d swaps the directory for a link to
// another of root's. Watch used to open -d by its path at every flush and
// wrote there; it keeps the directory it opened at start.
func TestWatchOutputDirSwap(t *testing.T) {
	u, parent, out, target := outInUserDir(t)
	lines := profiletest.Lines(t, syslogFixture)
	path := filepath.Join(t.TempDir(), "syslog")
	f := watchOpenLog(t, path)
	w := startWatch(t, "--source", "syslog:"+path, "-d", out, "-g", "none", "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	half := len(lines) / 2
	watchAppend(t, f, lines[:half])
	first := profiletest.Replayed(t, lines[:half])
	w.waitFor(t, "the first half's profile", 10*time.Second, func() bool { return slices.Equal(profiletest.AllowedInDir(t, out), first) })

	u.Sh(t, parent, "mv out out.old && ln -s "+attacker.Quote(target)+" out")
	watchAppend(t, f, lines[half:])
	want := profiletest.Replayed(t, lines)
	old := filepath.Join(parent, "out.old")
	w.waitFor(t, "the whole capture's profile in the dir watch opened", 10*time.Second, func() bool {
		return slices.Equal(profiletest.AllowedInDir(t, old), want)
	})
	w.stop(t)
	untouched(t, target)
}

// recordAs runs the built recorder with args in dir, with the extra
// environment env, and returns its exit status and stderr.
func recordAs(t *testing.T, recorder, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, recorder, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	} else if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return 0, stderr.String()
}

// TestRecordInvokingUserDir is issue 16's "a recording thrown away": sudo
// recorder record -o app.json, typed in the user's own directory, ran the
// whole workload and then refused to write there. The directory of the
// user who invoked sudo (SUDO_UID) is taken, and a link the user plants as
// app.json is still replaced, not followed. Without SUDO_UID, the same
// directory (another user's) is refused before the workload starts.
func TestRecordInvokingUserDir(t *testing.T) {
	recorder, _ := e2e(t)
	u := attacker.New(t)
	base := traversable(t)
	work, secret := filepath.Join(base, "work"), filepath.Join(base, "secret")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	u.Own(t, work)
	if err := os.WriteFile(secret, []byte("root's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sudo := []string{fmt.Sprintf("SUDO_UID=%d", u.UID), fmt.Sprintf("SUDO_GID=%d", u.GID), "SUDO_USER=" + u.Name}
	app := filepath.Join(work, "app.json")
	for _, planted := range []bool{false, true} {
		if planted {
			u.Sh(t, work, "rm -f app.json && ln -s "+attacker.Quote(secret)+" app.json")
		}
		code, stderr := recordAs(t, recorder, work, sudo, "record", "-q", "-o", "app.json", "--", "/usr/bin/true")
		if code != 0 {
			t.Fatalf("record in the invoking user's dir (link planted: %v): exit %d\n%s", planted, code, stderr)
		}
		st, err := os.Lstat(app)
		if err != nil || !st.Mode().IsRegular() {
			t.Fatalf("app.json is %v (%v), want the profile", st.Mode(), err)
		}
		if names := profiletest.Allowed(profiletest.Read(t, app)); !slices.Contains(names, "execve") {
			t.Errorf("app.json allows %q, want true's calls", names)
		}
	}
	if got, _ := os.ReadFile(secret); string(got) != "root's\n" {
		t.Errorf("the planted link's target was written: %.60q", got)
	}

	mark := filepath.Join(base, "ran")
	code, stderr := recordAs(t, recorder, work, []string{"SUDO_UID="}, "record", "-q", "-o", "other.json", "--", "/usr/bin/touch", mark)
	if code != 1 || !strings.Contains(stderr, "belongs to uid") {
		t.Errorf("record in another user's dir: exit %d, %q; want 1 and why", code, stderr)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Errorf("the workload ran though its output was refused: the check must come before it")
	}
}

// TestRecordFallback is issue 16's "if a write still fails at the end":
// the workload removes record's output directory and puts a file in its
// place, so the profiles cannot be written there (they used to be lost:
// "create output dir: ... not a directory", exit 1); they go to a new directory in the user's home, mode
// 0700, files 0600, named in the error (exit 1), and given to the user who
// invoked sudo.
func TestRecordFallback(t *testing.T) {
	recorder, _ := e2e(t)
	u := attacker.New(t)
	for _, sudo := range []bool{false, true} {
		home := traversable(t)
		env := []string{"HOME=" + home, "SUDO_UID="}
		if sudo {
			u.Own(t, home)
			if out, err := exec.Command("usermod", "-d", home, u.Name).CombinedOutput(); err != nil {
				t.Fatalf("usermod: %v\n%s", err, out)
			}
			env = []string{"HOME=/root", fmt.Sprintf("SUDO_UID=%d", u.UID)}
		}
		out := filepath.Join(t.TempDir(), "profiles")
		code, stderr := recordAs(t, recorder, "/", env, "record", "-q", "-g", "none", "-d", out, "--", "/bin/sh", "-c", "rm -rf "+attacker.Quote(out)+" && : > "+attacker.Quote(out))
		if code != 1 || !strings.Contains(stderr, "written to "+home+"/recorder-lost-") {
			t.Fatalf("sudo %v: exit %d, %q; want 1 and the fallback named", sudo, code, stderr)
		}
		lost, _ := filepath.Glob(filepath.Join(home, "recorder-lost-*"))
		if len(lost) != 1 {
			t.Fatalf("fallback dirs in %s: %q", home, lost)
		}
		want := uint32(0)
		if sudo {
			want = u.UID
		}
		for _, f := range []struct {
			path string
			mode os.FileMode
		}{{lost[0], os.ModeDir | 0o700}, {filepath.Join(lost[0], "all.json"), 0o600}} {
			st, err := os.Lstat(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode() != f.mode || st.Sys().(*syscall.Stat_t).Uid != want {
				t.Errorf("sudo %v: %s is %v of uid %d, want %v of uid %d", sudo, f.path, st.Mode(), st.Sys().(*syscall.Stat_t).Uid, f.mode, want)
			}
		}
		if names := profiletest.Allowed(profiletest.Read(t, filepath.Join(lost[0], "all.json"))); !slices.Contains(names, "unlinkat") {
			t.Errorf("the fallback profile allows %q, want rm's calls", names)
		}
	}
}

// TestWatchResumeForeign is issue 17 item 2: in a sticky shared -d,
// another user plants the profile watch --resume would start from
// (allowing bpf and ptrace) and a file named like one of its temporary
// files. Watch used to merge the first into root's profile and delete the
// second; it leaves both alone and says so, and still removes its own
// user's temporary file.
func TestWatchResumeForeign(t *testing.T) {
	u := attacker.New(t)
	shared := filepath.Join(traversable(t), "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	planted := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["bpf","ptrace"],"action":"SCMP_ACT_ALLOW"}]}`
	theirTemp, ownTemp := filepath.Join(shared, ".all.json.recorder-tmp-123"), filepath.Join(shared, ".old.json.recorder-tmp-456")
	for path, data := range map[string]string{filepath.Join(shared, "all.json"): planted, theirTemp: "theirs", ownTemp: "ours"} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u.Own(t, filepath.Join(shared, "all.json"), theirTemp)

	lines := profiletest.Lines(t, syslogFixture)
	path := filepath.Join(t.TempDir(), "syslog")
	f := watchOpenLog(t, path)
	w := startWatch(t, "--source", "syslog:"+path, "-d", shared, "-g", "none", "--resume", "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	watchAppend(t, f, lines)
	want := profiletest.Replayed(t, lines)
	w.waitFor(t, "the capture's profile, alone", 10*time.Second, func() bool { return slices.Equal(profiletest.AllowedInDir(t, shared), want) })
	w.stop(t)
	if _, err := os.Stat(theirTemp); err != nil {
		t.Errorf("the other user's file was removed: %v", err)
	}
	if _, err := os.Stat(ownTemp); err == nil {
		t.Errorf("watch's own temporary file was not removed")
	}
	log := w.log.String()
	for _, want := range []string{"left alone a profile of another user", "left alone a temporary file of another user", fmt.Sprintf("owner_uid=%d", u.UID)} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not say %q:\n%s", want, log)
		}
	}
}

// TestWatchFallback: watch's output dir is removed and a file put in its
// place while it runs: the flushes fail (it used to stop there, the
// recording lost at exit); the dir it held is gone, so it resolves its
// path again, which is no directory now; at exit the profiles go to a
// fallback directory in the user's home, named in the log.
func TestWatchFallback(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SUDO_UID", "")
	out := filepath.Join(t.TempDir(), "out")
	lines := profiletest.Lines(t, syslogFixture)
	path := filepath.Join(t.TempDir(), "syslog")
	f := watchOpenLog(t, path)
	explain := filepath.Join(t.TempDir(), "why.tsv")
	w := startWatch(t, "--source", "syslog:"+path, "-d", out, "-g", "none", "--flush-interval", "50ms", "--base", "none",
		"--explain", explain)
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	watchAppend(t, f, lines)
	w.waitFor(t, "a failed flush", 10*time.Second, func() bool { return strings.Contains(w.log.String(), "keeping everything in memory") })
	w.cancel()
	w.cancel = nil
	select {
	case err := <-w.done: // it exited 0, its profiles not where asked
		var errOut bytes.Buffer
		if exitCode(err, &errOut) != 1 || !errors.Is(err, output.ErrKept) || !strings.Contains(errOut.String(), "recorder-lost-") {
			t.Errorf("watch: %v (%q), want exit 1 and the fallback named", err, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("watch did not stop\nlog:\n%s", w.log.String())
	}
	lost, _ := filepath.Glob(filepath.Join(home, "recorder-lost-*"))
	if len(lost) != 1 || !strings.Contains(w.log.String(), "fallback="+lost[0]) {
		t.Fatalf("fallback dirs %q; log:\n%s", lost, w.log.String())
	}
	want := profiletest.Replayed(t, lines)
	if got := profiletest.AllowedInDir(t, lost[0]); !slices.Equal(got, want) {
		t.Errorf("the fallback profile allows %q, want %q", got, want)
	}
	// The explanation went nowhere either (it is written after the
	// profiles): it is kept beside them, under its own name. It had been
	// left out.
	kept, err := os.ReadFile(filepath.Join(lost[0], "why.tsv"))
	if err != nil {
		t.Fatalf("the explanation in the fallback directory: %v", err)
	}
	for _, name := range want {
		if !strings.Contains(string(kept), "\t"+name+"\t") {
			t.Errorf("the kept explanation has no row for %s:\n%s", name, kept)
		}
	}
}

// TestWatchStateFileLinks: the audit state file, which root writes, reads
// and removes, goes through the same rules. Through a link another user
// planted in a parent it is not written (the source goes on without one,
// saying why); a state file another user planted in a sticky directory,
// claiming a dead recorder's state to put back (auditing off, backlog 1),
// is not trusted: the audit state after watch is the one before.
func TestWatchStateFileLinks(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	u := attacker.New(t)
	base, target := attackBase(t)
	parent := userDir(t, u, base)
	u.Sh(t, parent, "ln -s "+attacker.Quote(target)+" run")
	sticky := stickyDir(t, base)
	planted := filepath.Join(sticky, "state.json")
	if err := os.WriteFile(planted, []byte(`{"pid":999999999,"start":1,"enabled":0,"backlog_limit":1,"restore":17}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.Own(t, planted)
	for _, tt := range []struct{ file, want string }{
		{filepath.Join(parent, "run", "audit-state.json"), "will not follow a link another user controls"},
		{planted, "audit state file not trusted"},
	} {
		w := startWatch(t, "--source", "netlink", "-d", t.TempDir(), "--flush-interval", "50ms", "--allow-empty", "--audit-state-file", tt.file)
		w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
		w.stop(t)
		if !strings.Contains(w.log.String(), tt.want) {
			t.Errorf("--audit-state-file %s: the log does not say %q:\n%s", tt.file, tt.want, w.log.String())
		}
		untouched(t, target)
		audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	}
}
