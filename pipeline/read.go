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
// Explain, one worker parses the blocks, in order, into p itself: the
// Set's limits then apply to each record as it comes, and Explain keeps
// what the Set keeps (a block's own pipeline has no limits).
func (p *Pipeline) ReadFrom(ctx context.Context, name string, r io.Reader) (lines int, err error) {
	br := audit.NewBlockReader(r, BlockSize)
	workers := runtime.GOMAXPROCS(0)
	direct := p.cfg.Explain != nil
	if direct {
		workers = 1
	}
	blocks := make(chan block, workers)
	results := make(chan parsed, workers)
	stop := make(chan struct{})
	stopOnce := sync.OnceFunc(func() { close(stop) })
	defer stopOnce()
	// At most inflight blocks are read and not yet merged: a worker held up
	// (a loaded machine) must not let the others fill the memory with
	// results waiting for its block.
	inflight := make(chan struct{}, 2*workers+2)
	go cut(ctx, br, blocks, inflight, stop)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				var b block
				var ok bool
				select {
				case b, ok = <-blocks:
				case <-stop:
					return
				}
				if !ok {
					return
				}
				select {
				case results <- p.parse(name, b, direct):
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
			// the cutter once its read returns. A worker that parses into
			// p is waited for: it ends its block at most.
			stopOnce()
			if direct {
				wg.Wait()
			}
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
					if res.p != p {
						p.Merge(res.p)
					}
					lines += res.lines
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
	p     *Pipeline // the block's own, or the one read into (direct)
	lines int
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

// parse takes the lines of one block through a pipeline of its own, or
// through p itself when direct.
func (p *Pipeline) parse(name string, b block, direct bool) parsed {
	res := parsed{block: b, p: p}
	if !direct {
		res.p = p.fork()
	}
	var pe *audit.ParseError
	if errors.As(b.err, &pe) { // a line too long for a block: counted, not fatal
		res.p.BadLine(Pos{name, pe.Line}, pe)
		res.err = nil
		res.lines++
	}
	if b.err != nil {
		return res
	}
	for n, line := range b.blk.Lines() {
		res.p.Line(line, Pos{name, n})
		res.lines++
	}
	return res
}
