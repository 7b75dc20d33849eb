package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// scanner feeds the records of its inputs into a Set and counts the rest.
// Each input is cut into blocks of whole lines that several goroutines
// parse; their results are merged in the input's order, so the outcome is
// the same as one pass from the first line to the last.
type scanner struct {
	filter  *profilegen.Filter
	groupBy profilegen.GroupBy
	set     *profilegen.Set
	sum     *summary
}

// scanAll reads every input. A read error ends that input but not the replay:
// what was read before it still makes the profile.
func (s *scanner) scanAll(ctx context.Context, inputs []*input) error {
	var errs []error
	for _, in := range inputs {
		err := s.scan(ctx, in)
		if errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w (after line %d; the profile holds what was read)", in.name, err, in.lines))
		}
	}
	return errors.Join(errs...)
}

// block is one block of an input, or the error met instead of it.
type block struct {
	seq int
	blk audit.Block
	err error
}

// parsed is what a worker made of a block.
type parsed struct {
	block
	set *profilegen.Set
	sum summary
}

// blockSize is the size of the blocks inputs are cut into (0: the default);
// tests make it small.
var blockSize = 0

func (s *scanner) scan(ctx context.Context, in *input) error {
	br := audit.NewBlockReader(in.r, blockSize)
	workers := runtime.GOMAXPROCS(0)
	blocks := make(chan block, workers)
	results := make(chan parsed, workers)
	stop := make(chan struct{})
	defer close(stop)
	go cut(ctx, br, blocks, stop)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range blocks {
				results <- s.parse(in.name, b)
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	pending := make(map[int]parsed)
	next := 0
	var err error
	for p := range results { // to the end, so that no worker is left blocked
		pending[p.seq] = p
		for p, ok := pending[next]; ok && err == nil; p, ok = pending[next] {
			delete(pending, next)
			next++
			err = s.merge(in, p)
			br.Recycle(p.blk)
		}
	}
	return err
}

// cut hands out the blocks of br until the input ends, fails or ctx is done.
func cut(ctx context.Context, br *audit.BlockReader, out chan<- block, stop <-chan struct{}) {
	defer close(out)
	for seq := 0; ; seq++ {
		blk, err := br.Next()
		if err == io.EOF {
			return
		}
		if err == nil {
			err = ctx.Err()
		}
		select {
		case out <- block{seq: seq, blk: blk, err: err}:
		case <-stop:
			return
		}
		var pe *audit.ParseError
		if err != nil && !errors.As(err, &pe) {
			return
		}
	}
}

// parse parses the lines of one block into a Set and a summary of its own.
func (s *scanner) parse(name string, b block) parsed {
	p := parsed{block: b, set: profilegen.NewSet(s.groupBy)}
	var pe *audit.ParseError
	if errors.As(b.err, &pe) {
		p.sum.parseError(name, pe)
		p.err = nil
	}
	if b.err != nil {
		return p
	}
	var rec audit.Record
	for n, line := range b.blk.Lines() {
		if len(line) > audit.DefaultMaxLineLength {
			p.sum.parseError(name, &audit.ParseError{Line: n, Err: audit.ErrLineTooLong})
			continue
		}
		kind, err := audit.Parse(line, &rec)
		if err != nil {
			p.sum.parseError(name, &audit.ParseError{Line: n, Err: err})
			continue
		}
		p.sum.record(kind, &rec, s.filter, p.set)
	}
	return p
}

// merge adds a parsed block to the totals; it returns the block's error.
func (s *scanner) merge(in *input, p parsed) error {
	if p.err != nil {
		return p.err
	}
	s.set.Merge(p.set)
	s.sum.merge(&p.sum)
	in.lines += int(p.sum.lines)
	return nil
}
