package audit

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// blockLines reads every line through a BlockReader of the given block size.
func blockLines(t *testing.T, r io.Reader, size int) (lines []string, tooLong []int) {
	t.Helper()
	br := NewBlockReader(r, size)
	for {
		blk, err := br.Next()
		if err == io.EOF {
			return lines, tooLong
		}
		var pe *ParseError
		if errors.As(err, &pe) && errors.Is(err, ErrLineTooLong) {
			tooLong = append(tooLong, pe.Line)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		for n, line := range blk.Lines() {
			if n != len(lines)+len(tooLong)+1 {
				t.Fatalf("line %q numbered %d, want %d", line, n, len(lines)+len(tooLong)+1)
			}
			lines = append(lines, string(line))
		}
		br.Recycle(blk)
	}
}

func TestBlockReader(t *testing.T) {
	tests := []struct {
		name, in string
		size     int
		want     []string
		tooLong  []int
	}{
		{"empty", "", 8, nil, nil},
		{"one line", "abc\n", 8, []string{"abc"}, nil},
		{"no final newline", "abc\ndef", 8, []string{"abc", "def"}, nil},
		{"crlf", "a\r\nb\r\n", 8, []string{"a", "b"}, nil},
		{"empty lines", "\n\n\n", 2, []string{"", "", ""}, nil},
		{"exactly a block", "1234567\n", 8, []string{"1234567"}, nil},
		// A line longer than a block is read whole, in a block of its
		// own; only one longer than DefaultMaxLineLength is too long.
		{"line of a whole block", "12345678\nab\n", 8, []string{"12345678", "ab"}, nil},
		{"long line in the middle", "a\n" + strings.Repeat("x", 50) + "\nb\n", 8, []string{"a", strings.Repeat("x", 50), "b"}, nil},
		{"long last line", "a\n" + strings.Repeat("x", 50), 8, []string{"a", strings.Repeat("x", 50)}, nil},
		{"longest line", "a\n" + strings.Repeat("x", DefaultMaxLineLength) + "\nb\n", 8, []string{"a", strings.Repeat("x", DefaultMaxLineLength), "b"}, nil},
		{"too long in the middle", "a\n" + strings.Repeat("x", DefaultMaxLineLength+1) + "\nb\n", 8, []string{"a", "b"}, []int{2}},
		{"too long last line", "a\n" + strings.Repeat("x", DefaultMaxLineLength+5), 8, []string{"a"}, []int{2}},
		{"lines across blocks", "aaa\nbbb\nccc\nddd\n", 6, []string{"aaa", "bbb", "ccc", "ddd"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				lines, tooLong := blockLines(t, r, tt.size)
				if !slices.Equal(lines, tt.want) || !slices.Equal(tooLong, tt.tooLong) {
					t.Errorf("lines %q too long %v, want %q %v", lines, tooLong, tt.want, tt.tooLong)
				}
			}
		})
	}
}

// TestBlockReaderMatchesReader: on random text, every block size yields the
// lines and line numbers the Reader does.
func TestBlockReaderMatchesReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		var b bytes.Buffer
		for j := rng.IntN(40); j > 0; j-- {
			b.WriteString(strings.Repeat("x", rng.IntN(30)))
			if rng.IntN(8) > 0 {
				b.WriteByte('\n')
			}
		}
		var want []string
		rd := NewReader(bytes.NewReader(b.Bytes()))
		for {
			if _, err := rd.Read(&Record{}); err == io.EOF {
				break
			}
			want = append(want, "")
		}
		longest := 0
		for _, l := range strings.Split(b.String(), "\n") {
			longest = max(longest, len(l))
		}
		size := longest + 2 + rng.IntN(64) // longer than any line and its '\n': nothing is too long
		lines, tooLong := blockLines(t, bytes.NewReader(b.Bytes()), size)
		if len(lines) != len(want) || tooLong != nil {
			t.Fatalf("input %q, block %d: %d lines (too long %v), Reader reads %d", b.String(), size, len(lines), tooLong, len(want))
		}
		if got := strings.Join(lines, "\n"); got != strings.TrimSuffix(b.String(), "\n") {
			t.Fatalf("input %q: lines %q", b.String(), got)
		}
	}
}

func TestBlockReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	br := NewBlockReader(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)), 8)
	var lines []string
	for {
		blk, err := br.Next()
		if errors.Is(err, boom) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v, want boom", err)
		}
		for _, l := range blk.Lines() {
			lines = append(lines, string(l))
		}
	}
	if !slices.Equal(lines, []string{"a", "b"}) {
		t.Errorf("lines before the error: %q", lines)
	}
}
