package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestTally: names past maxSeen count in Other; Top orders by records,
// then name, and adds the rest to the records left out; String lists them.
func TestTally(t *testing.T) {
	var a, b Tally
	a.add([]byte("sh"), 3)
	a.add([]byte("cat"), 5)
	a.add([]byte("sh"), 2)
	b.add([]byte("awk"), 5)
	for i := range maxSeen {
		b.add(fmt.Appendf(nil, "p%02d", i), 1)
	}
	if b.Len() != maxSeen || b.Other != 1 || b.Count("awk") != 5 {
		t.Errorf("b keeps %d names, other %d, awk %d; want %d, 1, 5", b.Len(), b.Other, b.Count("awk"), maxSeen)
	}
	a.merge(&b)
	top, rest := a.Top(3)
	want := []NameCount{{"awk", 5}, {"cat", 5}, {"sh", 5}}
	if !slices.Equal(top, want) || rest != 32 { // 29 p.. names kept, 3 past the bound (2 in a's merge, 1 in b)
		t.Errorf("Top(3) = %v, %d; want %v, 32", top, rest, want)
	}
	if got, want := a.String(), "awk (5), cat (5), sh (5), p00 (1), p01 (1), p02 (1), p03 (1), p04 (1), and 27 records of others"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var empty Tally
	if empty.String() != "" {
		t.Errorf("empty tally: %q", empty.String())
	}
}

// TestOutcome: no record kept comes first, then records lost.
func TestOutcome(t *testing.T) {
	for _, tt := range []struct {
		c    Counts
		want error
	}{
		{Counts{}, ErrNothingKept},
		{Counts{Kept: 1}, nil},
		{Counts{Kept: 1, Suppressed: 200026}, ErrLost},
		{Counts{Kept: 1, Source: SourceStats{KernelLost: 1}}, ErrLost},
		{Counts{Suppressed: 5}, ErrNothingKept},
	} {
		if got := tt.c.Outcome(); !errors.Is(got, tt.want) || (tt.want == nil) != (got == nil) {
			t.Errorf("%+v: Outcome() = %v, want %v", tt.c, got, tt.want)
		}
	}
}

// TestTallyNoAlloc: counting a name the tally has allocates nothing (the
// filtered path of every record).
func TestTallyNoAlloc(t *testing.T) {
	var tl Tally
	name := []byte("nginx")
	tl.add(name, 1)
	if n := testing.AllocsPerRun(100, func() { tl.add(name, 1) }); n != 0 {
		t.Errorf("add allocates %v times", n)
	}
}

// TestSpan: the first and last record times, merged.
func TestSpan(t *testing.T) {
	var a, b Counts
	a.span(2000)
	a.span(0) // no time
	a.span(1000)
	b.span(5000)
	a.Merge(&b)
	if a.First != 1000 || a.Last != 5000 {
		t.Errorf("span %d..%d, want 1000..5000", a.First, a.Last)
	}
}

// BenchmarkLineFiltered: the cost per record the filter drops, Seen's
// tally of its exe and comm included.
func BenchmarkLineFiltered(b *testing.B) {
	f, err := NewFilter(Select{Comm: "^nomatch$"})
	if err != nil {
		b.Fatal(err)
	}
	p := New(Config{Filter: f})
	line := []byte(lsLine)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Line(line, Pos{"log", i})
	}
	if p.Counts.Kept != 0 || p.Counts.Seen.Comm.Count("ls") == 0 {
		b.Fatalf("kept %d, seen %s", p.Counts.Kept, p.Counts.Seen.Comm.String())
	}
}
