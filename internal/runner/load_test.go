package runner

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadProfileError: a profile that cannot be read, or that the sandbox
// cannot apply, is a *ProfileError saying which, naming no flag (the
// command words it: --profile).
func TestLoadProfileError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"defaultAction":"SCMP_ACT_NO_SUCH"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path  string
		apply bool
	}{
		{filepath.Join(dir, "missing.json"), false},
		{bad, false},
	} {
		_, err := LoadProfile(tt.path, 0, io.Discard)
		var pe *ProfileError
		if !errors.As(err, &pe) || pe.Apply != tt.apply || pe.Path != tt.path || strings.Contains(err.Error(), "--") {
			t.Errorf("LoadProfile(%s): %v, want a *ProfileError (Apply %v) naming no flag", tt.path, err, tt.apply)
		}
	}
}
