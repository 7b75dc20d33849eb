package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/attacker"
)

// TestWriteFileAtomicFull fails the write the way a full disk does: the old
// file must stay whole, and no temporary file may be left.
func TestWriteFileAtomicFull(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(old func(*os.File, []byte) (int, error)) { writeData = old }(writeData)
	writeData = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2])
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	err := WriteFileAtomic(path, []byte("new content that does not fit\n"), 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error = %v; want the write's", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Errorf("content after a failed write = %q", got)
	}
	onlyFiles(t, dir, "p.json")
}

func TestWriteFileAtomicBadPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The target is a directory: the rename fails after the data was written.
	if err := WriteFileAtomic(filepath.Join(dir, "sub"), []byte("x"), 0o644); err == nil {
		t.Error("writing over a directory succeeded")
	}
	// The directory does not exist: not even a temporary file.
	if err := WriteFileAtomic(filepath.Join(dir, "none", "p.json"), []byte("x"), 0o644); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %v; want ErrNotExist", err)
	}
	onlyFiles(t, dir, "sub")
}

func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %q; want %q", dir, got, want)
	}
}

// TestWriteFileAtomicReplacesWhatIsThere is reproducer 1 of issue 11 at the
// lowest level: a symbolic link (to a file elsewhere, dangling, or to a
// device), a hard link, or a FIFO at the target is replaced by a regular
// file; the file a link leads to is never written, and a FIFO is never
// opened (which would block until a reader came). It used to write through
// links (filepath.EvalSymlinks, which sidesteps protected_symlinks) and to
// open FIFOs and devices in place.
func TestWriteFileAtomicReplacesWhatIsThere(t *testing.T) {
	elsewhere := t.TempDir()
	secret := filepath.Join(elsewhere, "shadow")
	if err := os.WriteFile(secret, []byte("root:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, plant := range map[string]func(path string) error{
		"symlink":  func(p string) error { return os.Symlink(secret, p) },
		"dangling": func(p string) error { return os.Symlink(filepath.Join(elsewhere, "nowhere"), p) },
		"device":   func(p string) error { return os.Symlink("/dev/null", p) },
		"hardlink": func(p string) error { return os.Link(secret, p) },
		"fifo":     func(p string) error { return syscall.Mkfifo(p, 0o666) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "ls.json")
			if err := plant(path); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- WriteFileAtomic(path, []byte("{}\n"), 0o644) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("WriteFileAtomic blocked on what was planted at the target")
			}
			st, err := os.Lstat(path)
			if err != nil || !st.Mode().IsRegular() {
				t.Fatalf("target is %v (%v), want a regular file", st.Mode(), err)
			}
			if got, _ := os.ReadFile(path); string(got) != "{}\n" {
				t.Errorf("target holds %q", got)
			}
			if got, _ := os.ReadFile(secret); string(got) != "root:secret\n" {
				t.Errorf("the file the link led to was written: %q", got)
			}
			onlyFiles(t, dir, "ls.json")
		})
	}
}

// TestCheckDir is OpenDir's rule for who else can write in the directory.
func TestCheckDir(t *testing.T) {
	const root, me, other = 0, 1000, 1001
	for _, tt := range []struct {
		name           string
		mode, uid, gid uint32
		euid, egid     uint32
		ok             bool
		why            string
	}{
		{"mine", 0o755, me, me, me, me, true, ""},
		{"root's as root", 0o755, root, root, root, root, true, ""},
		{"root's as a user", 0o755, root, root, me, me, true, ""},
		{"another user's", 0o755, other, other, root, root, false, "belongs to uid 1001"},
		{"the invoking user's", 0o755, other, other, root, root, true, ""},
		{"the invoking user's, world-writable", 0o777, other, other, root, root, false, "any user can write"},
		{"the invoking user's, group-writable", 0o775, other, other, root, root, false, "group 1001 can write"},
		{"another user's, sticky", 0o1777, other, other, root, root, false, "belongs to uid 1001"},
		{"world-writable", 0o777, root, root, root, root, false, "any user can write"},
		{"world-writable, mine", 0o777, me, me, me, me, false, "any user can write"},
		{"/tmp", 0o1777, root, root, root, root, true, ""},
		{"sticky, mine", 0o1777, me, me, me, me, true, ""},
		{"group-writable, root's group", 0o775, root, root, root, root, true, ""},
		{"group-writable, staff", 0o775, root, 50, root, root, false, "group 50 can write"},
		{"group-writable, my own group", 0o775, me, me, me, me, true, ""},
		{"group-writable, another group", 0o775, me, 50, me, me, false, "group 50 can write"},
	} {
		c := caller{tt.euid, tt.egid, tt.euid}
		if strings.HasPrefix(tt.name, "the invoking user's") {
			c.invoker = other
		}
		err := checkDir("D", tt.mode|syscall.S_IFDIR, tt.uid, tt.gid, c)
		if (err == nil) != tt.ok || (err != nil && (!errors.Is(err, ErrUnsafeDir) || !strings.Contains(err.Error(), tt.why))) {
			t.Errorf("%s: err = %v; want ok=%v, %q", tt.name, err, tt.ok, tt.why)
		}
	}
}

// TestOpenDirRefuses: WriteFileAtomic and Output refuse a world-writable
// directory, and say why; a sticky one of the caller's is taken.
func TestOpenDirRefuses(t *testing.T) {
	open, sticky := attacker.WritableDirs(t)
	err := WriteFileAtomic(filepath.Join(open, "p.json"), []byte("{}"), 0o644)
	if !errors.Is(err, ErrUnsafeDir) || !strings.Contains(err.Error(), "any user can write") {
		t.Errorf("world-writable dir: err = %v", err)
	}
	onlyFiles(t, open)
	if _, err := MakeDir(open); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("MakeDir of a world-writable dir: err = %v", err)
	}
	if err := WriteFileAtomic(filepath.Join(sticky, "p.json"), []byte("{}"), 0o644); err != nil {
		t.Errorf("sticky dir of the caller: %v", err)
	}
}

// TestOpenDirOtherOwner needs root: a directory another user owns is
// refused, as root's replay into a /tmp/profiles made first by someone else.
func TestOpenDirOtherOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	dir := filepath.Join(t.TempDir(), "profiles")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(filepath.Join(dir, "p.json"), []byte("{}"), 0o644)
	if !errors.Is(err, ErrUnsafeDir) || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("err = %v, want ErrUnsafeDir naming the owner", err)
	}
	onlyFiles(t, dir)
}

// TestDirCommitOneSync is reproducer 3's "-d: an fsync per file": staging
// many files and committing them syncs the directory once, and leaves no
// temporary file.
func TestDirCommitOneSync(t *testing.T) {
	dir := t.TempDir()
	d, err := MakeDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const files = 200
	for i := range files {
		name := "g" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".json"
		if err := d.Stage(name, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := dirSyncs.Load()
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := dirSyncs.Load() - before; n != 1 {
		t.Errorf("%d directory syncs for %d files, want 1", n, files)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != files {
		t.Errorf("%d files for %d staged", len(entries), files)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestDirRemoveTemps removes what a killed writer left, and nothing else.
func TestDirRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.json", ".a.json" + tempMark + "123", ".b.json" + tempMark + "x", "c" + tempMark + "1", ".keep"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n, others, err := d.RemoveTemps(); n != 1 || len(others) != 0 || err != nil {
		t.Errorf("removed %d, %v, %v; want 1", n, others, err)
	}
	onlyFiles(t, dir, ".b.json"+tempMark+"x", ".keep", "a.json", "c"+tempMark+"1")
}

// TestWriteFileAtomicDev: a path in /dev is never replaced by a file (as
// root, a rename over /dev/null would replace the device): /dev/null
// discards, any other is ErrDevice.
func TestWriteFileAtomicDev(t *testing.T) {
	if err := WriteFileAtomic("/dev/null", []byte("x"), 0o644); err != nil {
		t.Errorf("/dev/null: %v", err)
	}
	for _, p := range []string{"/dev/stderr", "/dev/sda", "/dev/../dev/full"} {
		if err := WriteFileAtomic(p, []byte("x"), 0o644); !errors.Is(err, ErrDevice) {
			t.Errorf("%s: err = %v, want ErrDevice", p, err)
		}
	}
	if st, err := os.Lstat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is now %v (%v)", st.Mode(), err)
	}
}

// TestOpenAppendFile: the path's directory is checked as OpenDir checks
// it, the file is appended to, and a path that names a directory is no
// file. (Links, FIFOs and devices at the path: the tests of its callers,
// watch --tee and --pid-map.)
func TestOpenAppendFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	os.WriteFile(path, []byte("a\n"), 0o644)
	f, err := OpenAppendFile(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("b\n")
	f.Close()
	if got, _ := os.ReadFile(path); string(got) != "a\nb\n" {
		t.Errorf("file holds %q", got)
	}
	for _, bad := range []string{dir + "/", filepath.Join(dir, "missing", "log"), dir + "/.."} {
		if f, err := OpenAppendFile(bad, 0o644); err == nil {
			f.Close()
			t.Errorf("OpenAppendFile(%q): no error", bad)
		}
	}
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if _, err := OpenAppendFile(filepath.Join(open, "log"), 0o644); !errors.Is(err, ErrUnsafeDir) {
		t.Errorf("in a directory any user can write: %v", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	for _, data := range []string{"first\n", "second, longer\n"} {
		if err := WriteFileAtomic(path, []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Errorf("content = %q, %v; want %q", got, err, data)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, %v; want 0640", fi.Mode(), err)
	}
	onlyFiles(t, dir, "p.json")
}

// TestOpenTargetChecksFirst: OpenTarget refuses at once what the write at
// the end would fail on: a directory at the name, a missing directory, a
// directory any user can write.
func TestOpenTargetChecksFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	for path, want := range map[string]string{
		filepath.Join(dir, "sub"):            "is a directory",
		filepath.Join(dir, "none", "p.json"): "no such file",
		filepath.Join(open, "p.json"):        "any user can write",
		filepath.Join(dir, "sub") + "/":      "not a file name",
	} {
		if tg, err := OpenTarget(path); err == nil || !strings.Contains(err.Error(), want) {
			if err == nil {
				tg.Close()
			}
			t.Errorf("OpenTarget(%s) = %v, want %q", path, err, want)
		}
	}
	tg, err := OpenTarget(filepath.Join(dir, "p.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if err := tg.Write(nil, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "p.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("written: %v, %v", st.Mode(), err)
	}
}
