package main

import (
	"context"
	"errors"
)

// runRecord is a placeholder until its issue lands.
func runRecord(ctx context.Context, args []string, io stdio) error {
	return errors.New("record: not implemented yet")
}
