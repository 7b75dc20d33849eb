package source

import (
	"context"
	"errors"

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
