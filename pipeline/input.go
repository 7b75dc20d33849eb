package pipeline

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
)

// Input is one captured log to replay: a file, gzip-compressed or not, or
// standard input.
type Input struct {
	Name  string // the file's name, or "standard input"
	Size  int64  // bytes on disk; 0 when unknown (stdin, pipes)
	Lines int    // lines read so far by ReadAll

	read  atomic.Int64 // bytes read so far from the file (compressed bytes for .gz)
	info  os.FileInfo  // of the file opened; nil for stdin
	src   io.Reader    // the file as opened
	r     io.Reader    // its text, decompressed
	close func() error
}

// BytesRead returns how many bytes of the file were read so far (of the
// compressed file for .gz): safe to call while ReadAll runs.
func (in *Input) BytesRead() int64 { return in.read.Load() }

// Read counts the bytes that pass, for BytesRead.
func (in *Input) Read(p []byte) (int, error) {
	n, err := in.src.Read(p)
	in.read.Add(int64(n))
	return n, err
}

// NewInput returns an Input that reads r, whose size (0: unknown) is
// size. It decompresses gzip data, as OpenInputs does.
func NewInput(name string, r io.Reader, size int64) (*Input, error) {
	in := &Input{Name: name, Size: size, src: r, close: func() error { return nil }}
	text, err := decompress(in)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	in.r = text
	return in, nil
}

// OpenInputs opens every named file before anything is read, so that a
// missing input fails at once. No name, or "-", is stdin. Close them with
// CloseInputs.
func OpenInputs(names []string, stdin io.Reader) ([]*Input, error) {
	if len(names) == 0 {
		names = []string{"-"}
	}
	var inputs []*Input
	for _, name := range names {
		in, err := openInput(name, stdin)
		if err != nil {
			CloseInputs(inputs)
			return nil, err
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

func openInput(name string, stdin io.Reader) (*Input, error) {
	in := &Input{Name: name, close: func() error { return nil }}
	if name == "-" {
		in.Name = "standard input"
		in.src = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				f.Close()
				return nil, fmt.Errorf("open %s: is a directory", name)
			}
			in.Size, in.info = st.Size(), st
		}
		in.src, in.close = f, f.Close
	}
	r, err := decompress(in)
	if err != nil {
		in.close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	in.r = r
	return in, nil
}

// decompress returns a reader of in's text, unzipping gzip data (told by its
// magic bytes, whatever the file's name).
func decompress(in *Input) (io.Reader, error) {
	br := bufio.NewReaderSize(in, 256<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		if strings.HasSuffix(in.Name, ".gz") && in.info != nil {
			return nil, ErrNotGzip // a damaged .gz would read as text of garbage
		}
		return br, nil
	}
	return gzip.NewReader(br)
}

// ErrNotGzip: a file named .gz does not start as gzip data does.
var ErrNotGzip = errors.New("named .gz but not gzip data")

// CloseInputs closes what OpenInputs opened.
func CloseInputs(inputs []*Input) {
	for _, in := range inputs {
		in.close()
	}
}

// ReadAll takes every line of the inputs down the pipeline, in order. A
// read error ends that input but not the others: what was read before it
// still counts, and the errors are returned joined (a decompressed input is
// only checked at its end: what a corrupt one gave may be made up, so a
// profile should not be written from it unasked). ctx's end stops it at
// once, with ctx's error, even while a read blocks.
func (p *Pipeline) ReadAll(ctx context.Context, inputs []*Input) error {
	var errs []error
	for _, in := range inputs {
		n, err := p.ReadFrom(ctx, in.Name, in.r)
		in.Lines += n
		if errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w (after line %d)", in.Name, err, in.Lines))
		}
	}
	return errors.Join(errs...)
}
