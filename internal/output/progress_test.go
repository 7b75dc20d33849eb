package output

import (
	"io"
	"testing"

	"github.com/recorder-dev/recorder/pipeline"
)

// xs reads as endless x bytes.
type xs struct{}

func (xs) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestProgressText(t *testing.T) {
	input := func(size, read int64) *pipeline.Input {
		in, err := pipeline.NewInput("x", io.LimitReader(xs{}, read), size)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, in); err != nil {
			t.Fatal(err)
		}
		return in
	}
	a, b := input(100<<20, 100<<20), input(300<<20, 50<<20)
	if got, want := progressText([]*pipeline.Input{a, b}), "150.0 MiB of 400.0 MiB (37%)"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
	stdin := input(0, 3<<20)
	if got, want := progressText([]*pipeline.Input{a, stdin}), "103.0 MiB read"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
}
