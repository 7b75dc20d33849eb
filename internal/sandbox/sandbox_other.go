//go:build !linux

package sandbox

import "errors"

// ErrNotSupported is returned outside Linux: there is no seccomp.
var ErrNotSupported = errors.New("seccomp sandbox not supported on this system")

// Start returns ErrNotSupported outside Linux.
func (c *Cmd) Start() error { return ErrNotSupported }

// Wait returns ErrNotSupported outside Linux.
func (c *Cmd) Wait() error { return ErrNotSupported }

// Main exits: there is no helper outside Linux.
func Main() { panic(ErrNotSupported) }
