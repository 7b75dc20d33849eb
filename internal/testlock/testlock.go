// Package testlock serialises tests that change where the kernel sends audit
// records (registering as the audit daemon, starting auditd, changing the
// printk rate limit) or that read records from the kernel log. Packages' tests
// run in parallel processes under 'go test ./...': each such test takes the
// lock first.
package testlock

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// Path is the lock file shared by every test process on the machine.
const Path = "/tmp/recorder-kernel-audit.lock"

// Kernel takes the machine-wide lock for the rest of the test: it is
// released by t.Cleanup, after the test's own cleanups registered later.
func Kernel(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(Path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("open test lock: %v", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", Path, err)
	}
	t.Cleanup(func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	})
}
