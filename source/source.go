package source

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/recorder-dev/recorder/pipeline"
)

// Source is a live stream of raw log lines that may hold audit records: the
// netlink audit socket, /dev/kmsg, or a followed syslog or audit.log file.
// Each line goes to audit.Parse as it is.
type Source interface {
	// Next blocks until the next line, ctx is done, or the source fails. The
	// line is valid until the next call. It returns ctx's error when ctx ends.
	Next(ctx context.Context) ([]byte, error)
	// Close releases the source and undoes what opening it changed (the audit
	// daemon registration, the backlog limit).
	Close() error
}

// Buffered is a Source that hands out the lines it read already without
// waiting: watch and record take all of them under one lock, once Next
// returned the first of a batch.
type Buffered interface {
	Source
	// Buffered returns the next line read already, valid as Next's, or
	// false when Next would have to wait or has an error to report.
	Buffered() ([]byte, bool)
}

// Batch calls f with line and with every line src read already, in
// order: the lines of one batch of the netlink source (at most 256 KiB of
// them), the one line of another source.
func Batch(src Source, line []byte, f func([]byte)) {
	f(line)
	b, ok := src.(Buffered)
	if !ok {
		return
	}
	for l, ok := b.Buffered(); ok; l, ok = b.Buffered() {
		f(l)
	}
}

// Pusher is a Source whose reader can hand the lines it receives to the
// consumer at once, on the reader's own goroutine, instead of queueing them
// for Next: no hand-off from one goroutine to another, and each line is
// parsed while the receive has left it in the CPU's cache. The netlink
// source is one; watch and record use it through PushUnder.
type Pusher interface {
	Source
	// Push sets take, which the reader calls with the lines of one receive
	// whenever no line read before them still waits for Next. take returns
	// false when it cannot take them now (the consumer is busy): they then
	// wait for Next, and so do the lines after them until Next's consumer
	// read them all, so the consumer gets every line once, in order. The
	// lines are valid until take returns. take must not call the source's
	// methods. A panic in take reaches Next's caller, which panics with a
	// *ReaderPanic (Close, once done, when it runs before Next got to
	// it). Push(nil) stops the offers.
	Push(take func(lines [][]byte) bool)
}

// PushUnder makes src, if it is a Pusher, hand its lines to line under mu
// whenever mu is free, and call end (if not nil) after each run of them,
// before mu is unlocked: the work Batch does with Next's lines, on the
// reader's goroutine. The caller takes Next's lines under mu as well
// (Batch). The returned stop ends it: after stop no line reaches line but
// through Next.
func PushUnder(src Source, mu *sync.Mutex, line func([]byte), end func()) (stop func()) {
	p, ok := src.(Pusher)
	if !ok {
		return func() {}
	}
	stopped := false // under mu
	p.Push(func(lines [][]byte) bool {
		if !mu.TryLock() { // a flush, or Next's consumer: the lines wait for Next
			return false
		}
		defer mu.Unlock()
		if stopped {
			return false
		}
		for _, l := range lines {
			line(l)
		}
		if end != nil {
			end()
		}
		return true
	})
	return func() {
		p.Push(nil)
		mu.Lock()
		stopped = true
		mu.Unlock()
	}
}

// ReaderPanic is a panic of a Pusher's consumer on the reader's
// goroutine, passed on to Next's caller.
type ReaderPanic struct {
	Value any
	Stack []byte // the reader goroutine's, where it panicked
}

func (p *ReaderPanic) Error() string {
	return fmt.Sprintf("%v [recovered on the source's reader goroutine]\n\n%s", p.Value, p.Stack)
}

// Stats counts what a live source knows it missed or handled. The type is
// the pipeline's, whose Counts carry it: the pipeline imports no source.
type Stats = pipeline.SourceStats

// StatsOf returns what src counted, if it counts.
func StatsOf(src Source) Stats {
	if st, ok := src.(StatsSource); ok {
		return st.Stats()
	}
	return Stats{}
}

// StatsSource is a Source that counts losses. Stats may be called while
// another goroutine is in Next, and after Close.
type StatsSource interface {
	Source
	Stats() Stats
}

// ErrNotSupported is returned on systems without the source.
var ErrNotSupported = errors.New("source not supported on this system")
