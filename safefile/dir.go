package safefile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Dir is a directory opened to write files in. It is checked once, when
// opened, and every file is then made through its descriptor (openat,
// renameat): renaming or replacing the directory's path afterwards changes
// nothing. A file is written as a fresh temporary file beside its name and
// renamed over it, so whatever was at the name (a link, a FIFO) is
// replaced, never followed or opened; a device node there is refused
// (ErrDevice). A Dir is not safe for concurrent use.
type Dir struct {
	f      *os.File
	path   string
	staged []staged
}

// staged is a temporary file written by Stage, renamed by Commit.
type staged struct{ tmp, name string }

// tempMark is in the name of every temporary file a Dir makes:
// ".NAME" + tempMark + digits. RemoveTemps removes those a killed process
// left.
const tempMark = ".recorder-tmp-"

// OpenDir opens the directory path under the package's rules: no link
// another user controls on the way (ErrUnsafeLink), and a directory no
// user but root, the caller and the invoking user of sudo can put or
// replace anything in (ErrUnsafeDir, with why).
func OpenDir(path string) (*Dir, error) { return openDir(path, false) }

// MakeDir is OpenDir, making the directories missing on the way first
// (mode 0755), under the same link rule.
func MakeDir(path string) (*Dir, error) { return openDir(path, true) }

func openDir(path string, create bool) (*Dir, error) {
	if path == "" {
		path = "."
	}
	fd, err := openDirFD(path, create)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if err := checkDir(path, uint32(st.Mode), st.Uid, st.Gid, current()); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &Dir{f: os.NewFile(uintptr(fd), path), path: path}, nil
}

// checkDir is OpenDir's rule, for a directory of mode, owner uid and group
// gid, and a caller c.
func checkDir(path string, mode, uid, gid uint32, c caller) error {
	perm := mode & 0o7777
	switch {
	case uid != c.euid && uid != 0 && uid != c.invoker:
		return fmt.Errorf("%w: %s belongs to uid %d, who can plant links and files in it; use a directory of your own (or chown it)", ErrUnsafeDir, path, uid)
	case perm&unix.S_ISVTX != 0:
		return nil // others can add names, but never replace or remove the caller's
	case perm&0o002 != 0:
		return fmt.Errorf("%w: any user can write in %s (mode %04o), and plant links and files in it; chmod o-w or +t it, or use another directory", ErrUnsafeDir, path, perm)
	case perm&0o020 != 0 && gid != 0 && (c.euid == 0 || gid != c.egid):
		return fmt.Errorf("%w: group %d can write in %s (mode %04o), and its members plant links and files in it; chmod g-w it, or use another directory", ErrUnsafeDir, gid, path, perm)
	}
	return nil
}

// Removed reports whether the directory was removed since it was opened
// (it has no name left: nothing written in it can be found).
func (d *Dir) Removed() bool {
	var st unix.Stat_t
	return unix.Fstat(d.fd(), &st) == nil && st.Nlink == 0
}

// Path returns the path the directory was opened by.
func (d *Dir) Path() string { return d.path }

// Close closes the directory, removing what Stage left uncommitted.
func (d *Dir) Close() error {
	d.Abort()
	return d.f.Close()
}

func (d *Dir) fd() int { return int(d.f.Fd()) }

// WriteFile writes data to the file name in d with perm, atomically: a
// temporary file is written and synced, then renamed over name. The
// directory itself is not synced: call Sync once after a batch.
func (d *Dir) WriteFile(name string, data []byte, perm os.FileMode) error {
	tmp, err := d.writeTemp(name, data, perm, true)
	if err != nil {
		return err
	}
	if err := unix.Renameat(d.fd(), tmp, d.fd(), name); err != nil {
		unix.Unlinkat(d.fd(), tmp, 0)
		return &os.PathError{Op: "rename", Path: name, Err: err}
	}
	return nil
}

// Stage writes data to a temporary file beside name, not synced yet;
// Commit makes every staged file durable and renames it over its name.
func (d *Dir) Stage(name string, data []byte, perm os.FileMode) error {
	tmp, err := d.writeTemp(name, data, perm, false)
	if err != nil {
		return err
	}
	d.staged = append(d.staged, staged{tmp, name})
	return nil
}

// Commit makes the staged files durable (one syncfs on Linux, where a sync
// per file would take one journal commit each), renames each over its name
// and syncs the directory once. A file is thus renamed only after its data
// reached the disk: after a crash its name holds the old file or the new
// one, whole. When the data cannot be synced nothing is renamed.
func (d *Dir) Commit() error {
	if len(d.staged) == 0 {
		return nil
	}
	if err := d.syncStaged(); err != nil {
		d.Abort()
		return fmt.Errorf("sync files in %s: %w", d.path, err)
	}
	var errs []error
	for _, s := range d.staged {
		if err := unix.Renameat(d.fd(), s.tmp, d.fd(), s.name); err != nil {
			unix.Unlinkat(d.fd(), s.tmp, 0)
			errs = append(errs, &os.PathError{Op: "rename", Path: s.name, Err: err})
		}
	}
	d.staged = d.staged[:0]
	if err := d.Sync(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Abort removes the staged files.
func (d *Dir) Abort() {
	for _, s := range d.staged {
		unix.Unlinkat(d.fd(), s.tmp, 0)
	}
	d.staged = d.staged[:0]
}

// dirSyncs counts directory syncs, for tests.
var dirSyncs atomic.Int64

// Sync makes the renames in d durable.
func (d *Dir) Sync() error {
	dirSyncs.Add(1)
	if err := d.f.Sync(); err != nil && !errors.Is(err, unix.EINVAL) { // some file systems cannot sync a directory
		return fmt.Errorf("sync directory %s: %w", d.path, err)
	}
	return nil
}

// writeTemp writes data with perm to a new temporary file for name and
// returns the temporary file's name.
func (d *Dir) writeTemp(name string, data []byte, perm os.FileMode, sync bool) (_ string, err error) {
	if !fileName(name) {
		return "", fmt.Errorf("write %q: not a file name", name)
	}
	if err := d.notDevice(name); err != nil {
		return "", err
	}
	var fd int
	var tmp string
	for try := 0; ; try++ {
		tmp = "." + name + tempMark + strconv.FormatUint(uint64(rand.Uint32()), 10)
		fd, err = unix.Openat(d.fd(), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EEXIST) || try == 100 {
			return "", &os.PathError{Op: "create", Path: d.path + "/" + tmp, Err: err}
		}
	}
	f := os.NewFile(uintptr(fd), tmp)
	defer func() {
		if err != nil {
			f.Close()
			unix.Unlinkat(d.fd(), tmp, 0)
		}
	}()
	if _, err = writeData(f, data); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	if err = f.Chmod(perm); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	if sync {
		if err = f.Sync(); err != nil {
			return "", fmt.Errorf("write %s: sync: %w", name, err)
		}
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("write %s: close: %w", name, err)
	}
	return tmp, nil
}

// notDevice refuses a character or block device at name: renaming a file
// over a device node is never meant, whichever path led here (a working
// directory of /dev, a link to it). The directory no other user can write
// (OpenDir), nobody else can put one there after this look.
func (d *Dir) notDevice(name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil // nothing there (or what cannot be looked at: the rename will say)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR, unix.S_IFBLK:
		return fmt.Errorf("%w: %s/%s", ErrDevice, d.path, name)
	}
	return nil
}

// isDir reports whether name in d is a directory (not through a link), which
// a file would never replace.
func (d *Dir) isDir(name string) bool {
	var st unix.Stat_t
	return unix.Fstatat(d.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

// writeData writes the data of a file; tests replace it to fail the way a
// full disk does.
var writeData = (*os.File).Write

// OpenAppend opens the file name in d for appending (a capture that grows),
// creating it with perm if need be. Never through a link (O_NOFOLLOW), never
// blocking on a FIFO: it must be a regular file of the caller's, root's or
// the invoking user's, with no other name (a hard link to a file elsewhere
// is refused).
func (d *Dir) OpenAppend(name string, perm os.FileMode) (*os.File, error) {
	if !fileName(name) {
		return nil, fmt.Errorf("open %q: not a file name", name)
	}
	fd, err := unix.Openat(d.fd(), name, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: d.path + "/" + name, Err: err}
	}
	var st unix.Stat_t
	c := current()
	err = unix.Fstat(fd, &st)
	switch {
	case err != nil:
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		err = fmt.Errorf("%s/%s is not a regular file", d.path, name)
	case st.Uid != c.euid && st.Uid != 0 && st.Uid != c.invoker:
		err = fmt.Errorf("%w: %s/%s belongs to uid %d", ErrUnsafeDir, d.path, name, st.Uid)
	case st.Nlink != 1:
		err = fmt.Errorf("%w: %s/%s has %d names (a hard link to a file elsewhere?)", ErrUnsafeDir, d.path, name, st.Nlink)
	default:
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), d.path+"/"+name), nil
}

// Open opens the file name in d for reading, never through a link nor
// blocking on a FIFO, and returns its owner: the caller decides whether
// that owner's file is to be trusted.
func (d *Dir) Open(name string) (*os.File, uint32, error) {
	if !fileName(name) {
		return nil, 0, fmt.Errorf("open %q: not a file name", name)
	}
	fd, err := unix.Openat(d.fd(), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, &os.PathError{Op: "open", Path: d.path + "/" + name, Err: err}
	}
	var st unix.Stat_t
	if err = unix.Fstat(fd, &st); err == nil && st.Mode&unix.S_IFMT != unix.S_IFREG {
		err = fmt.Errorf("%w: %s/%s", ErrNotRegular, d.path, name)
	}
	if err == nil {
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		unix.Close(fd)
		return nil, 0, err
	}
	return os.NewFile(uintptr(fd), d.path+"/"+name), st.Uid, nil
}

// Remove removes the file name from d (not a directory).
func (d *Dir) Remove(name string) error {
	if !fileName(name) {
		return fmt.Errorf("remove %q: not a file name", name)
	}
	if err := unix.Unlinkat(d.fd(), name, 0); err != nil {
		return &os.PathError{Op: "remove", Path: d.path + "/" + name, Err: err}
	}
	return nil
}

// SetAside gives the file name in d a new name, name.invalid, or
// name.invalid.N for the first N free, and returns it: a new link, made
// only where no file is (link(2) never replaces one), then the old name
// removed. What the file holds is kept as it was.
func (d *Dir) SetAside(name string) (string, error) {
	if !fileName(name) {
		return "", fmt.Errorf("set aside %q: not a file name", name)
	}
	for i := 0; i < 100; i++ {
		aside := name + ".invalid"
		if i > 0 {
			aside += "." + strconv.Itoa(i)
		}
		err := unix.Linkat(d.fd(), name, d.fd(), aside, 0)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return "", &os.PathError{Op: "set aside", Path: d.path + "/" + name, Err: err}
		}
		return aside, d.Remove(name)
	}
	return "", fmt.Errorf("set aside %s/%s: 100 names taken", d.path, name)
}

// Names returns the names in d.
func (d *Dir) Names() ([]string, error) {
	names, err := d.f.Readdirnames(-1)
	if _, serr := d.f.Seek(0, 0); err == nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", d.path, err)
	}
	return names, nil
}

// Chown gives d and the regular files in it to uid, gid (links are not
// followed).
func (d *Dir) Chown(uid, gid int) error {
	names, err := d.Names()
	if err != nil {
		return err
	}
	errs := []error{d.f.Chown(uid, gid)}
	for _, name := range names {
		var st unix.Stat_t
		if unix.Fstatat(d.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			errs = append(errs, unix.Fchownat(d.fd(), name, uid, gid, unix.AT_SYMLINK_NOFOLLOW))
		}
	}
	return errors.Join(errs...)
}

// OpenAppendFile opens path for appending as Dir.OpenAppend does, in its
// directory opened with OpenDir: the directory must be one no other user
// can plant a link in, reached through no link another user controls, and
// the file a regular file of the caller's or root's, never followed
// through a link nor blocking on a FIFO. For the files a daemon appends
// to as root (watch --tee, --pid-map).
func OpenAppendFile(path string, perm os.FileMode) (*os.File, error) {
	if strings.HasSuffix(path, "/") {
		return nil, fmt.Errorf("open %q: not a file name", path)
	}
	dir, err := OpenDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	return dir.OpenAppend(filepath.Base(path), perm)
}

// Foreign is a file of another user's that the recorder left alone.
type Foreign struct {
	Name string
	UID  uint32
}

// RemoveTemps removes the temporary files a process killed while writing
// in d left there: regular files of the caller's named ".NAME" + tempMark
// + digits. It returns how many it removed, and the files named so that
// belong to another user, which it leaves alone.
func (d *Dir) RemoveTemps() (int, []Foreign, error) {
	names, err := d.Names()
	if err != nil {
		return 0, nil, err
	}
	n, euid := 0, uint32(os.Geteuid())
	var others []Foreign
	for _, name := range names {
		i := strings.LastIndex(name, tempMark)
		if name[0] != '.' || i < 1 || !digits(name[i+len(tempMark):]) {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(d.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		if st.Uid != euid {
			others = append(others, Foreign{name, st.Uid})
			continue
		}
		if unix.Unlinkat(d.fd(), name, 0) == nil {
			n++
		}
	}
	return n, others, nil
}

func fileName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsRune(name, '/')
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
