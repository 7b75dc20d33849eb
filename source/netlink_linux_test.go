package source

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/audit"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/sandbox"
)

// getppidEnv makes the test binary a workload: it calls getppid N times.
const getppidEnv = "AUDIT_TEST_GETPPID"

// init lets the test binary serve as the sandbox helper and as a workload.
func init() {
	if sandbox.IsHelper() {
		sandbox.Main()
	}
	if v := os.Getenv(getppidEnv); v != "" {
		n, _ := strconv.Atoi(v)
		for range n {
			unix.Getppid()
		}
		os.Exit(0)
	}
}

// sesOf returns the ses= value of a record line, or "".
func sesOf(line string) string {
	_, rest, ok := strings.Cut(line, " ses=")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, " ")
	return v
}

// syscallOf returns the syscall= value of a record line, or -1.
func syscallOf(line string) int {
	_, rest, ok := strings.Cut(line, " syscall=")
	if !ok {
		return -1
	}
	v, _, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// collect reads src until done says it has all it wants, or the timeout.
func collect(t testing.TB, src Source, timeout time.Duration, done func(line string) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		line, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("source ended before the expected lines: %v", err)
		}
		if done(string(line)) {
			return
		}
	}
}

// syscallsOf collects the syscall numbers of session ses's records until
// want are all there.
func syscallsOf(t testing.TB, src Source, ses uint32, want ...int) {
	t.Helper()
	seen := map[int]bool{}
	s := strconv.FormatUint(uint64(ses), 10)
	collect(t, src, 10*time.Second, func(line string) bool {
		if !strings.Contains(line, "type=1326 ") || sesOf(line) != s {
			return false
		}
		seen[syscallOf(line)] = true
		for _, w := range want {
			if !seen[w] {
				return false
			}
		}
		return true
	})
}

// TestNetlinkUnicast registers as the audit daemon, reads the records of a
// workload under a LOG filter, and restores the audit state on Close.
func TestNetlinkUnicast(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: prev.BacklogLimit + 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := audittest.Status(t)
	if n.Multicast() || st.PID != uint32(os.Getpid()) || st.Enabled != 1 || st.BacklogLimit != prev.BacklogLimit+4096 {
		t.Fatalf("after open: multicast=%v pid=%d enabled=%d backlog_limit=%d, want registered, enabled, limit %d",
			n.Multicast(), st.PID, st.Enabled, st.BacklogLimit, prev.BacklogLimit+4096)
	}
	ses := audittest.RunLogged(t, nil, "true")
	syscallsOf(t, n, ses, unix.SYS_EXECVE, unix.SYS_EXIT_GROUP)
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	audittest.CheckSame(t, "after close", prev, audittest.Status(t))
}

// TestNetlinkRejoin: when the kernel drops the source as its daemon, as it
// does after a failed send, the source registers again, counts it in
// Stats.Rejoined (record's drain check reads it), and records keep coming.
// The drop is made by this process unregistering through a socket of its
// own: the kernel lets the daemon's process do that.
func TestNetlinkRejoin(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	n, err := OpenNetlink(NetlinkConfig{StatusInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetPID(libaudit.WaitForReply) // EEXIST (we are the daemon), but it arms Close to unregister
	if err := c.Close(); err != nil {
		t.Fatalf("unregister: %v", err)
	}
	for end := time.Now().Add(5 * time.Second); n.Stats().Rejoined == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("not registered again after 5 s: stats %+v, audit pid %d", n.Stats(), audittest.Status(t).PID)
		}
	}
	if st := audittest.Status(t); st.PID != uint32(os.Getpid()) || n.Multicast() {
		t.Fatalf("audit pid %d, multicast %v; want this process registered", st.PID, n.Multicast())
	}
	ses := audittest.RunLogged(t, nil, "true")
	syscallsOf(t, n, ses, unix.SYS_EXECVE, unix.SYS_EXIT_GROUP)
}

// TestNetlinkMulticast starts auditd: the source reads the multicast group
// next to it, and Close leaves auditd registered.
func TestNetlinkMulticast(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.Keep(t)
	auditd := audittest.StartAuditd(t)
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !n.Multicast() || n.DaemonPID() != auditd.PID {
		t.Fatalf("multicast=%v daemon=%d, want multicast next to auditd %d", n.Multicast(), n.DaemonPID(), auditd.PID)
	}
	ses := audittest.RunLogged(t, nil, "true")
	syscallsOf(t, n, ses, unix.SYS_EXECVE, unix.SYS_EXIT_GROUP)
	n.Close()
	if st := audittest.Status(t); st.PID != auditd.PID {
		t.Errorf("audit pid after close = %d, want auditd's %d", st.PID, auditd.PID)
	}
}

// TestNetlinkNoLoss reads 100,000 records of a getppid storm as the daemon:
// every one arrives, the kernel's lost counter does not move, and the kernel
// never found the socket buffer full. The workload runs at full speed, with
// nothing throttling it but the kernel's backlog, while go test runs other
// packages' tests beside it.
func TestNetlinkNoLoss(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	// One P: the reader's waits and receives go through the Go runtime;
	// two: they are raw system calls (rawCalls).
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			netlinkNoLoss(t, procs >= 2)
		})
	}
}

func netlinkNoLoss(t *testing.T, raw bool) {
	const calls = 100_000
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: 8192, StatusInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if rawCalls() != raw {
		t.Fatalf("raw system calls %v, want %v", rawCalls(), raw)
	}
	c := countGetppid(n)
	defer c.stop()
	ses := audittest.RunLogged(t, []string{getppidEnv + "=" + strconv.Itoa(calls)}, os.Args[0])
	count := c.wait(ses, calls, 60*time.Second)
	if count != calls {
		t.Errorf("got %d getppid records of session %d, want %d (all sessions: %v)", count, ses, calls, c.all())
	}
	time.Sleep(150 * time.Millisecond) // the next status read
	if s := n.Stats(); s.KernelLost != 0 || s.NoBufs != 0 {
		t.Errorf("stats = %+v, want no kernel loss and no full socket buffer", s)
	}
}

// getppidCounter counts a source's getppid records by session, in the
// background, through Parse as watch reads: records can all arrive before
// the workload's session is known (RunLogged returns once it exited).
type getppidCounter struct {
	mu     sync.Mutex
	perSes map[uint32]int
	cancel context.CancelFunc
	done   chan struct{} // closed when the source returned an error
}

func countGetppid(src Source) *getppidCounter {
	ctx, cancel := context.WithCancel(context.Background())
	c := &getppidCounter{perSes: map[uint32]int{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		var rec audit.Record
		for {
			line, err := src.Next(ctx)
			if err != nil {
				return
			}
			if k, err := audit.Parse(line, &rec); err == nil && k == audit.KindSeccomp && rec.Syscall == unix.SYS_GETPPID {
				c.mu.Lock()
				c.perSes[rec.Ses]++
				c.mu.Unlock()
			}
		}
	}()
	return c
}

// wait returns session ses's count once it reached want, or when the
// timeout passed or the source failed.
func (c *getppidCounter) wait(ses uint32, want int, timeout time.Duration) int {
	for end := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		got := c.perSes[ses]
		c.mu.Unlock()
		if got >= want || time.Now().After(end) {
			return got
		}
		select {
		case <-c.done:
			return got
		default:
		}
	}
}

func (c *getppidCounter) all() map[uint32]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.perSes)
}

// stop stops the counting and waits for the reading goroutine.
func (c *getppidCounter) stop() {
	c.cancel()
	<-c.done
}

// unprivilegedEnv makes the test binary run TestNetlinkPermission's check
// as the user it was started as: "none" without capabilities, "read" with
// CAP_AUDIT_READ alone.
const unprivilegedEnv = "AUDIT_TEST_UNPRIVILEGED"

// TestNetlinkPermission opens the source as nobody (uid and gid 65534),
// running the test binary again from a copy nobody can read (go test's own
// directory is root's alone). Without capabilities the error matches
// os.ErrPermission and names both capabilities; with CAP_AUDIT_READ alone
// the source reads the multicast group.
func TestNetlinkPermission(t *testing.T) {
	if mode := os.Getenv(unprivilegedEnv); os.Geteuid() != 0 || mode != "" {
		netlinkUnprivileged(t, mode)
		return
	}
	dir, err := os.MkdirTemp("", "netlink-permission-") // t.TempDir's parent is root's alone
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "audit.test")
	copyFile(t, os.Args[0], bin)
	for mode, caps := range map[string][]uintptr{"none": nil, "read": {unix.CAP_AUDIT_READ}} {
		cmd := exec.Command(bin, "-test.run=^TestNetlinkPermission$", "-test.v", "-test.count=1")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), unprivilegedEnv+"="+mode)
		cmd.SysProcAttr = &syscall.SysProcAttr{AmbientCaps: caps,
			Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestNetlinkPermission") {
			t.Fatalf("as nobody with capabilities %v: %v\n%s", caps, err, out)
		}
		t.Logf("as nobody with capabilities %v:\n%s", caps, out)
	}
}

// netlinkUnprivileged is TestNetlinkPermission's check as nobody.
func netlinkUnprivileged(t *testing.T, mode string) {
	if os.Geteuid() == 0 {
		t.Fatal("still root after the switch to nobody")
	}
	n, err := OpenNetlink(NetlinkConfig{})
	if mode == "read" {
		if err != nil || !n.Multicast() {
			t.Fatalf("with %s: err = %v, want the multicast group", CapAuditRead, err)
		}
		n.Close()
		return
	}
	if err == nil {
		n.Close()
	}
	if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), CapAuditControl) || !strings.Contains(err.Error(), CapAuditRead) {
		t.Fatalf("err = %v, want a permission error naming %s and %s", err, CapAuditControl, CapAuditRead)
	}
	t.Logf("uid %d: %v", os.Geteuid(), err)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWatchNetlinkLoad runs a workload making 1,000,000 LOG-ed getppid
// calls three ways, side by side: with no reader at all, under the netlink
// source (registered as the daemon, parsing every record) and under auditd.
// It reports the workload's calls/s in each, the slowdowns, the records/s the
// source delivered, and the kernel's lost count (which must stay 0).
func BenchmarkWatchNetlinkLoad(b *testing.B) {
	audittest.NeedRoot(b)
	audittest.NoDaemon(b)
	const calls = 1_000_000
	env := []string{getppidEnv + "=" + strconv.Itoa(calls)}
	for b.Loop() {
		alone := timeIt(func() { audittest.RunLogged(b, env, os.Args[0]) })

		n, err := OpenNetlink(NetlinkConfig{BacklogLimit: 8192, StatusInterval: 50 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		c := countGetppid(n)
		start := time.Now()
		var ses uint32
		underNetlink := timeIt(func() { ses = audittest.RunLogged(b, env, os.Args[0]) })
		count := c.wait(ses, calls, 120*time.Second)
		delivered := time.Since(start)
		c.stop()
		time.Sleep(150 * time.Millisecond)
		stats := n.Stats()
		n.Close()
		if count != calls || stats.KernelLost != 0 {
			b.Errorf("netlink: %d of %d records, kernel lost %d", count, calls, stats.KernelLost)
		}

		auditd := audittest.StartAuditd(b)
		underAuditd := timeIt(func() { audittest.RunLogged(b, env, os.Args[0]) })
		auditd.Stop(b)

		b.ReportMetric(calls/alone.Seconds(), "alone-calls/s")
		b.ReportMetric(calls/underNetlink.Seconds(), "netlink-calls/s")
		b.ReportMetric(calls/underAuditd.Seconds(), "auditd-calls/s")
		b.ReportMetric(underNetlink.Seconds()/alone.Seconds(), "netlink-slowdown")
		b.ReportMetric(underAuditd.Seconds()/alone.Seconds(), "auditd-slowdown")
		b.ReportMetric(float64(count)/delivered.Seconds(), "netlink-records/s")
		b.ReportMetric(float64(stats.KernelLost), "kernel-lost")
		b.ReportMetric(float64(stats.NoBufs), "enobufs")
	}
}

func timeIt(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
