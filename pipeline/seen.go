package pipeline

import (
	"cmp"
	"slices"
)

// maxSeen is how many distinct names Seen keeps per field; the records of
// later names are counted in Tally.Other.
const maxSeen = 32

// Seen is what the filter dropped, by executable, comm and container: the
// summary names it when nothing matched, so that a wrong --comm shows what
// was there. Bounded: maxSeen names per field.
type Seen struct {
	Exe, Comm, Container Tally
}

// Tally counts records per name, for maxSeen names; the rest in Other.
type Tally struct {
	N     map[string]uint64
	Other uint64
}

// NameCount is a name and its count of records.
type NameCount struct {
	Name  string `json:"name"`
	Count uint64 `json:"records"`
}

func (t *Tally) add(name []byte, n uint64) {
	if c, ok := t.N[string(name)]; ok {
		t.N[string(name)] = c + n
		return
	}
	if len(t.N) >= maxSeen {
		t.Other += n
		return
	}
	if t.N == nil {
		t.N = make(map[string]uint64)
	}
	t.N[string(name)] = n
}

// merge adds o's counts: its names with the most records first (then by
// name), so that which are kept past maxSeen does not hang on a map's
// order.
func (t *Tally) merge(o *Tally) {
	top, _ := o.Top(len(o.N))
	for _, nc := range top {
		t.add([]byte(nc.Name), nc.Count)
	}
	t.Other += o.Other
}

// Top returns the max names with the most records, most first (then by
// name), and the records of the names left out (Other included).
func (t *Tally) Top(max int) ([]NameCount, uint64) {
	all := make([]NameCount, 0, len(t.N))
	for name, n := range t.N {
		all = append(all, NameCount{name, n})
	}
	slices.SortFunc(all, func(a, b NameCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	rest := t.Other
	if len(all) > max {
		for _, nc := range all[max:] {
			rest += nc.Count
		}
		all = all[:max]
	}
	return all, rest
}

// add counts a record the filter dropped.
func (s *Seen) add(r *Record, n uint64) {
	s.Exe.add(r.Exe, n)
	s.Comm.add(r.Comm, n)
	if c, ok := r.Attr("container"); ok {
		s.Container.add([]byte(c), n)
	}
}

func (s *Seen) merge(o *Seen) {
	s.Exe.merge(&o.Exe)
	s.Comm.merge(&o.Comm)
	s.Container.merge(&o.Container)
}
