//go:build !linux

package runner

import (
	"context"
	"os"

	"github.com/recorder-dev/recorder/internal/sandbox"
)

// Collect needs seccomp and the audit socket: Linux only.
func Collect(ctx context.Context, r Run) (*Result, error) { return nil, sandbox.ErrNotSupported }

// Unwatched needs seccomp: Linux only.
func Unwatched(r Run) (*os.ProcessState, error) { return nil, sandbox.ErrNotSupported }
