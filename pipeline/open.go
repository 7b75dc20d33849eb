package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
)

// limits returns the Set limits of the configuration.
func (c Config) limits() profilegen.Limits {
	if c.Limits == nil {
		return profilegen.DefaultLimits
	}
	return *c.Limits
}

// OpenInputsContext is OpenInputs that ctx's end stops at once: opening a
// FIFO blocks until a writer comes, and telling gzip from text reads the
// first bytes, which a silent writer may never send. What was opened when
// ctx ended is closed once the blocked open returns.
func OpenInputsContext(ctx context.Context, names []string, stdin io.Reader) ([]*Input, error) {
	type opened struct {
		inputs []*Input
		err    error
	}
	done := make(chan opened, 1)
	go func() {
		in, err := OpenInputs(names, stdin)
		done <- opened{in, err}
	}()
	select {
	case o := <-done:
		return o.inputs, o.err
	case <-ctx.Done():
		go func() { CloseInputs((<-done).inputs) }()
		return nil, ctx.Err()
	}
}

// ErrOutputIsInput: the file a profile would be written to is one of the
// inputs; writing it would replace the log being read.
var ErrOutputIsInput = errors.New("the output file is also an input")

// CheckOutput returns ErrOutputIsInput, naming both, when path (an output
// file, which may not exist yet; standard output and /dev/null are none,
// see safefile.OutputDest) is the same file as one of the inputs.
func CheckOutput(path string, inputs []*Input) error {
	if dest, _ := safefile.OutputDest(path); dest != safefile.DestFile {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil // nothing there yet: no input can be it
	}
	for _, in := range inputs {
		if in.info != nil && os.SameFile(st, in.info) {
			return fmt.Errorf("%w: %s is %s", ErrOutputIsInput, path, in.Name)
		}
	}
	return nil
}
