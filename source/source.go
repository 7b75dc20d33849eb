package source

import (
	"context"
	"errors"
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

// Stats counts what a live source knows it missed or handled.
type Stats struct {
	KernelLost  uint64 // netlink: growth of the kernel's lost counter since the source opened
	NoBufs      uint64 // netlink: ENOBUFS, the socket buffer overflowed and records were dropped
	Overwritten uint64 // kmsg: times the ring buffer overwrote lines before they were read (EPIPE)
	Reopened    uint64 // follow: rotations, truncations and re-creations of the file followed
	Drained     uint64 // follow: lines read from a rotated file after it was renamed or deleted
	Rejoined    uint64 // netlink: times the kernel dropped the source as its daemon and it registered again
}

// Add returns the sum of s and o.
func (s Stats) Add(o Stats) Stats {
	return Stats{KernelLost: s.KernelLost + o.KernelLost, NoBufs: s.NoBufs + o.NoBufs,
		Overwritten: s.Overwritten + o.Overwritten, Reopened: s.Reopened + o.Reopened,
		Drained: s.Drained + o.Drained, Rejoined: s.Rejoined + o.Rejoined}
}

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
