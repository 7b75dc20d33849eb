package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

func TestFilter(t *testing.T) {
	nginx := &Record{Record: audit.Record{Exe: []byte("/usr/sbin/nginx"), Comm: []byte("nginx"), PID: 10}}
	worker := &Record{Record: audit.Record{Exe: []byte("/usr/sbin/nginx"), Comm: []byte("nginx: worker"), PID: 11}}
	null := &Record{Record: audit.Record{Exe: []byte("(null)"), Comm: []byte("kworker/0:1"), PID: 12}}
	all := []*Record{nginx, worker, null}
	for _, tt := range []struct {
		name string
		f    *Filter
		want []bool
	}{
		{"nil", nil, []bool{true, true, true}},
		{"zero", &Filter{}, []bool{true, true, true}},
		{"pid", &Filter{PID: 11}, []bool{false, true, false}},
		{"exe full path", &Filter{Exe: regexp.MustCompile(`^/usr/sbin/nginx$`)}, []bool{true, true, false}},
		{"exe basename only is not the full path", &Filter{Exe: regexp.MustCompile(`^nginx$`)}, []bool{false, false, false}},
		{"exe null", &Filter{Exe: regexp.MustCompile(`^\(null\)$`)}, []bool{false, false, true}},
		{"comm anchored", &Filter{Comm: regexp.MustCompile(`^nginx$`)}, []bool{true, false, false}},
		{"comm unanchored", &Filter{Comm: regexp.MustCompile(`nginx`)}, []bool{true, true, false}},
		{"all conditions", &Filter{Exe: regexp.MustCompile(`nginx`), Comm: regexp.MustCompile(`worker`), PID: 11}, []bool{false, true, false}},
		{"conditions disagree", &Filter{Exe: regexp.MustCompile(`nginx`), PID: 12}, []bool{false, false, false}},
	} {
		var m matcher // a Pipeline's way: the second round reads its cache
		for round := range 2 {
			for i, r := range all {
				if got := tt.f.Match(r); got != tt.want[i] {
					t.Errorf("%s: round %d: Match(comm=%q pid=%d) = %v; want %v", tt.name, round, r.Comm, r.PID, got, tt.want[i])
				}
				if got := m.match(tt.f, r); got != tt.want[i] {
					t.Errorf("%s: round %d: matcher(comm=%q pid=%d) = %v; want %v", tt.name, round, r.Comm, r.PID, got, tt.want[i])
				}
			}
		}
	}
}

func TestFilterCacheBounded(t *testing.T) {
	f := &Filter{Comm: regexp.MustCompile(`^a`)}
	var m matcher
	r := &Record{Record: audit.Record{}}
	for i := range 3 * maxFilterCache {
		r.Comm = fmt.Appendf(r.Comm[:0], "%c%d", 'a'+i%2, i)
		want := i%2 == 0
		if got := m.match(f, r); got != want {
			t.Fatalf("Match(%q) = %v; want %v", r.Comm, got, want)
		}
		if len(m.comm) > maxFilterCache {
			t.Fatalf("cache holds %d entries; bound %d", len(m.comm), maxFilterCache)
		}
	}
}

func TestFilterNoAllocWhenCached(t *testing.T) {
	f := &Filter{Exe: regexp.MustCompile(`^/usr/`), Comm: regexp.MustCompile(`x`)}
	r := &Record{Record: audit.Record{Exe: []byte("/usr/bin/x"), Comm: []byte("x")}}
	var m matcher
	m.match(f, r)
	if n := testing.AllocsPerRun(100, func() { m.match(f, r) }); n != 0 {
		t.Errorf("cached match allocates %v times", n)
	}
}

func BenchmarkFilterMatch(b *testing.B) {
	f := &Filter{Exe: regexp.MustCompile(`^/usr/(s?bin)/(nginx|httpd)$`), Comm: regexp.MustCompile(`^nginx`)}
	r := &Record{Record: audit.Record{Exe: []byte("/usr/sbin/nginx"), Comm: []byte("nginx: worker")}}
	var m matcher
	b.ReportAllocs()
	for b.Loop() {
		if !m.match(f, r) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkFilterParallel: pipelines on every core sharing one Filter, as
// ReadFrom's workers do.
func BenchmarkFilterParallel(b *testing.B) {
	f := &Filter{Exe: regexp.MustCompile(`^/usr/(s?bin)/(nginx|httpd)$`), Comm: regexp.MustCompile(`^nginx`)}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		p := New(Config{Filter: f})
		r := &Record{Record: audit.Record{Exe: []byte("/usr/sbin/nginx"), Comm: []byte("nginx: worker")}}
		for pb.Next() {
			if !p.match.match(f, r) {
				b.Fatal("no match")
			}
		}
	})
}

// TestFilterSharedUnchanged: ReadFrom's workers share the Filter of the
// pipeline's Config; matching must not write to it (it used to keep its
// caches there, behind a lock each record took), so that they share
// nothing per record. A filter used by parallel workers is still equal to
// one never used, and they filter as one pass does.
func TestFilterSharedUnchanged(t *testing.T) {
	data, err := os.ReadFile("../testdata/logs/syslog-traditional.log")
	if err != nil {
		t.Fatal(err)
	}
	newFilter := func() *Filter {
		return &Filter{Exe: regexp.MustCompile(`/usr/bin/`), Comm: regexp.MustCompile(`^[a-l]`)}
	}
	seq := New(Config{Filter: newFilter()})
	for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		seq.Line(l, Pos{"log", i + 1})
	}
	BlockSize = 4096 // many blocks, on every core
	defer func() { BlockSize = 0 }()
	used := newFilter()
	par := New(Config{Filter: used})
	if _, err := par.ReadFrom(context.Background(), "log", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(used, newFilter()) {
		t.Errorf("matching wrote to the shared Filter: %+v", *used)
	}
	if par.Counts.Kept != seq.Counts.Kept || par.Counts.Filtered != seq.Counts.Filtered || seq.Counts.Kept == 0 || seq.Counts.Filtered == 0 {
		t.Errorf("ReadFrom kept %d, filtered %d; one pass %d and %d", par.Counts.Kept, par.Counts.Filtered, seq.Counts.Kept, seq.Counts.Filtered)
	}
}
