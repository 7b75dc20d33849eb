package main

import (
	"context"
	"errors"
)

func runReplay(ctx context.Context, args []string, io stdio) error {
	return errors.New("replay: not implemented yet")
}
