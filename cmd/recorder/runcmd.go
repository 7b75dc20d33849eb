package main

import (
	"context"
	"errors"
)

// runRun is a placeholder until its issue lands.
func runRun(ctx context.Context, args []string, io stdio) error {
	return errors.New("run: not implemented yet")
}
