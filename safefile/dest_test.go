package safefile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteOutput: the one meaning of an output path, whoever writes it.
func TestWriteOutput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "out.txt")
	for _, tt := range []struct {
		path string
		dest Dest
		err  error
	}{
		{"", DestStdout, nil},
		{"-", DestStdout, nil},
		{"/dev/stdout", DestStdout, nil},
		{"/dev/fd/1", DestStdout, nil},
		{"/proc/self/fd/1", DestStdout, nil},
		{"/dev/null", DestNull, nil},
		{"/dev/./null", DestNull, nil},
		{"/dev/full", DestFile, ErrDevice},
		{"/dev/../dev/sda", DestFile, ErrDevice},
		{"/dev/stderr", DestFile, ErrDevice},
		{file, DestFile, nil},
	} {
		dest, err := OutputDest(tt.path)
		if dest != tt.dest || !errors.Is(err, tt.err) {
			t.Errorf("OutputDest(%q) = %v, %v; want %v, %v", tt.path, dest, err, tt.dest, tt.err)
		}
		var w bytes.Buffer
		err = WriteOutput(tt.path, &w, []byte("data\n"))
		got, _ := os.ReadFile(file)
		switch {
		case !errors.Is(err, tt.err):
			t.Errorf("WriteOutput(%q): %v; want %v", tt.path, err, tt.err)
		case tt.dest == DestStdout && w.String() != "data\n":
			t.Errorf("WriteOutput(%q) wrote %q to w", tt.path, w.String())
		case tt.dest != DestStdout && w.Len() > 0:
			t.Errorf("WriteOutput(%q) wrote %q to w", tt.path, w.String())
		case tt.path == file && string(got) != "data\n":
			t.Errorf("WriteOutput(%q) wrote %q to the file", tt.path, got)
		}
	}
	if err := WriteOutput("-", nil, []byte("x")); err == nil {
		t.Error(`WriteOutput("-") with no writer: no error`)
	}
}

// TestSameOutput: two outputs clash when they go to one place.
func TestSameOutput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("a", nil, 0o644)
	os.Symlink("a", "link")
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"-", "/dev/stdout", true},
		{"", "-", true},
		{"/dev/null", "/dev/null", false},
		{"-", "/dev/null", false},
		{"a", "a", true},
		{"a", "./a", true},
		{"a", filepath.Join(dir, "a"), true},
		{"new", filepath.Join(dir, "new"), true},
		{"a", "link", false}, // a write replaces the link, not a
		{"a", "b", false},
		{"/dev/full", "/dev/full", false}, // refused anyway
	} {
		if got := SameOutput(tt.a, tt.b); got != tt.same {
			t.Errorf("SameOutput(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
