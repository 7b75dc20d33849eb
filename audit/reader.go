package audit

import (
	"bufio"
	"io"
)

// DefaultMaxLineLength is the MaxLineLength a zero Reader.MaxLineLength means.
const DefaultMaxLineLength = 1 << 20

// readBufSize is the size of Reader's buffer: lines up to it are parsed in
// place, without a copy.
const readBufSize = 256 << 10

// Reader reads lines (\n or \r\n; last line may lack \n) from an io.Reader and
// parses them, like encoding/csv. Memory stays bounded whatever the input: a
// 256 KiB buffer, plus up to MaxLineLength bytes for lines longer than it.
//
// The Comm and Exe of a Record filled by Read alias the Reader's buffer: they
// stay valid until the next Read.
type Reader struct {
	// MaxLineLength is the longest line (without its line ending) that Read
	// parses; longer lines are skipped without buffering them whole and
	// reported as a *ParseError wrapping ErrLineTooLong. 0 means
	// DefaultMaxLineLength (1 MiB).
	MaxLineLength int

	br   *bufio.Reader
	line int
	long []byte // assembles lines longer than the buffer
	err  error  // sticky read error, io.EOF included
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readBufSize)}
}

// Read parses the next line into rec. It returns (kind, nil) for every line
// (KindNone included, so callers can count lines); (KindNone, *ParseError) for
// a malformed record line or an over-long line (ErrLineTooLong); io.EOF at the
// end, or the underlying reader's error. After a *ParseError the next Read
// continues with the next line.
func (r *Reader) Read(rec *Record) (Kind, error) {
	line, tooLong, err := r.readLine()
	if err != nil {
		rec.reset()
		return KindNone, err
	}
	if tooLong {
		rec.reset()
		return KindNone, &ParseError{Line: r.line, Err: ErrLineTooLong}
	}
	k, err := Parse(line, rec)
	if err != nil {
		return KindNone, &ParseError{Line: r.line, Err: err}
	}
	return k, nil
}

// Line returns the number of the line last returned, 1-based.
func (r *Reader) Line() int { return r.line }

func (r *Reader) maxLen() int {
	if r.MaxLineLength > 0 {
		return r.MaxLineLength
	}
	return DefaultMaxLineLength
}

// readLine returns the next line without its line ending, or reports that it
// was longer than maxLen (and skipped).
func (r *Reader) readLine() (line []byte, tooLong bool, err error) {
	if r.err != nil {
		return nil, false, r.err
	}
	b, err := r.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return r.readLong(b)
	case err != nil && len(b) == 0:
		r.err = err
		return nil, false, err
	case err != nil:
		r.err = err // the last line lacks its \n: return it now, the error next time
	}
	r.line++
	b = trimEOL(b)
	return b, len(b) > r.maxLen(), nil
}

// readLong reads a line longer than the buffer, of which b is the start. It
// keeps at most maxLen+2 bytes (the line and its \r\n) and skips the rest.
func (r *Reader) readLong(b []byte) (line []byte, tooLong bool, err error) {
	r.line++
	limit := r.maxLen() + 2
	r.long = r.long[:0]
	for err = bufio.ErrBufferFull; ; b, err = r.br.ReadSlice('\n') {
		if !tooLong && len(r.long)+len(b) > limit {
			tooLong, r.long = true, r.long[:0]
		}
		if !tooLong {
			r.long = append(r.long, b...)
		}
		if err != bufio.ErrBufferFull {
			break
		}
	}
	if err != nil {
		r.err = err // io.EOF: this last line lacked its \n
		if err != io.EOF {
			return nil, false, err
		}
	}
	if tooLong {
		return nil, true, nil
	}
	line = trimEOL(r.long)
	return line, len(line) > r.maxLen(), nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
