//go:build linux && !cgo

package sandbox

import (
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestNoCgo: a build without cgo refuses filters and programs with
// ErrNotSupported, before it starts anything.
func TestNoCgo(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActLog}
	if _, err := New(p, Options{}); !errors.Is(err, ErrNotSupported) {
		t.Errorf("New: %v; want ErrNotSupported", err)
	}
	if _, err := Check(p); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Check: %v; want ErrNotSupported", err)
	}
	c := &Cmd{Profile: p, Args: []string{"true"}}
	if err := c.Start(); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Start: %v; want ErrNotSupported", err)
	}
	if c.Process != nil {
		t.Error("Start started a process")
	}
}
