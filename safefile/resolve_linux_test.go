package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is a uid no test runs as: the owner of the links and directories
// the rule refuses (made with lchown, as root).
const nobody = 65534

// TestOpenDirLinks is the link rule, through openat2 and through the walk
// a kernel without openat2 (ENOSYS) gets: a link of root's in a directory
// only root can write is followed; a link of another user's, or one in a
// directory another user owns or anyone can write, is refused with
// ErrUnsafeLink, wherever it is on the path; a loop of links ends.
func TestOpenDirLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give links to another user")
	}
	base := t.TempDir()
	real := filepath.Join(base, "real")
	mkdirs(t, filepath.Join(real, "sub"))
	mk := func(dir string, mode os.FileMode, uid int) string {
		t.Helper()
		mkdirs(t, dir)
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(dir, uid, uid); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	link := func(path, to string, uid int) string {
		t.Helper()
		if err := os.Symlink(to, path); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(path, uid, uid); err != nil {
			t.Fatal(err)
		}
		return path
	}
	rootDir := mk(filepath.Join(base, "rootdir"), 0o755, 0)
	theirs := mk(filepath.Join(base, "theirs"), 0o755, nobody)
	open := mk(filepath.Join(base, "open"), 0o777, 0)
	sticky := mk(filepath.Join(base, "sticky"), 0o777|os.ModeSticky, 0)
	for _, tt := range []struct {
		name, path string
		err        error
	}{
		{"no link", filepath.Join(real, "sub"), nil},
		{"root's link, root's dir", filepath.Join(link(filepath.Join(rootDir, "l"), real, 0), "sub"), nil},
		{"root's relative link", filepath.Join(link(filepath.Join(rootDir, "rel"), "../real/sub", 0)), nil},
		{"root's link in a sticky dir", link(filepath.Join(sticky, "rootl"), real, 0), nil},
		{"another user's link, last", link(filepath.Join(rootDir, "theirs"), real, nobody), ErrUnsafeLink},
		{"another user's link, above", filepath.Join(link(filepath.Join(rootDir, "theirs2"), real, nobody), "sub"), ErrUnsafeLink},
		{"another user's link in a sticky dir", link(filepath.Join(sticky, "l"), real, nobody), ErrUnsafeLink},
		{"root's link in another user's dir", filepath.Join(link(filepath.Join(theirs, "l"), real, 0), "sub"), ErrUnsafeLink},
		{"root's link in a world-writable dir", link(filepath.Join(open, "l"), real, 0), ErrUnsafeLink},
		{"a loop", link(filepath.Join(rootDir, "loop"), "loop", 0), syscall.ELOOP},
		{"missing", filepath.Join(base, "none"), os.ErrNotExist},
	} {
		for _, walkOnly := range []bool{false, true} {
			noOpenat2 = walkOnly
			d, err := OpenDir(tt.path)
			noOpenat2 = false
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Errorf("%s (walk only %v): OpenDir(%s) = %v, want %v", tt.name, walkOnly, tt.path, err, tt.err)
			}
			if err == nil {
				d.Close()
			}
		}
	}
}

// TestMakeDirLinks: MakeDir makes the missing directories under the same
// rule: through root's link, never through another user's, and a link
// dangling into a missing directory is not a directory to make.
func TestMakeDirLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give links to another user")
	}
	base := t.TempDir()
	real := filepath.Join(base, "real")
	mkdirs(t, real)
	os.Symlink(real, filepath.Join(base, "root"))
	os.Symlink(real, filepath.Join(base, "theirs"))
	os.Lchown(filepath.Join(base, "theirs"), nobody, nobody)
	for _, walkOnly := range []bool{false, true} {
		noOpenat2 = walkOnly
		d, err := MakeDir(filepath.Join(base, "root", "a", "b"))
		if err != nil {
			t.Fatalf("through root's link (walk only %v): %v", walkOnly, err)
		}
		d.Close()
		if _, err := MakeDir(filepath.Join(base, "theirs", "c")); !errors.Is(err, ErrUnsafeLink) {
			t.Errorf("through another user's link (walk only %v): %v", walkOnly, err)
		}
		noOpenat2 = false
	}
	if _, err := os.Stat(filepath.Join(real, "a", "b")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(real, "c")); err == nil {
		t.Error("made a directory through another user's link")
	}
}

// TestWalkRelative: the walk starts from the working directory for a
// relative path, and from / for an absolute one, also after a link.
func TestWalkRelative(t *testing.T) {
	base := t.TempDir()
	mkdirs(t, filepath.Join(base, "a", "b"))
	t.Chdir(base)
	noOpenat2 = true
	defer func() { noOpenat2 = false }()
	for _, p := range []string{"a/b", "./a/../a/b", "a/b/", filepath.Join(base, "a", "b")} {
		d, err := OpenDir(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var st syscall.Stat_t
		syscall.Fstat(int(d.f.Fd()), &st)
		var want syscall.Stat_t
		syscall.Stat(filepath.Join(base, "a", "b"), &want)
		if st.Ino != want.Ino {
			t.Errorf("%s: opened another directory", p)
		}
		d.Close()
	}
	if _, err := OpenDir("a/none"); err == nil || !strings.Contains(err.Error(), "a/none") {
		t.Errorf("missing: %v", err)
	}
}

func mkdirs(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
