package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWriteRefusesDeviceNode: a character or block device at the target is
// never replaced, whatever the path says: the /dev guard of WriteFileAtomic
// looked at the text alone, so "cd /dev; -o null", or a path through a link
// to /dev, renamed a file over the node. The nodes are made here with
// mknod in a temporary directory (the real /dev is never touched); nothing
// opens them.
func TestWriteRefusesDeviceNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make device nodes")
	}
	devdir := filepath.Join(t.TempDir(), "dev")
	if err := os.Mkdir(devdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]uint32{"null": syscall.S_IFCHR, "loop9": syscall.S_IFBLK} {
		if err := syscall.Mknod(filepath.Join(devdir, name), mode|0o600, int(unix.Mkdev(1, 3))); err != nil {
			t.Fatalf("mknod %s: %v", name, err)
		}
	}
	link := filepath.Join(t.TempDir(), "devlink")
	if err := os.Symlink(devdir, link); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrDevice) {
			t.Errorf("%s: err = %v, want ErrDevice", what, err)
		}
	}
	check("char device by its path", WriteFileAtomic(filepath.Join(devdir, "null"), []byte("{}\n"), 0o644))
	check("block device by its path", WriteFileAtomic(filepath.Join(devdir, "loop9"), []byte("{}\n"), 0o644))
	check("through a linked directory", WriteFileAtomic(filepath.Join(link, "null"), []byte("{}\n"), 0o644))
	_, err := OpenTarget(filepath.Join(link, "loop9"))
	check("a Target through a linked directory", err)
	d, err := OpenDir(link)
	if err != nil {
		t.Fatal(err)
	}
	check("Dir.Stage", d.Stage("loop9", []byte("{}\n"), 0o644))
	d.Commit()
	d.Close()
	t.Chdir(devdir)
	check("relative to the working directory", WriteFileAtomic("null", []byte("{}\n"), 0o644))
	for name, mode := range map[string]uint32{"null": syscall.S_IFCHR, "loop9": syscall.S_IFBLK} {
		var st syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(devdir, name), &st); err != nil || st.Mode&syscall.S_IFMT != mode {
			t.Errorf("%s was replaced: mode %o, %v", name, st.Mode, err)
		}
	}
	onlyFiles(t, devdir, "loop9", "null")
}
