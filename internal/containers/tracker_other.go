//go:build !linux

package containers

import (
	"errors"

	"github.com/recorder-dev/recorder/internal/procev"
)

// OpenTracker fails: process events are Linux's.
func OpenTracker() (*Tracker, error) { return nil, procev.ErrUnsupported }

// ErrNoUnified: no unified (v2) cgroup hierarchy in use.
var ErrNoUnified = errors.New("no unified (v2) cgroup hierarchy: the process events cannot tell containers")
