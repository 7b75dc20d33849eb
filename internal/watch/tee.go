package watch

import "errors"

// The --tee file: every audit line read (records, other audit types,
// rate-limit notices, forged and malformed record lines; not the rest of a
// syslog), appended through a buffer that the
// reader fills and the flushes empty, both under d.mu. A write error stops
// the copy (it is logged once) without failing the profiles' flushes.

// teeLine copies one audit line read; d.mu is held.
func (d *daemon) teeLine(line []byte) {
	if d.tee == nil {
		return
	}
	d.tee.Write(line)
	if err := d.tee.WriteByte('\n'); err != nil {
		d.stopTee(err)
	}
}

// flushTee writes out the lines buffered; d.mu is held.
func (d *daemon) flushTee() {
	if d.tee == nil {
		return
	}
	if err := d.tee.Flush(); err != nil {
		d.stopTee(err)
	}
}

// closeTee flushes and closes the file at exit.
func (d *daemon) closeTee() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tee == nil {
		return
	}
	if err := errors.Join(d.tee.Flush(), d.teeFile.Close()); err != nil {
		d.log.Error("write --tee file", "file", d.cfg.Tee, "err", err)
	}
	d.tee, d.teeFile = nil, nil
}

// stopTee gives up the copy after a write error; d.mu is held.
func (d *daemon) stopTee(err error) {
	d.log.Error("write --tee file; no more lines are copied there", "file", d.cfg.Tee, "err", err)
	d.teeFile.Close()
	d.tee, d.teeFile = nil, nil
}
