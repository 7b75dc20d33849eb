package pipeline

import (
	"fmt"
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
		for round := range 2 { // the second round reads the cache
			for i, r := range all {
				if got := tt.f.Match(r); got != tt.want[i] {
					t.Errorf("%s: round %d: Match(comm=%q pid=%d) = %v; want %v", tt.name, round, r.Comm, r.PID, got, tt.want[i])
				}
			}
		}
	}
}

func TestFilterCacheBounded(t *testing.T) {
	f := &Filter{Comm: regexp.MustCompile(`^a`)}
	r := &Record{Record: audit.Record{}}
	for i := range 3 * maxFilterCache {
		r.Comm = fmt.Appendf(r.Comm[:0], "%c%d", 'a'+i%2, i)
		want := i%2 == 0
		if got := f.Match(r); got != want {
			t.Fatalf("Match(%q) = %v; want %v", r.Comm, got, want)
		}
		if len(f.comm) > maxFilterCache {
			t.Fatalf("cache holds %d entries; bound %d", len(f.comm), maxFilterCache)
		}
	}
}

func TestFilterNoAllocWhenCached(t *testing.T) {
	f := &Filter{Exe: regexp.MustCompile(`^/usr/`), Comm: regexp.MustCompile(`x`)}
	r := &Record{Record: audit.Record{Exe: []byte("/usr/bin/x"), Comm: []byte("x")}}
	f.Match(r)
	if n := testing.AllocsPerRun(100, func() { f.Match(r) }); n != 0 {
		t.Errorf("cached Match allocates %v times", n)
	}
}

func BenchmarkFilterMatch(b *testing.B) {
	f := &Filter{Exe: regexp.MustCompile(`^/usr/(s?bin)/(nginx|httpd)$`), Comm: regexp.MustCompile(`^nginx`)}
	r := &Record{Record: audit.Record{Exe: []byte("/usr/sbin/nginx"), Comm: []byte("nginx: worker")}}
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(r) {
			b.Fatal("no match")
		}
	}
}
