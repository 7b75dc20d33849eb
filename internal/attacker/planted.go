package attacker

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// RefusePlanted plants, in a new directory, what a local user plants where
// a root process will open a file to write: a link to a secret file, a
// FIFO, a link to a device. open must refuse each at once (a FIFO blocks
// an open that does not refuse it: 10 s fails t), with an error refused
// tells, and must write nothing through the link. It returns the directory.
func RefusePlanted(t *testing.T, open func(path string) error, refused func(error) bool) string {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, plant := range map[string]func(string) error{
		"link":   func(p string) error { return os.Symlink(secret, p) },
		"fifo":   func(p string) error { return syscall.Mkfifo(p, 0o666) },
		"device": func(p string) error { return os.Symlink("/dev/full", p) },
	} {
		path := filepath.Join(dir, name)
		if err := plant(path); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- open(path) }()
		select {
		case err := <-done:
			if err == nil || !refused(err) {
				t.Errorf("%s: err = %v, want a refusal", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: opening it blocked", name)
		}
	}
	if got, _ := os.ReadFile(secret); string(got) != "keep\n" {
		t.Errorf("written through the link: %q", got)
	}
	return dir
}
