//go:build !linux

package containers

import "github.com/recorder-dev/recorder/internal/procev"

// OpenTracker fails: process events are Linux's.
func OpenTracker() (*Tracker, error) { return nil, procev.ErrUnsupported }
