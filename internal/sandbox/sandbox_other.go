//go:build !linux

package sandbox

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Start returns ErrNotSupported outside Linux.
func (c *Cmd) Start() error { return ErrNotSupported }

// Wait returns ErrNotSupported outside Linux.
func (c *Cmd) Wait() error { return ErrNotSupported }

// Main exits: there is no helper outside Linux.
func Main() { panic(ErrNotSupported) }

// Check returns ErrNotSupported outside Linux.
func Check(p *specs.LinuxSeccomp) ([]string, error) { return nil, ErrNotSupported }
