package audit

import (
	"bytes"
	"io"
	"iter"
)

// DefaultBlockSize is the size of the blocks a BlockReader hands out.
const DefaultBlockSize = 256 << 10

// Block is a run of whole lines cut from a stream by a BlockReader.
type Block struct {
	Data      []byte // whole lines; the stream's last line may lack its '\n'
	FirstLine int    // number of the first line, 1-based
	buf       []byte // Data's backing array, for Recycle
}

// Lines yields each line of the block (without '\n' or "\r\n") with its
// number.
func (b Block) Lines() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		data, n := b.Data, b.FirstLine
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if k := len(line); k > 0 && line[k-1] == '\r' {
				line = line[:k-1]
			}
			if !yield(n, line) {
				return
			}
			n++
		}
	}
}

// BlockReader cuts a stream into blocks of whole lines so that several
// goroutines can parse one stream: the reader only looks for line ends, the
// parsing is left to the blocks' consumers. Memory stays bounded: a line
// longer than a block is skipped unread and reported as a *ParseError
// wrapping ErrLineTooLong. A BlockReader is used by one goroutine; Recycle
// may be called from any.
type BlockReader struct {
	src   io.Reader
	size  int
	carry []byte // the start of a line cut by the previous block
	line  int    // lines handed out so far
	err   error  // sticky
	free  chan []byte
}

// freeBlocks is how many recycled blocks a BlockReader keeps for reuse:
// more than the blocks its consumers hold at once, so that memory stays
// flat whatever the input's size (a sync.Pool, emptied at every GC and
// filled on another P than the one that takes, let it grow).
const freeBlocks = 32

// NewBlockReader returns a BlockReader of blocks of up to size bytes
// (DefaultBlockSize when size <= 0).
func NewBlockReader(r io.Reader, size int) *BlockReader {
	if size <= 0 {
		size = DefaultBlockSize
	}
	return &BlockReader{src: r, size: size, free: make(chan []byte, freeBlocks)}
}

// Recycle gives a block's memory back once its lines are no longer used.
func (b *BlockReader) Recycle(blk Block) {
	if cap(blk.buf) == b.size {
		select {
		case b.free <- blk.buf[:b.size]:
		default:
		}
	}
}

func (b *BlockReader) buffer() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
		return make([]byte, b.size)
	}
}

// Next returns the next block, io.EOF after the last, a *ParseError for a
// line too long for a block (the next call goes on after it), or the
// stream's read error.
func (b *BlockReader) Next() (Block, error) {
	if b.err != nil && len(b.carry) == 0 {
		return Block{}, b.err
	}
	buf := b.buffer()
	n := copy(buf, b.carry)
	b.carry = b.carry[:0]
	for n < len(buf) && b.err == nil {
		m, err := b.src.Read(buf[n:])
		n += m
		b.err = err
	}
	if n == 0 {
		b.Recycle(Block{buf: buf})
		return Block{}, b.err
	}
	end := bytes.LastIndexByte(buf[:n], '\n') + 1
	if end == 0 && b.err == nil && len(buf) <= DefaultMaxLineLength { // a long line: read it whole in a block of its own
		buf, n = b.longLine(buf, n)
		end = bytes.LastIndexByte(buf[:n], '\n') + 1
	}
	if end == 0 && b.err == nil { // one line fills the whole block
		return Block{}, b.skipLongLine(buf)
	}
	if end == 0 || b.err != nil {
		end = n // the stream's last line, without '\n'
	}
	b.carry = append(b.carry, buf[end:n]...)
	blk := Block{Data: buf[:end], FirstLine: b.line + 1, buf: buf}
	b.line += bytes.Count(blk.Data, []byte{'\n'})
	if end == n && buf[n-1] != '\n' {
		b.line++
	}
	return blk, nil
}

// longLine moves the n bytes of buf, the start of a line longer than a
// block, to a buffer that holds a line of DefaultMaxLineLength and its
// newline, and reads on until a newline or the end: a line Parse takes is
// never too long for a block, whatever the block size.
func (b *BlockReader) longLine(buf []byte, n int) ([]byte, int) {
	big := make([]byte, DefaultMaxLineLength+1)
	copy(big, buf[:n])
	b.Recycle(Block{buf: buf})
	for n < len(big) && b.err == nil {
		m, err := b.src.Read(big[n:])
		found := bytes.IndexByte(big[n:n+m], '\n') >= 0
		n += m
		b.err = err
		if found {
			break
		}
	}
	return big, n
}

// skipLongLine reads past the rest of a line longer than a block.
func (b *BlockReader) skipLongLine(buf []byte) error {
	defer b.Recycle(Block{buf: buf})
	b.line++
	perr := &ParseError{Line: b.line, Err: ErrLineTooLong}
	for b.err == nil {
		m, err := b.src.Read(buf)
		b.err = err
		if i := bytes.IndexByte(buf[:m], '\n'); i >= 0 {
			b.carry = append(b.carry, buf[i+1:m]...)
			break
		}
	}
	return perr
}
