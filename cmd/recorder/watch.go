package main

import (
	"context"
	"errors"
)

// runWatch is a placeholder until its issue lands.
func runWatch(ctx context.Context, args []string, io stdio) error {
	return errors.New("watch: not implemented yet")
}
