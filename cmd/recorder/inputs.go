package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// input is one log to replay.
type input struct {
	name  string
	size  int64        // bytes on disk; 0 when unknown (stdin, pipes)
	read  atomic.Int64 // bytes read so far from the file (compressed bytes for .gz)
	lines int          // lines read so far
	src   io.Reader    // the file as opened
	r     io.Reader    // its text, decompressed
	close func() error
}

// Read counts the bytes that pass for the progress line.
func (in *input) Read(p []byte) (int, error) {
	n, err := in.src.Read(p)
	in.read.Add(int64(n))
	return n, err
}

// openInputs opens every named file before anything is read, so that a
// missing input fails the replay at once. No name, or "-", is standard input.
func openInputs(names []string, stdin io.Reader) ([]*input, error) {
	if len(names) == 0 {
		names = []string{"-"}
	}
	var inputs []*input
	for _, name := range names {
		in, err := openInput(name, stdin)
		if err != nil {
			closeInputs(inputs)
			return nil, err
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

func openInput(name string, stdin io.Reader) (*input, error) {
	in := &input{name: name, close: func() error { return nil }}
	if name == "-" {
		in.name = "standard input"
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
			in.size = st.Size()
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
func decompress(in *input) (io.Reader, error) {
	br := bufio.NewReaderSize(in, 256<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	return gzip.NewReader(br)
}

func closeInputs(inputs []*input) {
	for _, in := range inputs {
		in.close()
	}
}
