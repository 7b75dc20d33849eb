//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/internal/runctest"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/source"
)

// watchMainEnv makes the test binary run the recorder's main, for the test
// that stops it with a real SIGTERM.
const watchMainEnv = "RECORDER_TEST_MAIN"

func init() {
	if sandbox.IsHelper() {
		sandbox.Main()
	}
	if os.Getenv(watchMainEnv) == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv("RECORDER_TEST_ARGS"))...)
		main()
	}
}

// TestWatchFlags checks that bad command lines are usage errors.
func TestWatchFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"-d", dir, "--source", "nope"},
		{"-d", dir, "--source", "netlink:/x"},
		{"-d", dir, "--source", "syslog:"},
		{"-d", dir, "--flush-interval", "0s"},
		{"-d", dir, "--log-format", "xml"},
		{"-d", dir, "--log-level", "loud"},
		{"-d", dir, "--group-by", "color"},
		{"-d", dir, "--format", "yaml"},
		{"-d", dir, "extra"},
	} {
		err := run(context.Background(), append([]string{"watch"}, args...), nil, &bytes.Buffer{}, &bytes.Buffer{})
		var ue usage.Error
		if !errors.As(err, &ue) {
			t.Errorf("watch %q: err = %v, want a usage error", args, err)
		}
	}
}

// TestWatchJSONInOutputDir: --json=FILE in the output directory is a
// usage error: a group named like it ("summary", a comm any process
// chooses) had its profile replaced by the summary at exit. The flags are
// only parsed: a watch that starts would read the kernel's records.
func TestWatchJSONInOutputDir(t *testing.T) {
	dir := t.TempDir()
	for _, json := range []string{filepath.Join(dir, "summary.json"), filepath.Join(dir, ".", "x.json"), filepath.Join(dir, "sub", "..", "x.json")} {
		_, err := parseWatchFlags([]string{"-d", dir, "--json=" + json}, io.Discard)
		var ue usage.Error
		if !errors.As(err, &ue) {
			t.Errorf("watch -d %s --json=%s: err = %v, want a usage error", dir, json, err)
		}
	}
	if _, err := parseWatchFlags([]string{"-d", dir, "--json=" + filepath.Join(dir, "summary.json.d", "s.json")}, io.Discard); err != nil {
		t.Errorf("--json in a directory of the output dir: %v", err)
	}
}

// watcher runs watch in the background until stop.
type watcher struct {
	cancel context.CancelFunc
	done   chan error
	log    *audittest.Buffer
}

func startWatch(t *testing.T, args ...string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{cancel: cancel, done: make(chan error, 1), log: &audittest.Buffer{}}
	go func() {
		w.done <- run(ctx, append([]string{"watch"}, args...), nil, &bytes.Buffer{}, w.log)
	}()
	t.Cleanup(func() { w.stop(t) })
	return w
}

// stop cancels watch (as SIGTERM does) and waits for it to return.
func (w *watcher) stop(t *testing.T) {
	t.Helper()
	if w.cancel == nil {
		return
	}
	w.cancel()
	w.cancel = nil
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("watch: %v\nlog:\n%s", err, w.log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("watch did not stop\nlog:\n%s", w.log.String())
	}
}

// waitFor polls cond until it holds or the timeout.
func (w *watcher) waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
		select {
		case err := <-w.done:
			w.cancel = nil
			t.Fatalf("watch ended early: %v\nlog:\n%s", err, w.log.String())
		default:
		}
	}
	t.Fatalf("timed out waiting for %s\nlog:\n%s", what, w.log.String())
}

func watchHasAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// The workload: uname makes the uname call, which nothing else in these
// tests makes; execve and exit_group come from the helper and uname.
var watchWorkload = []string{"execve", "uname", "exit_group"}

// TestWatchNetlink registers as the audit daemon, writes the workload's
// profile, and restores the audit state when stopped.
func TestWatchNetlink(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--flush-interval", "50ms", "--base", "none", "--backlog-limit", "9000")
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
	if st := audittest.Status(t); st.BacklogLimit != 9000 || st.Enabled != 1 {
		t.Errorf("while watching: backlog_limit=%d enabled=%d, want 9000 and 1", st.BacklogLimit, st.Enabled)
	}
	audittest.RunLogged(t, nil, "uname")
	w.waitFor(t, "the workload's profile", 10*time.Second, func() bool { return watchHasAll(profiletest.AllowedInDir(t, dir), watchWorkload...) })
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
}

// TestWatchNetlinkMulticast runs auditd: watch reads next to it.
func TestWatchNetlinkMulticast(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.Keep(t)
	pid := audittest.StartAuditd(t).PID
	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the multicast reader", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "multicast") })
	audittest.RunLogged(t, nil, "uname")
	w.waitFor(t, "the workload's profile", 10*time.Second, func() bool { return watchHasAll(profiletest.AllowedInDir(t, dir), watchWorkload...) })
	w.stop(t)
	if st := audittest.Status(t); st.PID != pid {
		t.Errorf("audit pid after watch = %d, want auditd's %d", st.PID, pid)
	}
}

// TestWatchKmsg reads /dev/kmsg: the workload's profile is written, and a
// record-shaped line written there by userspace is not counted.
func TestWatchKmsg(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t) // a daemon would get the records: they would not be printed
	audittest.NoPrintkLimit(t)
	dir := t.TempDir()
	w := startWatch(t, "--source", "kmsg", "-d", dir, "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the source", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "reading the kernel log") })
	// reboot (169 on x86_64, 142 on arm64) is a call no test makes.
	forged := fmt.Sprintf("<5>audit: type=1326 audit(1.2:3): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"uname\" exe=\"/usr/bin/uname\" sig=0 arch=%x syscall=%d compat=0 ip=0x0 code=0x7ffc0000\n", watchNativeArch, syscall.SYS_REBOOT)
	if err := os.WriteFile(source.KmsgPath, []byte(forged), 0); err != nil {
		t.Fatal(err)
	}
	audittest.RunLogged(t, nil, "uname")
	w.waitFor(t, "the workload's profile", 10*time.Second, func() bool { return watchHasAll(profiletest.AllowedInDir(t, dir), watchWorkload...) })
	w.stop(t)
	if slices.Contains(profiletest.AllowedInDir(t, dir), "reboot") {
		t.Errorf("the forged line's reboot is in the profile")
	}
	if !strings.Contains(w.log.String(), "forged_total=1") {
		t.Errorf("the forged line was not reported:\n%s", w.log.String())
	}
}

func watchAppend(t *testing.T, f *os.File, lines []string) {
	t.Helper()
	if _, err := f.WriteString(strings.Join(lines, "")); err != nil {
		t.Fatal(err)
	}
}

func watchOpenLog(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestWatchSyslogRotation follows a syslog file that is rotated (rename and
// create) mid-run while the writer still appends to the old file: the
// profile equals the one the whole capture makes, and --tee got every line.
func TestWatchSyslogRotation(t *testing.T) {
	lines := profiletest.Lines(t, syslogFixture)
	dir, logDir := t.TempDir(), t.TempDir()
	path, tee := filepath.Join(logDir, "syslog"), filepath.Join(logDir, "tee.log")
	old := watchOpenLog(t, path)
	w := startWatch(t, "--source", "syslog:"+path, "-d", dir, "--flush-interval", "50ms", "--base", "none", "--tee", tee)
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	third := len(lines) / 3
	watchAppend(t, old, lines[:third])
	os.Rename(path, path+".1")
	watchAppend(t, old, lines[third:2*third]) // the writer has not reopened yet
	watchAppend(t, watchOpenLog(t, path), lines[2*third:])
	want := profiletest.Replayed(t, lines)
	w.waitFor(t, "the whole capture's profile", 10*time.Second, func() bool { return slices.Equal(profiletest.AllowedInDir(t, dir), want) })
	w.stop(t)
	got, _ := os.ReadFile(tee)
	if recs := profiletest.AuditLines(lines); len(recs) == len(lines) || !watchSameLines(string(got), recs) {
		t.Errorf("--tee holds %d bytes, want the %d audit lines of the %d written", len(got), len(recs), len(lines))
	}
	if !strings.Contains(w.log.String(), "forge") {
		t.Errorf("syslog mode did not warn that its lines can be forged")
	}
}

// watchSameLines compares as multisets: lines of the old and new file interleave.
func watchSameLines(got string, want []string) bool {
	g := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	w := make([]string, len(want))
	for i, l := range want {
		w[i] = strings.TrimSuffix(l, "\n")
	}
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

// TestWatchStopAndMerge stops watch mid-run (the SIGTERM path: ctx
// canceled) with a flush interval it never reaches: the profile on disk
// holds everything received. A restart with more records writes the union
// (--merge). The metrics endpoint tells when the lines were read.
func TestWatchStopAndMerge(t *testing.T) {
	lines := profiletest.Lines(t, syslogFixture)
	half := len(lines) / 2
	dir, logDir := t.TempDir(), t.TempDir()
	path := filepath.Join(logDir, "syslog")
	f := watchOpenLog(t, path)
	for i, part := range [][]string{lines[:half], lines[half:]} {
		addr := freeAddr(t)
		w := startWatch(t, "--source", "syslog:"+path, "-d", dir, "--flush-interval", "1h", "--base", "none", "--metrics-addr", addr)
		w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
		watchAppend(t, f, part)
		want := fmt.Sprintf("recorder_lines_total{source=\"syslog\"} %d\n", len(part))
		var body string
		w.waitFor(t, "the lines read", 5*time.Second, func() bool { body = watchMetrics(addr); return strings.Contains(body, want) })
		if !strings.Contains(body, `recorder_records_total{action="LOG",group=`) || !strings.Contains(body, `source="syslog"}`) {
			t.Errorf("metrics lack records by source, action and group:\n%s", body)
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "*.json")); i == 0 && len(files) != 0 {
			t.Fatalf("profiles written before the stop: %v", files)
		}
		w.stop(t)
		if got, want := profiletest.AllowedInDir(t, dir), profiletest.Replayed(t, lines[:half+i*(len(lines)-half)]); !slices.Equal(got, want) {
			t.Errorf("run %d: profile allows %v, want %v", i+1, got, want)
		}
	}
}

// TestWatchUnwritableDir starts with an output dir that cannot be made (a
// file is in the way): the flushes fail and say so, the records are kept,
// and once the dir can be made the next flush writes them all.
func TestWatchUnwritableDir(t *testing.T) {
	lines := profiletest.Lines(t, syslogFixture)
	logDir := t.TempDir()
	path, blocker := filepath.Join(logDir, "syslog"), filepath.Join(logDir, "out")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "profiles")
	f := watchOpenLog(t, path)
	w := startWatch(t, "--source", "syslog:"+path, "-d", dir, "--flush-interval", "50ms", "--base", "none")
	w.waitFor(t, "the follower", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "following file") })
	watchAppend(t, f, lines)
	w.waitFor(t, "a failed flush", 5*time.Second, func() bool { return strings.Contains(w.log.String(), "trying again at the next flush") })
	os.Remove(blocker)
	want := profiletest.Replayed(t, lines)
	w.waitFor(t, "the profile", 5*time.Second, func() bool { return slices.Equal(profiletest.AllowedInDir(t, dir), want) })
}

// TestWatchSIGTERM runs the recorder as a process and stops it with a real
// SIGTERM: it writes the profile before it exits, with status 0.
func TestWatchSIGTERM(t *testing.T) {
	lines := profiletest.Lines(t, syslogFixture)
	dir, logDir := t.TempDir(), t.TempDir()
	path := filepath.Join(logDir, "syslog")
	f := watchOpenLog(t, path)
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), watchMainEnv+"=1",
		"RECORDER_TEST_ARGS=watch --source syslog:"+path+" -d "+dir+" --flush-interval 1h --base none --metrics-addr "+addr)
	var out audittest.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for end := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "following file"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("watch did not start:\n%s", out.String())
		}
	}
	watchAppend(t, f, lines)
	want := fmt.Sprintf("recorder_lines_total{source=\"syslog\"} %d\n", len(lines))
	for end := time.Now().Add(10 * time.Second); !strings.Contains(watchMetrics(addr), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("watch did not read the lines:\n%s", out.String())
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch exited with %v:\n%s", err, out.String())
	}
	if got, want := profiletest.AllowedInDir(t, dir), profiletest.Replayed(t, lines); !slices.Equal(got, want) {
		t.Errorf("profile allows %v, want %v", got, want)
	}
}

func watchMetrics(addr string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// watchNativeArch is arch= for this machine's native ABI.
var watchNativeArch = map[string]uint32{"amd64": 0xc000003e, "arm64": 0xc00000b7}[runtime.GOARCH]

// syslogFixture is a real rsyslog capture of seccomp records.
const syslogFixture = logsDir + "/syslog-rfc3339.log"

// TestWatchNetlinkStorm: every record of a storm of getppid calls is
// counted once, no more, no less, while watch flushes every 10 ms: the
// netlink reader hands records to the pipeline on its own goroutine while
// the daemon's lock is free, and queues them for Next while a flush holds
// it (source.PushUnder). A record handed over twice, skipped or taken out
// of order between the two roads shows in the count of the explanation.
func TestWatchNetlinkStorm(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	const calls = 200_000
	storm := filepath.Join(t.TempDir(), "storm") // N getppid calls
	if out, err := exec.Command("gcc", "-O2", "-static", "-o", storm, filepath.Join(runctest.ModuleRoot(t), "testdata/logs/workloads/storm.c")).CombinedOutput(); err != nil {
		t.Fatalf("build storm: %v: %s", err, out)
	}
	dir, explain := t.TempDir(), filepath.Join(t.TempDir(), "explain.tsv")
	w := startWatch(t, "--source", "netlink", "-d", dir, "-g", "none", "--exe", "^"+regexp.QuoteMeta(storm)+"$",
		"--flush-interval", "10ms", "--base", "none", "--explain", explain)
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
	audittest.RunLogged(t, nil, storm, fmt.Sprint(calls))
	w.waitFor(t, "the storm's records", 30*time.Second, func() bool { return explainRecords(explain, "getppid") >= calls })
	time.Sleep(100 * time.Millisecond) // a record more would show in the next flushes
	w.stop(t)
	if got := explainRecords(explain, "getppid"); got != calls {
		t.Errorf("%d getppid records in the explanation, want %d", got, calls)
	}
}

// explainRecords returns the records of syscall in an --explain file, or -1.
func explainRecords(file, syscall string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, "\t")
		if len(f) > 4 && f[1] == syscall {
			n, err := strconv.Atoi(f[4])
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}
