package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records what Check reports instead of failing the test.
type fakeT struct {
	testing.TB
	failed []string
}

func (f *fakeT) Helper()                           {}
func (f *fakeT) Fatal(args ...any)                 { f.failed = append(f.failed, "fatal") }
func (f *fakeT) Fatalf(format string, args ...any) { f.failed = append(f.failed, format) }
func (f *fakeT) Errorf(format string, args ...any) { f.failed = append(f.failed, format) }

func TestCheck(t *testing.T) {
	defer setUpdate(false)()
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		path string
		got  string
		fail string // what the report says, "" for none
	}{
		{"equal", path, "same\n", ""},
		{"differs", path, "other\n", "differs"},
		{"a byte more", path, "same\n\n", "differs"},
		{"no file", path + ".missing", "same\n", "read golden file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeT{TB: t}
			Check(f, tt.path, tt.got)
			Check(f, tt.path, []byte(tt.got))
			if tt.fail == "" && len(f.failed) > 0 || tt.fail != "" && (len(f.failed) < 2 || !strings.Contains(f.failed[0], tt.fail)) {
				t.Errorf("Check(%q) reported %q; want %q for each form", tt.got, f.failed, tt.fail)
			}
		})
	}
}

func TestCheckUpdate(t *testing.T) {
	defer setUpdate(true)()
	path := filepath.Join(t.TempDir(), "new.golden")
	f := &fakeT{TB: t}
	Check(f, path, "written\n")
	if data, err := os.ReadFile(path); err != nil || string(data) != "written\n" || len(f.failed) > 0 {
		t.Errorf("with -update: file %q, %v; reports %q", data, err, f.failed)
	}
}

// setUpdate sets -update for a test, whatever the binary runs with, and
// returns what puts it back.
func setUpdate(v bool) func() {
	was := *update
	*update = v
	return func() { *update = was }
}
