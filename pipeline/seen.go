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
// Counting a name it has allocates nothing.
type Tally struct {
	idx   map[string]int // index in names
	names []NameCount
	Other uint64
}

// NameCount is a name and its count of records.
type NameCount struct {
	Name  string `json:"name"`
	Count uint64 `json:"records"`
}

func (t *Tally) add(name []byte, n uint64) {
	if i, ok := t.idx[string(name)]; ok {
		t.names[i].Count += n
		return
	}
	if len(t.names) >= maxSeen {
		t.Other += n
		return
	}
	if t.idx == nil {
		t.idx = make(map[string]int)
	}
	t.idx[string(name)] = len(t.names)
	t.names = append(t.names, NameCount{string(name), n})
}

// Count returns the records of name (0 for a name not kept).
func (t *Tally) Count(name string) uint64 {
	if i, ok := t.idx[name]; ok {
		return t.names[i].Count
	}
	return 0
}

// Len returns how many names the tally keeps.
func (t *Tally) Len() int { return len(t.names) }

// merge adds o's counts: its names with the most records first (then by
// name), so that which are kept past maxSeen does not hang on the order
// the names came in.
func (t *Tally) merge(o *Tally) {
	top, _ := o.Top(len(o.names))
	for _, nc := range top {
		t.add([]byte(nc.Name), nc.Count)
	}
	t.Other += o.Other
}

// Top returns the max names with the most records, most first (then by
// name), and the records of the names left out (Other included).
func (t *Tally) Top(max int) ([]NameCount, uint64) {
	all := slices.Clone(t.names)
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
