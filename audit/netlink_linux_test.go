package audit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/internal/testlock"
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

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: reads kernel audit records and loads seccomp filters")
	}
	testlock.Kernel(t)
}

// logAll is a profile that logs every call: the workload's records.
var logAll = &specs.LinuxSeccomp{DefaultAction: specs.ActLog}

// runLogged runs args under logAll in a fresh audit session and returns it.
func runLogged(t testing.TB, env []string, args ...string) uint32 {
	t.Helper()
	var out bytes.Buffer
	c := &sandbox.Cmd{Profile: logAll, Args: args, Stdout: &out, Stderr: &out}
	if len(env) > 0 {
		c.Args = append([]string{"env"}, append(env, args...)...)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	if err := c.Wait(); err != nil {
		t.Fatalf("%v: %v: %s", args, err, out.String())
	}
	if c.SesErr != nil {
		t.Fatalf("no fresh audit session: %v", c.SesErr)
	}
	return c.Ses
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

func auditStatus(t testing.TB) libaudit.AuditStatus {
	t.Helper()
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		t.Fatalf("open audit control socket: %v", err)
	}
	defer c.Close()
	st, err := c.GetStatus()
	if err != nil {
		t.Fatalf("audit status: %v", err)
	}
	return *st
}

// keepAudit restores the audit enabled flag and backlog limit when the test
// ends, even when it failed, and checks that no pid is left registered that
// was not before.
func keepAudit(t testing.TB) libaudit.AuditStatus {
	t.Helper()
	prev := auditStatus(t)
	t.Cleanup(func() {
		c, err := libaudit.NewAuditClient(nil)
		if err != nil {
			t.Errorf("restore audit state: %v", err)
			return
		}
		defer c.Close()
		c.SetEnabled(prev.Enabled != 0, libaudit.WaitForReply)
		c.SetBacklogLimit(prev.BacklogLimit, libaudit.WaitForReply)
		if st, err := c.GetStatus(); err == nil && st.PID != prev.PID {
			t.Errorf("audit pid after the test = %d, was %d", st.PID, prev.PID)
		}
	})
	return prev
}

// TestNetlinkUnicast registers as the audit daemon, reads the records of a
// workload under a LOG filter, and restores the audit state on Close.
func TestNetlinkUnicast(t *testing.T) {
	needRoot(t)
	prev := keepAudit(t)
	if prev.PID != 0 {
		t.Skipf("an audit daemon (pid %d) is registered; TestNetlinkMulticast covers that case", prev.PID)
	}
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: prev.BacklogLimit + 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := auditStatus(t)
	if n.Multicast() || st.PID != uint32(os.Getpid()) || st.Enabled != 1 || st.BacklogLimit != prev.BacklogLimit+4096 {
		t.Fatalf("after open: multicast=%v pid=%d enabled=%d backlog_limit=%d, want registered, enabled, limit %d",
			n.Multicast(), st.PID, st.Enabled, st.BacklogLimit, prev.BacklogLimit+4096)
	}
	ses := runLogged(t, nil, "true")
	syscallsOf(t, n, ses, unix.SYS_EXECVE, unix.SYS_EXIT_GROUP)
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	st = auditStatus(t)
	if st.PID != prev.PID || st.Enabled != prev.Enabled || st.BacklogLimit != prev.BacklogLimit {
		t.Errorf("after close: pid=%d enabled=%d backlog_limit=%d, want %d %d %d",
			st.PID, st.Enabled, st.BacklogLimit, prev.PID, prev.Enabled, prev.BacklogLimit)
	}
}

// TestNetlinkMulticast starts auditd: the source reads the multicast group
// next to it, and Close leaves auditd registered.
func TestNetlinkMulticast(t *testing.T) {
	needRoot(t)
	keepAudit(t)
	pid, _ := startAuditd(t)
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !n.Multicast() || n.DaemonPID() != pid {
		t.Fatalf("multicast=%v daemon=%d, want multicast next to auditd %d", n.Multicast(), n.DaemonPID(), pid)
	}
	ses := runLogged(t, nil, "true")
	syscallsOf(t, n, ses, unix.SYS_EXECVE, unix.SYS_EXIT_GROUP)
	n.Close()
	if st := auditStatus(t); st.PID != pid {
		t.Errorf("audit pid after close = %d, want auditd's %d", st.PID, pid)
	}
}

// startAuditd runs auditd in the foreground until the test ends and waits
// for it to register.
func startAuditd(t testing.TB) (uint32, *exec.Cmd) {
	t.Helper()
	path, err := exec.LookPath("auditd")
	if err != nil {
		t.Fatalf("auditd is needed (Debian package auditd): %v", err)
	}
	if st := auditStatus(t); st.PID != 0 {
		t.Fatalf("an audit daemon (pid %d) is already registered", st.PID)
	}
	cmd := exec.Command(path, "-n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start auditd: %v", err)
	}
	t.Cleanup(func() { stopAuditd(t, cmd) })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st := auditStatus(t); st.PID == uint32(cmd.Process.Pid) {
			return st.PID, cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("auditd did not register: %s", out.String())
	return 0, nil
}

func stopAuditd(t testing.TB, cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return // stopped already
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	for range 100 { // auditd unregisters as it exits
		if auditStatus(t).PID != uint32(cmd.Process.Pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("auditd %d still registered after it exited", cmd.Process.Pid)
}

// TestNetlinkNoLoss reads 100,000 records of a getppid storm as the daemon:
// every one arrives and the kernel's lost counter does not move.
func TestNetlinkNoLoss(t *testing.T) {
	needRoot(t)
	prev := keepAudit(t)
	if prev.PID != 0 {
		t.Skipf("an audit daemon (pid %d) is registered", prev.PID)
	}
	const calls = 100_000
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	got := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sesc := make(chan string, 1)
	go func() { got <- countGetppid(ctx, n, sesc, calls) }()
	sesc <- strconv.FormatUint(uint64(runLogged(t, []string{getppidEnv + "=" + strconv.Itoa(calls)}, os.Args[0])), 10)
	var count int
	select {
	case count = <-got:
	case <-time.After(60 * time.Second):
		cancel()
		count = <-got
	}
	if count != calls {
		t.Errorf("got %d getppid records, want %d", count, calls)
	}
	time.Sleep(1100 * time.Millisecond) // next status read
	n.Next(canceled())
	if s := n.Stats(); s.KernelLost != 0 || s.NoBufs != 0 {
		t.Errorf("stats = %+v, want no kernel loss and no ENOBUFS", s)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// countGetppid counts the getppid records of the session it receives on
// sesc (lines are kept until it is known), up to want.
func countGetppid(ctx context.Context, src Source, sesc <-chan string, want int) int {
	var ses string
	var early []string
	count := 0
	for count < want {
		line, err := src.Next(ctx)
		if err != nil {
			return count
		}
		if syscallOf(string(line)) != unix.SYS_GETPPID {
			continue
		}
		if ses == "" {
			select {
			case ses = <-sesc:
				for _, l := range early {
					if l == ses {
						count++
					}
				}
				early = nil
			default:
				early = append(early, sesOf(string(line)))
				continue
			}
		}
		if sesOf(string(line)) == ses {
			count++
		}
	}
	return count
}

func TestNetlinkPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("runs as a user without CAP_AUDIT_CONTROL; root has it")
	}
	_, err := OpenNetlink(NetlinkConfig{})
	if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), CapAuditControl) {
		t.Fatalf("err = %v, want a permission error naming %s", err, CapAuditControl)
	}
}

// BenchmarkWatchNetlinkLoad runs a workload making 1,000,000 LOG-ed getppid
// calls three ways, side by side: with no reader at all, under the netlink
// source (registered as the daemon, parsing every record) and under auditd.
// It reports the workload's calls/s in each, the slowdowns, the records/s the
// source delivered, and the kernel's lost count (which must stay 0).
func BenchmarkWatchNetlinkLoad(b *testing.B) {
	needRoot(b)
	prev := keepAudit(b)
	if prev.PID != 0 {
		b.Skipf("an audit daemon (pid %d) is registered", prev.PID)
	}
	const calls = 1_000_000
	env := []string{getppidEnv + "=" + strconv.Itoa(calls)}
	for b.Loop() {
		alone := timeIt(func() { runLogged(b, env, os.Args[0]) })

		n, err := OpenNetlink(NetlinkConfig{BacklogLimit: 8192})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		sesc, got := make(chan string, 1), make(chan int, 1)
		start := time.Now()
		go func() { got <- countParsed(ctx, n, sesc, calls) }()
		var ses uint32
		underNetlink := timeIt(func() { ses = runLogged(b, env, os.Args[0]) })
		sesc <- strconv.FormatUint(uint64(ses), 10)
		count := <-got
		delivered := time.Since(start)
		cancel()
		time.Sleep(1100 * time.Millisecond)
		n.Next(canceled())
		stats := n.Stats()
		n.Close()
		if count != calls || stats.KernelLost != 0 {
			b.Errorf("netlink: %d of %d records, kernel lost %d", count, calls, stats.KernelLost)
		}

		_, auditd := startAuditd(b)
		underAuditd := timeIt(func() { runLogged(b, env, os.Args[0]) })
		stopAuditd(b, auditd)

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

// countParsed is countGetppid through Parse, as watch reads: it counts the
// session's getppid records.
func countParsed(ctx context.Context, src Source, sesc <-chan string, want int) int {
	var rec Record
	perSes := map[uint32]int{}
	var ses string
	for {
		if ses == "" {
			select {
			case ses = <-sesc:
			default:
			}
		}
		if ses != "" {
			s, _ := strconv.ParseUint(ses, 10, 32)
			if perSes[uint32(s)] >= want {
				return perSes[uint32(s)]
			}
		}
		line, err := src.Next(ctx)
		if err != nil {
			s, _ := strconv.ParseUint(ses, 10, 32)
			return perSes[uint32(s)]
		}
		if k, err := Parse(line, &rec); err == nil && k == KindSeccomp && rec.Syscall == unix.SYS_GETPPID {
			perSes[rec.Ses]++
		}
	}
}
