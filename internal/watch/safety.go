package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
	"github.com/recorder-dev/recorder/source"
)

// OptionError is a Config value whose file or directory Run refused or
// could not open: Option names the field ("Output.Dir", "Explain",
// "Tee"), and the command words it with its flag.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// prepareDir makes the output dir if it is missing and opens it for the
// daemon's life (profilegen.Output.Open, package safefile): one reached
// through a link another user controls, or that another user can write, is
// refused, saying why (such a user could redirect or plant files between
// two flushes). It removes the temporary files a killed watch of this user
// left in it, and reports those of other users, left alone. A dir that
// cannot be made yet (a file in the way) is not fatal: the profiles stay in
// memory and each flush tries again (openDir).
func (d *daemon) prepareDir() error {
	if err := d.openDir(); err != nil {
		if unsafePath(err) {
			return &OptionError{"Output.Dir", err}
		}
		d.log.Error("open output dir; profiles stay in memory and are written when it works", "err", err)
		return nil
	}
	n, others, err := d.cfg.Output.OpenedDir().RemoveTemps()
	if err != nil || n > 0 {
		d.log.Warn("removed the temporary files a killed watch left in the output dir", "files", n, "err", err)
	}
	for _, f := range others {
		d.log.Warn("left alone a temporary file of another user in the output dir", "file", f.Name, "owner_uid", f.UID)
	}
	return nil
}

// openDir opens the output dir unless it is open: at start, then at each
// flush until it works; once open it is kept, not opened by its path
// again, unless it was removed (then its path is resolved again, under the
// same rules: a link put in its place is refused).
func (d *daemon) openDir() error {
	if dir := d.cfg.Output.OpenedDir(); dir != nil {
		if !dir.Removed() {
			return nil
		}
		d.log.Warn("the output dir was removed; making it again", "dir", d.cfg.Output.Dir)
		d.cfg.Output.Close()
	}
	return d.cfg.Output.Open()
}

// unsafePath reports whether err refuses a path for its owners or links
// (package safefile), which no retry mends.
func unsafePath(err error) bool {
	return errors.Is(err, safefile.ErrUnsafeDir) || errors.Is(err, safefile.ErrUnsafeLink) || errors.Is(err, safefile.ErrDevice)
}

// openTee opens the --tee file for appending, in a directory no other user
// can write reached through no link another user controls, never through
// a link nor into a FIFO or a device.
func openTee(path string) (*os.File, error) { return safefile.OpenAppendFile(path, 0o644) }

// checkTee refuses a --tee that is a file the source follows: each flush
// would append the lines read to the file they are read from, which would
// then grow forever. The file may not exist yet (the tee would make it).
func checkTee(tee string, spec source.Spec) error {
	for _, f := range spec.Files() {
		if sameFile(tee, f) {
			return fmt.Errorf("%w: %s is the file the %s source follows (%s)", pipeline.ErrOutputIsInput, tee, spec.Mode, f)
		}
	}
	return nil
}

// sameFile reports whether paths a and b name one file, through links,
// hard links or another spelling; when they are not both there, whether
// they are one name in one directory.
func sameFile(a, b string) bool {
	a, b = lastLink(a), lastLink(b)
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	if filepath.Base(a) != filepath.Base(b) {
		return false
	}
	da, errA := os.Stat(filepath.Dir(a))
	db, errB := os.Stat(filepath.Dir(b))
	return errA == nil && errB == nil && os.SameFile(da, db)
}

// lastLink follows the links of path's last component, also to a name
// that does not exist (yet).
func lastLink(path string) string {
	for range 40 { // the kernel's limit on links in a lookup
		to, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return path
}

// warnOverflow logs what the limits of the set left out; d.mu is held.
func (d *daemon) warnOverflow() {
	o := d.p.Set.Overflow()
	if o.Records > 0 {
		d.log.Warn("records of groups past --max-groups went to one overflow profile",
			"records", o.Records, "max_groups", o.Limit, "profile", profilegen.FileName(profilegen.OverflowGroup), "first", o.First)
	}
	if o.UnknownRecords > 0 {
		d.log.Warn("records of unknown syscall numbers past the limit were counted, not kept", "records", o.UnknownRecords)
	}
}
