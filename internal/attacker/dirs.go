package attacker

import (
	"os"
	"path/filepath"
	"testing"
)

// WritableDirs makes two directories any user can write, as a careless
// admin or /tmp leaves them: open (0777) and sticky (0777 and sticky, as
// /tmp), both of the caller's.
func WritableDirs(t *testing.T) (open, sticky string) {
	t.Helper()
	base := t.TempDir()
	open, sticky = filepath.Join(base, "open"), filepath.Join(base, "sticky")
	for dir, mode := range map[string]os.FileMode{open: 0o777, sticky: 0o777 | os.ModeSticky} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
	}
	return open, sticky
}
