package watch

import (
	"errors"
	"fmt"
	"os"

	"github.com/recorder-dev/recorder/profilegen"
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
