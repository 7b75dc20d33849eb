package containers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/safefile"
)

// TestCreatePIDMapPlanted: --pid-map is opened as --tee is: a link, a
// FIFO or a device planted at its path is refused at once (root would
// append through a link to any file), and so is a directory any user can
// write; a regular file is appended to.
func TestCreatePIDMapPlanted(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("keep\n"), 0o600)
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
		go func() {
			w, err := CreatePIDMap(path)
			if err == nil {
				w.AddProcess(1, time.Now(), nil)
				w.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "pid map") {
				t.Errorf("%s: err = %v, want a refusal", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: opening the pid map blocked", name)
		}
	}
	if got, _ := os.ReadFile(secret); string(got) != "keep\n" {
		t.Errorf("written through the link: %q", got)
	}

	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if _, err := CreatePIDMap(filepath.Join(open, "pids.map")); !errors.Is(err, safefile.ErrUnsafeDir) {
		t.Errorf("in a directory any user can write: err = %v, want ErrUnsafeDir", err)
	}

	path := filepath.Join(dir, "pids.map")
	os.WriteFile(path, []byte("{\"pid\":1,\"start\":\"2026-01-01T00:00:00Z\"}\n"), 0o644)
	w, err := CreatePIDMap(path)
	if err != nil {
		t.Fatal(err)
	}
	w.AddProcess(2, time.Unix(1795880000, 0), nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadPIDMapFile(path); err != nil || len(m.procs) != 2 {
		t.Errorf("appended map: %v, %v", m, err)
	}
}
