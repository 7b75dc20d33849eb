//go:build !linux

package procev

import (
	"errors"
	"time"
)

// ErrUnsupported: process events are Linux's.
var ErrUnsupported = errors.New("process events need Linux")

// Reader is the ring buffer of events; on this platform, none.
type Reader struct{}

// Open fails with ErrUnsupported.
func Open() (*Reader, error) { return nil, ErrUnsupported }

// Read fails with ErrUnsupported.
func (r *Reader) Read(*Event) error { return ErrUnsupported }

// Available is 0.
func (r *Reader) Available() int { return 0 }

// Lost is 0.
func (r *Reader) Lost() uint64 { return 0 }

// Close does nothing.
func (r *Reader) Close() error { return nil }

// BootOffset is 0.
func BootOffset() time.Duration { return 0 }

// ErrDrained: Read found no event.
var ErrDrained = errors.New("process events drained")
