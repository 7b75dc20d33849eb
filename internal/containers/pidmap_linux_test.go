package containers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/attacker"
	"github.com/recorder-dev/recorder/safefile"
)

// TestCreatePIDMapPlanted: --pid-map is opened as --tee is: a link, a
// FIFO or a device planted at its path is refused at once (root would
// append through a link to any file), and so is a directory any user can
// write; a regular file is appended to.
func TestCreatePIDMapPlanted(t *testing.T) {
	dir := attacker.RefusePlanted(t, func(path string) error {
		w, err := CreatePIDMap(path)
		if err == nil {
			w.AddProcess(1, time.Now(), nil)
			w.Close()
		}
		return err
	}, func(err error) bool { return strings.Contains(err.Error(), "pid map") })

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
