//go:build linux

package audittest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	libaudit "github.com/elastic/go-libaudit/v2"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/internal/testlock"
)

// NeedRoot skips the test unless it runs as root, then takes the
// machine-wide kernel test lock for the rest of the test.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: reads kernel audit records and loads seccomp filters")
	}
	testlock.Kernel(t)
}

// Status returns the kernel's audit status.
func Status(t testing.TB) libaudit.AuditStatus {
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

// Keep restores the audit enabled flag and backlog limit when the test ends,
// even when it failed, and fails the test if a daemon pid is left registered
// that was not before. It returns the status as it was.
func Keep(t testing.TB) libaudit.AuditStatus {
	t.Helper()
	prev := Status(t)
	t.Cleanup(func() {
		if st := restore(t, prev); st.PID != prev.PID {
			t.Errorf("audit pid after the test = %d%s, was %d", st.PID, describe(st.PID), prev.PID)
		}
	})
	return prev
}

// Restored is Keep for tests of code that must restore the audit state
// itself: when the test ends it fails if the pid, the enabled flag or the
// backlog limit differ from before, then restores them for the next test.
func Restored(t testing.TB) libaudit.AuditStatus {
	t.Helper()
	prev := Status(t)
	t.Cleanup(func() {
		CheckSame(t, "audit status not restored", prev, restore(t, prev))
	})
	return prev
}

// CheckSame fails the test, saying what, when st's pid, enabled flag or
// backlog limit differ from prev's.
func CheckSame(t testing.TB, what string, prev, st libaudit.AuditStatus) {
	t.Helper()
	if st.PID != prev.PID || st.Enabled != prev.Enabled || st.BacklogLimit != prev.BacklogLimit {
		t.Errorf("%s: pid %d enabled %d backlog_limit %d, was %d %d %d",
			what, st.PID, st.Enabled, st.BacklogLimit, prev.PID, prev.Enabled, prev.BacklogLimit)
	}
}

// restore sets the enabled flag and the backlog limit back to prev's and
// returns the status as the test left it.
func restore(t testing.TB, prev libaudit.AuditStatus) libaudit.AuditStatus {
	t.Helper()
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		t.Errorf("restore audit state: %v", err)
		return prev
	}
	defer c.Close()
	st, err := c.GetStatus()
	if err != nil {
		t.Errorf("restore audit state: %v", err)
		return prev
	}
	if st.Enabled != prev.Enabled {
		if err := c.SetEnabled(prev.Enabled != 0, libaudit.WaitForReply); err != nil {
			t.Errorf("restore audit enabled: %v", err)
		}
	}
	if st.BacklogLimit != prev.BacklogLimit {
		if err := c.SetBacklogLimit(prev.BacklogLimit, libaudit.WaitForReply); err != nil {
			t.Errorf("restore audit backlog limit: %v", err)
		}
	}
	return *st
}

// NoDaemon is Keep for tests that need no audit daemon registered (to
// register themselves, or to read records from the kernel log): it fails
// the test, naming the daemon, when one is.
func NoDaemon(t testing.TB) libaudit.AuditStatus {
	t.Helper()
	clearGone(t)
	prev := Keep(t)
	if prev.PID != 0 {
		t.Fatalf("an audit daemon is registered: pid %d%s; this test needs none (stop it, e.g. systemctl stop auditd)",
			prev.PID, describe(prev.PID))
	}
	return prev
}

// clearGone unregisters a daemon pid the kernel still names though its
// process is gone (a test process killed while registered, say): with
// audit disabled nothing is sent to it, so the kernel never finds out and
// would name it for good, failing every later test that needs no daemon.
// This process registers in its place, as watch does, then unregisters.
func clearGone(t testing.TB) {
	t.Helper()
	st := Status(t)
	if st.PID == 0 || describe(st.PID) != " (gone)" {
		return
	}
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		t.Fatalf("open audit control socket: %v", err)
	}
	defer c.Close()
	if err := c.SetPID(libaudit.WaitForReply); err != nil {
		t.Fatalf("register in place of the gone audit daemon %d: %v", st.PID, err)
	}
	t.Logf("the audit daemon pid %d was gone: unregistered it", st.PID)
}

// describe names the process pid runs, for messages: " (auditd)".
func describe(pid uint32) string {
	if pid == 0 {
		return ""
	}
	if pid == uint32(os.Getpid()) {
		return " (this test process)"
	}
	comm, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/comm")
	if err != nil {
		return " (gone)"
	}
	return " (" + strings.TrimSpace(string(comm)) + ")"
}

// LogAll is a profile that logs every call.
var LogAll = &specs.LinuxSeccomp{DefaultAction: specs.ActLog}

// RunLogged runs args under LogAll in a fresh audit session until it exits,
// with env (KEY=value) added to its environment, and returns the session.
func RunLogged(t testing.TB, env []string, args ...string) uint32 {
	t.Helper()
	var out bytes.Buffer
	c := &sandbox.Cmd{Profile: LogAll, Args: args, Stdout: &out, Stderr: &out}
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

// NoPrintkLimit turns off the kernel's printk rate limit, which would drop
// all but 10 records in 5 s, until the test ends.
func NoPrintkLimit(t testing.TB) {
	t.Helper()
	const path = "/proc/sys/kernel/printk_ratelimit"
	prev, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(path, prev, 0o644); err != nil {
			t.Errorf("restore %s: %v", path, err)
		}
	})
}
