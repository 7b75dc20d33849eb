//go:build !linux

package main

import (
	"context"
	"os"

	"github.com/recorder-dev/recorder/internal/sandbox"
)

// runSandboxed needs seccomp and the audit socket: Linux only.
func runSandboxed(ctx context.Context, r sandboxRun) (*sandboxResult, error) {
	return nil, sandbox.ErrNotSupported
}

// startAndWait needs seccomp: Linux only.
func startAndWait(cmd *sandbox.Cmd, started func()) (*os.ProcessState, error) {
	return nil, sandbox.ErrNotSupported
}
