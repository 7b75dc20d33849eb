package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// prepareDir makes the output dir if it is missing, refuses one that
// another user can write (profilegen.OpenDir says why: such a user could
// plant links there between two flushes), and removes the temporary files a
// killed watch left in it. A dir that cannot be made yet (a file in the way)
// is not fatal: the profiles stay in memory and each flush tries again.
func (d *daemon) prepareDir() error {
	if err := os.MkdirAll(d.cfg.Output.Dir, 0o755); err != nil {
		d.log.Error("create output dir; profiles stay in memory and are written when it works", "err", err)
		return nil
	}
	dir, err := profilegen.OpenDir(d.cfg.Output.Dir)
	if errors.Is(err, profilegen.ErrUnsafeDir) {
		return fmt.Errorf("--output-dir: %w", err)
	}
	if err != nil {
		d.log.Error("open output dir; profiles stay in memory and are written when it works", "err", err)
		return nil
	}
	defer dir.Close()
	if n, err := dir.RemoveTemps(); err != nil || n > 0 {
		d.log.Warn("removed the temporary files a killed watch left in the output dir", "files", n, "err", err)
	}
	return nil
}

// openTee opens the --tee file for appending, in a directory no other user
// can write, never through a link nor into a FIFO or a device.
func openTee(path string) (*os.File, error) { return profilegen.OpenAppendFile(path, 0o644) }

// checkTee refuses a --tee that is a file the source follows: each flush
// would append the lines read to the file they are read from, which would
// then grow forever. The file may not exist yet (the tee would make it).
func checkTee(tee string, spec source.Spec) error {
	for _, f := range spec.Files() {
		if sameFile(tee, f) {
			return fmt.Errorf("%w: %s is the file --source %s follows (%s)", pipeline.ErrOutputIsInput, tee, spec.Mode, f)
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
