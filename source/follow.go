package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/nxadm/tail"
)

// Default paths of the followed logs.
const (
	SyslogPath   = "/var/log/syslog"
	AuditLogPath = "/var/log/audit/audit.log"
)

// FollowConfig configures Follow.
type FollowConfig struct {
	FromStart bool // read the file from its start, not from its end
	Poll      bool // poll the file for changes instead of using inotify
	// DrainGrace is how long a rotated (renamed or deleted) file is still read
	// after it last grew, for the writer that has not reopened yet; 0 means 30s.
	DrainGrace time.Duration
	// Interval is how often rotated files are read and a missing file is
	// looked for; 0 means 200ms.
	Interval time.Duration
	Logger   *slog.Logger // notices (rotation, file gone); nil discards them
}

// Follower follows a growing log file, like tail -F, through
// github.com/nxadm/tail. It covers the library's weak points: when the file is
// renamed or deleted, the follower keeps its own descriptor on the old file
// and reads it until it stops growing, so the lines a writer still appends
// there are not lost; it then follows the new file at the same path from its
// start. A copy-truncate rotation restarts at the file's start. The library
// watches the file only from its first end of file, and so can miss a
// write, a rename or a truncation made just before: every Interval the
// follower checks the path, the file's size and its last line itself.
// (A truncated file that grows past the old offset before either looks is
// read on from that offset: copytruncate can lose lines for any reader.)
// The library never gets the chance to exit the process: ReOpen is never
// set (the follower reopens itself), and inotify is probed before use.
type Follower struct {
	path  string
	cfg   FollowConfig
	log   *slog.Logger
	lines chan string
	stop  chan struct{}
	done  chan struct{}
	buf   []byte

	reopened, drained atomic.Uint64
}

// Follow starts following path, which must exist.
func Follow(path string, cfg FollowConfig) (*Follower, error) {
	if cfg.DrainGrace == 0 {
		cfg.DrainGrace = 30 * time.Second
	}
	if cfg.Interval == 0 {
		cfg.Interval = 200 * time.Millisecond
	}
	f := &Follower{path: path, cfg: cfg, log: cfg.Logger,
		lines: make(chan string, 4096),
		stop:  make(chan struct{}), done: make(chan struct{})}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if !cfg.Poll && !inotifyWorks() {
		f.log.Warn("inotify unavailable, polling the file", "path", path)
		f.cfg.Poll = true
	}
	cur, err := f.start(!cfg.FromStart, 0)
	if err != nil {
		return nil, err
	}
	go f.run(cur)
	return f, nil
}

// followed is the file the tail reads now, with the follower's own descriptor
// on it, the offset after the last line delivered and that line's end.
type followed struct {
	t         *tail.Tail
	f         *os.File
	off       int64
	last      []byte // up to lastBytes of the line ending at off, with its newline
	checked   int64  // off at the last check; -1 before the first
	skipFirst bool   // started at the end, inside a line
}

// lastBytes is how much of the last line read is compared with the file.
const lastBytes = 64

// delivered records that the tail read a line ending at off.
func (cur *followed) delivered(text string, off int64) {
	cur.off = off
	text = text[max(0, len(text)-(lastBytes-1)):]
	cur.last = append(append(cur.last[:0], text...), '\n')
}

// truncated reports whether the file, of the size given, no longer holds
// what was delivered: it is shorter than the offset reached, or the last
// line read is no longer before that offset.
func (cur *followed) truncated(size int64) bool {
	if size < cur.off {
		return true
	}
	if len(cur.last) == 0 || int64(len(cur.last)) > cur.off {
		return false
	}
	b := make([]byte, len(cur.last))
	_, err := cur.f.ReadAt(b, cur.off-int64(len(b)))
	return err == nil && !bytes.Equal(b, cur.last)
}

// stalled reports whether the tail sent nothing since the last check while
// the file, of the size given, holds a complete line after the offset
// reached: the library missed the write that should have woken it.
func (cur *followed) stalled(size int64) bool {
	if cur.off != cur.checked || size <= cur.off {
		return false
	}
	var buf [4 << 10]byte
	for off := cur.off; off < size && off-cur.off < maxPartial; {
		n, err := cur.f.ReadAt(buf[:], off)
		if bytes.IndexByte(buf[:n], '\n') >= 0 {
			return true
		}
		if err != nil {
			return false
		}
		off += int64(n)
	}
	return false
}

// start opens the file at path and a tail on it at off, or at its end; it
// makes sure both describe the same file.
func (f *Follower) start(atEnd bool, off int64) (*followed, error) {
	for try := 0; ; try++ {
		fd, err := os.Open(f.path)
		if err != nil {
			return nil, fmt.Errorf("follow %s: %w", f.path, err)
		}
		cur, err := f.startOn(fd, atEnd, off)
		if err == nil || try == 3 || !errors.Is(err, errRaced) {
			return cur, err
		}
		off = 0 // a new file took the path: read it whole
	}
}

var errRaced = errors.New("file replaced while opening")

func (f *Follower) startOn(fd *os.File, atEnd bool, off int64) (*followed, error) {
	fi, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("follow %s: %w", f.path, err)
	}
	cur := &followed{f: fd, off: off, checked: -1}
	if atEnd {
		cur.off = fi.Size()
		cur.skipFirst = !endsLine(fd, cur.off)
	}
	cur.t, err = tail.TailFile(f.path, tail.Config{
		Location: &tail.SeekInfo{Offset: cur.off, Whence: io.SeekStart},
		Follow:   true, MustExist: true, CompleteLines: true,
		Poll: f.cfg.Poll, Logger: tailLogger{f.log},
	})
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("follow %s: %w", f.path, err)
	}
	if now, err := os.Stat(f.path); err != nil || !os.SameFile(fi, now) {
		cur.t.Stop()
		fd.Close()
		return nil, errRaced
	}
	return cur, nil
}

// endsLine reports whether off is at a line start in f.
func endsLine(f *os.File, off int64) bool {
	if off == 0 {
		return true
	}
	var b [1]byte
	_, err := f.ReadAt(b[:], off-1)
	return err == nil && b[0] == '\n'
}

// run delivers lines until Close: from the tail, from rotated files still
// being drained, and from the next file once the path holds one again.
func (f *Follower) run(cur *followed) {
	defer close(f.done)
	var drains []*drain
	tick := time.NewTicker(f.cfg.Interval)
	defer func() {
		tick.Stop()
		if cur != nil {
			cur.t.Stop()
			cur.f.Close()
		}
		for _, d := range drains {
			d.f.Close()
		}
	}()
	for {
		var lines chan *tail.Line
		if cur != nil {
			lines = cur.t.Lines
		}
		select {
		case <-f.stop:
			return
		case l, ok := <-lines:
			if !ok {
				var d *drain
				if cur, d = f.ended(cur); d != nil {
					drains = append(drains, d)
				}
				continue
			}
			if l.SeekInfo.Offset < cur.off {
				f.reopened.Add(1) // the library saw a truncation and reopened
			}
			if cur.delivered(l.Text, l.SeekInfo.Offset); cur.skipFirst {
				cur.skipFirst = false
				continue
			}
			if !f.emit(l.Text) {
				return
			}
		case <-tick.C:
			drains = f.drainAll(drains)
			if cur == nil {
				cur = f.reappeared()
				continue
			}
			var d *drain
			if cur, d = f.check(cur); d != nil {
				drains = append(drains, d)
			}
		}
	}
}

// check catches what the library has not seen: it watches a file with
// inotify only from the first time it reads to the end, and learns of a
// truncation from the file's size at a later write; so a write, a rename
// or a truncation made before that is seen late, or never when no line
// follows. At each Interval the follower checks for itself that the path
// still names the file followed, that the file still holds the last line
// read where it was read, and that the tail is not sitting on lines.
func (f *Follower) check(cur *followed) (*followed, *drain) {
	fi, err := cur.f.Stat()
	if err != nil {
		return cur, nil
	}
	if now, err := os.Stat(f.path); err != nil || !os.SameFile(fi, now) {
		cur.t.Stop()
		return f.ended(cur)
	}
	switch {
	case cur.truncated(fi.Size()):
		f.reopened.Add(1)
		f.log.Info("followed file truncated; reading it again from its start", "path", f.path)
		return f.restart(cur, 0), nil
	case cur.stalled(fi.Size()):
		f.log.Debug("file tail missed a change; starting it again", "path", f.path, "offset", cur.off)
		return f.restart(cur, cur.off), nil
	}
	cur.checked = cur.off
	return cur, nil
}

// restart replaces cur's tail by one that starts at off in the same file.
func (f *Follower) restart(cur *followed, off int64) *followed {
	cur.t.Stop()
	next, err := f.startOn(cur.f, false, off)
	if err != nil {
		f.log.Warn("follow again", "path", f.path, "err", err)
		return nil
	}
	next.skipFirst = cur.skipFirst && off == cur.off
	return next
}

// ended handles the tail's end: the file was renamed or deleted (the tail
// stops then, as ReOpen is off), or the tail failed. Either way the rest of
// the file is read through the follower's own descriptor. A file still at the
// path is followed again from there; a rotated one is returned to be drained.
func (f *Follower) ended(cur *followed) (*followed, *drain) {
	failed := cur.t.Err() != nil
	if failed {
		f.log.Warn("file tail stopped", "path", f.path, "err", cur.t.Err())
	}
	cur.t.Stop()
	d := &drain{f: cur.f, off: cur.off, last: time.Now()}
	f.drainOne(d)
	fi, err1 := cur.f.Stat()
	now, err2 := os.Stat(f.path)
	if err1 == nil && err2 == nil && os.SameFile(fi, now) {
		if failed {
			time.Sleep(f.cfg.Interval) // not a busy loop on a failing file
		}
		next, err := f.startOn(cur.f, false, d.off-int64(len(d.partial)))
		if err == nil {
			return next, nil
		}
		f.log.Warn("follow again", "path", f.path, "err", err)
		return nil, nil
	}
	f.reopened.Add(1)
	f.log.Info("followed file rotated or removed; reading the old file until it stops growing, then the new one",
		"path", f.path, "grace", f.cfg.DrainGrace)
	return nil, d
}

// reappeared starts following a new file at the path, from its start.
func (f *Follower) reappeared() *followed {
	if _, err := os.Stat(f.path); err != nil {
		return nil
	}
	cur, err := f.start(false, 0)
	if err != nil {
		f.log.Warn("follow new file", "path", f.path, "err", err)
		return nil
	}
	f.log.Info("following new file", "path", f.path)
	return cur
}

// drain is a rotated file still read for lines its writer appends late.
type drain struct {
	f       *os.File
	off     int64 // read up to here
	partial []byte
	last    time.Time // last growth
}

// drainAll reads every rotated file and closes those idle past the grace.
func (f *Follower) drainAll(ds []*drain) []*drain {
	kept := ds[:0]
	for _, d := range ds {
		if f.drainOne(d) && time.Since(d.last) > f.cfg.DrainGrace {
			if len(d.partial) > 0 {
				f.emit(string(d.partial))
			}
			d.f.Close()
			continue
		}
		kept = append(kept, d)
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// drainOne delivers the complete lines appended to d since the last read; it
// reports false when it stopped early (Close, or a read error kept for later).
func (f *Follower) drainOne(d *drain) bool {
	var buf [32 << 10]byte
	for {
		n, err := d.f.ReadAt(buf[:], d.off)
		if n > 0 {
			d.off += int64(n)
			d.last = time.Now()
			if !f.split(d, buf[:n]) {
				return false
			}
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			f.log.Warn("read rotated file", "path", f.path, "err", err)
			return false
		}
	}
}

// maxPartial bounds a line kept waiting for its newline.
const maxPartial = 1 << 20

func (f *Follower) split(d *drain, b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			d.partial = append(d.partial, b...)
			if len(d.partial) > maxPartial {
				ok := f.emit(string(d.partial))
				d.partial = d.partial[:0]
				return ok
			}
			return true
		}
		line := append(d.partial, b[:i]...)
		d.partial, b = d.partial[:0], b[i+1:]
		f.drained.Add(1)
		if !f.emit(string(line)) {
			return false
		}
	}
	return true
}

func (f *Follower) emit(line string) bool {
	select {
	case f.lines <- line:
		return true
	case <-f.stop:
		return false
	}
}

// Next returns the next complete line, without its newline. Once ctx is
// done it still returns the lines already read, then ctx's error.
func (f *Follower) Next(ctx context.Context) ([]byte, error) {
	select {
	case l := <-f.lines:
		f.buf = append(f.buf[:0], l...)
		return f.buf, nil
	case <-ctx.Done():
	}
	select {
	case l := <-f.lines:
		f.buf = append(f.buf[:0], l...)
		return f.buf, nil
	default:
		return nil, ctx.Err()
	}
}

// Stats returns how many rotations the follower went through and how many
// lines it read from rotated files.
func (f *Follower) Stats() Stats {
	return Stats{Reopened: f.reopened.Load(), Drained: f.drained.Load()}
}

// Close stops following and closes the files.
func (f *Follower) Close() error {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	<-f.done
	return nil
}

// tailLogger sends the library's messages to slog at debug level; its Fatal
// and Panic methods log and return.
type tailLogger struct{ log *slog.Logger }

func (l tailLogger) Fatal(v ...any)                 { l.log.Error(fmt.Sprint(v...)) }
func (l tailLogger) Fatalf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
func (l tailLogger) Fatalln(v ...any)               { l.log.Error(fmt.Sprint(v...)) }
func (l tailLogger) Panic(v ...any)                 { l.log.Error(fmt.Sprint(v...)) }
func (l tailLogger) Panicf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
func (l tailLogger) Panicln(v ...any)               { l.log.Error(fmt.Sprint(v...)) }
func (l tailLogger) Print(v ...any)                 { l.log.Debug(fmt.Sprint(v...)) }
func (l tailLogger) Printf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l tailLogger) Println(v ...any)               { l.log.Debug(fmt.Sprint(v...)) }
