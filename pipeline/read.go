package pipeline

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"

	"github.com/recorder-dev/recorder/audit"
)

// BlockSize is the size of the blocks ReadFrom cuts a stream into (0: the
// audit package's default). Tests make it small.
var BlockSize = 0

// ReadFrom takes every line of r down the pipeline, as Line would one after
// the other, but parses on every core: r is cut into blocks of whole lines
// (audit.BlockReader), each block goes through a pipeline of its own, and
// their sets and counts are merged in r's order, so the outcome is the same
// as one pass. name names r in the summary. It returns how many lines were
// read, and r's read error or ctx's: what was read before still counts.
// The Enrichers must be safe for concurrent use (a Filter is). With an
// Explain, one worker parses the blocks, in order.
func (p *Pipeline) ReadFrom(ctx context.Context, name string, r io.Reader) (lines int, err error) {
	br := audit.NewBlockReader(r, BlockSize)
	workers := runtime.GOMAXPROCS(0)
	if p.cfg.Explain != nil {
		workers = 1 // the blocks' pipelines share it: one after the other, in order
	}
	blocks := make(chan block, workers)
	results := make(chan parsed, workers)
	stop := make(chan struct{})
	defer close(stop)
	// At most inflight blocks are read and not yet merged: a worker held up
	// (a loaded machine) must not let the others fill the memory with
	// results waiting for its block.
	inflight := make(chan struct{}, 2*workers+2)
	go cut(ctx, br, blocks, inflight, stop)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range blocks {
				select {
				case results <- p.parse(name, b):
				case <-stop:
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	pending := make(map[int]parsed)
	next := 0
	for {
		var res parsed
		var ok bool
		select {
		case res, ok = <-results:
		case <-ctx.Done():
			// A read may block for ever (a silent FIFO, a line that never
			// ends on /dev/zero): return now; stop ends the workers and
			// the cutter once its read returns.
			return lines, ctx.Err()
		}
		if !ok {
			return lines, err
		}
		pending[res.seq] = res
		for res, ok := pending[next]; ok; res, ok = pending[next] {
			delete(pending, next)
			next++
			if err == nil {
				if err = res.err; err == nil {
					p.Merge(res.p)
					lines += int(res.p.Counts.Lines)
				}
			}
			br.Recycle(res.blk)
			<-inflight
		}
	}
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
	p *Pipeline
}

// cut hands out the blocks of br until the input ends, fails or ctx is
// done, each once it has an inflight token (given back once merged).
func cut(ctx context.Context, br *audit.BlockReader, out chan<- block, inflight chan<- struct{}, stop <-chan struct{}) {
	defer close(out)
	for seq := 0; ; seq++ {
		select {
		case inflight <- struct{}{}:
		case <-stop:
			return
		}
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

// parse takes the lines of one block through a pipeline of its own.
func (p *Pipeline) parse(name string, b block) parsed {
	res := parsed{block: b, p: p.fork()}
	var pe *audit.ParseError
	if errors.As(b.err, &pe) { // a line too long for a block: counted, not fatal
		res.p.BadLine(Pos{name, pe.Line}, pe)
		res.err = nil
	}
	if b.err != nil {
		return res
	}
	for n, line := range b.blk.Lines() {
		res.p.Line(line, Pos{name, n})
	}
	return res
}
