package audit

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

const dmesgLine = `[   44.944852] audit: type=1326 audit(1795933612.979:2): ` + kernelBody

type readResult struct {
	line int
	kind Kind
	err  error // compared with errors.Is
}

// readAll reads r to its end and returns what each Read said.
func readAll(t *testing.T, r *Reader) []readResult {
	t.Helper()
	var got []readResult
	var rec Record
	for i := 0; ; i++ {
		if i > 1e6 {
			t.Fatal("Reader does not end")
		}
		k, err := r.Read(&rec)
		if err == io.EOF {
			if k != KindNone {
				t.Errorf("Read at EOF returned kind %v", k)
			}
			return got
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Read: unexpected error %v", err)
			}
			if pe.Line != r.Line() {
				t.Errorf("ParseError.Line = %d, Reader.Line() = %d", pe.Line, r.Line())
			}
			if k != KindNone {
				t.Errorf("Read returned kind %v with an error", k)
			}
			err = pe.Err
		}
		got = append(got, readResult{r.Line(), k, err})
	}
}

func TestReaderLines(t *testing.T) {
	malformedLine := `audit: type=1326 audit(1.2:3): syscall=x`
	tests := []struct {
		name  string
		input string
		want  []readResult
	}{
		{"empty", "", nil},
		{"one newline", "\n", []readResult{{1, KindNone, nil}}},
		{"LF", "hello\n" + dmesgLine + "\n", []readResult{{1, KindNone, nil}, {2, KindSeccomp, nil}}},
		{"CRLF", "hello\r\n" + dmesgLine + "\r\n\r\n", []readResult{{1, KindNone, nil}, {2, KindSeccomp, nil}, {3, KindNone, nil}}},
		{"no final newline", "hello\n" + dmesgLine, []readResult{{1, KindNone, nil}, {2, KindSeccomp, nil}}},
		{"no newline at all", dmesgLine, []readResult{{1, KindSeccomp, nil}}},
		{"malformed then more", dmesgLine + "\n" + malformedLine + "\n" + dmesgLine + "\n",
			[]readResult{{1, KindSeccomp, nil}, {2, KindNone, ErrMalformed}, {3, KindSeccomp, nil}}},
		{"NUL bytes", "\x00\x00\n\x00" + dmesgLine + "\n",
			[]readResult{{1, KindNone, nil}, {2, KindSeccomp, nil}}},
		{"suppressed", "[  276.453273] kauditd_printk_skb: 5 callbacks suppressed\n", []readResult{{1, KindSuppressed, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := readAll(t, NewReader(strings.NewReader(tc.input)))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d lines %v, want %d %v", len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.line != w.line || g.kind != w.kind || !errors.Is(g.err, w.err) || (w.err == nil) != (g.err == nil) {
					t.Errorf("line %d: got %+v, want %+v", i+1, g, w)
				}
			}
		})
	}
}

func TestReaderRecordFields(t *testing.T) {
	r := NewReader(strings.NewReader("x\r\n" + dmesgLine + "\r\n"))
	var rec Record
	if k, err := r.Read(&rec); k != KindNone || err != nil {
		t.Fatalf("Read 1 = %v, %v", k, err)
	}
	if k, err := r.Read(&rec); k != KindSeccomp || err != nil {
		t.Fatalf("Read 2 = %v, %v", k, err)
	}
	if d := diff(rec, logRec); d != "" {
		t.Errorf("record differs: %s", d)
	}
}

func TestReaderMaxLineLength(t *testing.T) {
	long := func(n int) string { return strings.Repeat("b", n) }
	for _, max := range []int{10, 300 << 10} { // within the buffer, and past it
		in := long(max) + "\n" + long(max+1) + "\n" + long(max) + "\r\n" + long(max-1) + "\r\r\n" + long(max+1) + "\r\n" + long(max+100)
		r := NewReader(strings.NewReader(in))
		r.MaxLineLength = max
		got := readAll(t, r)
		want := []readResult{{1, KindNone, nil}, {2, KindNone, ErrLineTooLong}, {3, KindNone, nil},
			{4, KindNone, nil}, {5, KindNone, ErrLineTooLong}, {6, KindNone, ErrLineTooLong}}
		if len(got) != len(want) {
			t.Fatalf("max %d: got %v, want %v", max, got, want)
		}
		for i := range want {
			if got[i].line != want[i].line || !errors.Is(got[i].err, want[i].err) || (want[i].err == nil) != (got[i].err == nil) {
				t.Errorf("max %d line %d: got %+v, want %+v", max, i+1, got[i], want[i])
			}
		}
	}
}

// TestReaderLongRecord parses a record longer than the buffer, but within
// MaxLineLength.
func TestReaderLongRecord(t *testing.T) {
	line := dmesgLine + " x=" + strings.Repeat("y", 600<<10)
	r := NewReader(strings.NewReader("a\n" + line + "\n" + dmesgLine))
	var rec Record
	for i, want := range []Kind{KindNone, KindSeccomp, KindSeccomp} {
		k, err := r.Read(&rec)
		if k != want || err != nil {
			t.Fatalf("Read %d = %v, %v; want %v", i+1, k, err, want)
		}
		if k == KindSeccomp {
			if d := diff(rec, logRec); d != "" {
				t.Fatalf("Read %d: %s", i+1, d)
			}
		}
	}
	if _, err := r.Read(&rec); err != io.EOF {
		t.Fatalf("Read after the last line = %v, want io.EOF", err)
	}
}

// patternReader yields n bytes of a repeated pattern without holding them.
type patternReader struct {
	pattern []byte
	n       int64
	off     int
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	total := 0
	for total < len(b) {
		c := copy(b[total:], p.pattern[p.off:])
		total += c
		p.off = (p.off + c) % len(p.pattern)
	}
	p.n -= int64(total)
	return total, nil
}

// Test100MBLine feeds a 100 MB line between two records, with the default
// MaxLineLength, and checks that it is reported, skipped, and never held.
func Test100MBLine(t *testing.T) {
	const size = 100 << 20
	in := io.MultiReader(
		strings.NewReader(dmesgLine+"\n"),
		&patternReader{pattern: []byte("binary\x00garbage audit( type=1326 "), n: size},
		strings.NewReader("\n"+dmesgLine+"\n"),
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := readAll(t, NewReader(in))
	runtime.ReadMemStats(&after)
	want := []readResult{{1, KindSeccomp, nil}, {2, KindNone, ErrLineTooLong}, {3, KindSeccomp, nil}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].line != want[i].line || got[i].kind != want[i].kind || !errors.Is(got[i].err, want[i].err) || (want[i].err == nil) != (got[i].err == nil) {
			t.Errorf("line %d: got %+v, want %+v", i+1, got[i], want[i])
		}
	}
	// The buffer (256 KiB) plus at most ~2 MiB for the line assembly buffer.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("reading a 100 MB line allocated %d bytes, want < 4 MiB", alloc)
	}
}

func TestReaderNoNewlineBounded(t *testing.T) {
	r := NewReader(&patternReader{pattern: []byte("x"), n: 5 << 20})
	r.MaxLineLength = 1000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := readAll(t, r)
	runtime.ReadMemStats(&after)
	if len(got) != 1 || got[0].line != 1 || !errors.Is(got[0].err, ErrLineTooLong) {
		t.Fatalf("got %v, want one ErrLineTooLong on line 1", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("allocated %d bytes, want < 1 MiB", alloc)
	}
}

func TestReaderBinaryGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 4<<20)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	in := append(garbage, "\n"+dmesgLine+"\n"...)
	got := readAll(t, NewReader(bytes.NewReader(in)))
	lines := bytes.Count(in, []byte{'\n'})
	if len(got) != lines {
		t.Fatalf("read %d lines, want %d", len(got), lines)
	}
	if last := got[len(got)-1]; last.kind != KindSeccomp || last.err != nil {
		t.Errorf("last line after garbage = %+v, want a seccomp record", last)
	}
}

type failingReader struct{ n int }

var errDisk = errors.New("disk on fire")

func (f *failingReader) Read(b []byte) (int, error) {
	if f.n == 0 {
		f.n++
		return copy(b, dmesgLine+"\npartial"), nil
	}
	return 0, errDisk
}

func TestReaderError(t *testing.T) {
	r := NewReader(&failingReader{})
	var rec Record
	if k, err := r.Read(&rec); k != KindSeccomp || err != nil {
		t.Fatalf("Read 1 = %v, %v", k, err)
	}
	if k, err := r.Read(&rec); k != KindNone || err != nil || r.Line() != 2 {
		t.Fatalf("Read 2 = %v, %v (line %d); want the partial line", k, err, r.Line())
	}
	for i := 0; i < 2; i++ { // sticky
		if _, err := r.Read(&rec); !errors.Is(err, errDisk) {
			t.Fatalf("Read after failure = %v, want %v", err, errDisk)
		}
		var pe *ParseError
		if _, err := r.Read(&rec); errors.As(err, &pe) {
			t.Fatalf("read error reported as a ParseError: %v", err)
		}
	}
}

func TestParseError(t *testing.T) {
	r := NewReader(strings.NewReader("a\nb\naudit: type=1326 audit(1.2:3): pid=1 syscall=x\n"))
	var rec Record
	var err error
	for err == nil {
		_, err = r.Read(&rec)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is no *ParseError", err, err)
	}
	if pe.Line != 3 {
		t.Errorf("Line = %d, want 3", pe.Line)
	}
	if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrLineTooLong) {
		t.Errorf("errors.Is(%v, ErrMalformed) = false or ErrLineTooLong = true", err)
	}
	const want = `line 3: malformed seccomp record: syscall="x" is not a number`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if _, err := r.Read(&rec); err != io.EOF {
		t.Errorf("Read after the error = %v, want io.EOF", err)
	}
}

func TestMalformedValueTruncated(t *testing.T) {
	var rec Record
	_, err := Parse([]byte("audit: type=1326 audit(1.2:3): syscall="+strings.Repeat("9", 1<<20)+"x"), &rec)
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	if n := len(err.Error()); n > 200 {
		t.Errorf("error message is %d bytes long: a hostile value must be cut", n)
	}
}
