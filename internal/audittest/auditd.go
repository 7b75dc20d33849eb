//go:build linux

package audittest

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Auditd is an auditd process a test started.
type Auditd struct {
	PID uint32
	cmd *exec.Cmd
	out *Buffer
}

// StartAuditd runs auditd in the foreground until Stop or the end of the
// test, and waits until it registered as the audit daemon. It fails the test
// when a daemon is registered already.
func StartAuditd(t testing.TB) *Auditd {
	t.Helper()
	path, err := exec.LookPath("auditd")
	if err != nil {
		t.Fatalf("auditd is needed (Debian package auditd): %v", err)
	}
	if st := Status(t); st.PID != 0 {
		t.Fatalf("an audit daemon is already registered: pid %d%s", st.PID, describe(st.PID))
	}
	a := &Auditd{cmd: exec.Command(path, "-n"), out: &Buffer{}}
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start auditd: %v", err)
	}
	t.Cleanup(func() { a.Stop(t) })
	pid := uint32(a.cmd.Process.Pid)
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if Status(t).PID == pid {
			a.PID = pid
			return a
		}
	}
	t.Fatalf("auditd did not register: %s", a.out.String())
	return nil
}

// Stop stops auditd (SIGTERM, then SIGKILL after 10 s) and waits until it
// is no longer registered.
func (a *Auditd) Stop(t testing.TB) {
	t.Helper()
	if a.cmd.ProcessState != nil {
		return // stopped already
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		a.cmd.Process.Kill()
		<-done
	}
	pid := uint32(a.cmd.Process.Pid)
	for range 250 { // auditd unregisters as it exits
		if Status(t).PID != pid {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("auditd %d still registered after it exited: %s", pid, a.out.String())
}
