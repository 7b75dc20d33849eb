package profilegen

import (
	"iter"
	"maps"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
)

// Key is one distinct observation: a raw (arch=, syscall=) pair and the
// action the filter took.
type Key struct {
	Arch    uint32 // arch= as printed (0: the record had none)
	Syscall int64  // syscall= as printed (x32 keeps its 0x40000000 bit)
	Action  audit.Action
}

// Seen is what a Set holds per Key.
type Seen struct {
	Count uint64
	PID   int32  // of the first record with this key
	Comm  string // of the first record with this key
}

// Set is what was observed, per group: how many records had each Key.
// The group of a record is named by the caller (see package pipeline, which
// groups records by executable, comm, pid, container, ...). Memory grows
// with distinct groups and keys, never with records. A Set is not safe for
// concurrent use.
type Set struct {
	groups   map[string]map[Key]*Seen
	profiles map[string]*known
	keys     int
	bounds   // limits on groups and unknown numbers (limits.go)
}

// known is what AddProfile took from an existing profile.
type known struct {
	names  map[string]struct{}
	arches map[string]struct{}
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{groups: make(map[string]map[Key]*Seen), profiles: make(map[string]*known)}
}

// Add counts r in group. It does not allocate when the group and r's key
// are known.
func (s *Set) Add(group []byte, r *audit.Record) { s.AddN(group, r, 1) }

// AddN counts r n times in group, as Add does once. It tells where the
// limits put them: overflow when they went to OverflowGroup (group was
// past Limits.Groups), and kept false when r's call was left out (an
// unknown number past Limits.Unknown: only counted, see Overflow).
func (s *Set) AddN(group []byte, r *audit.Record, n uint64) (kept, overflow bool) {
	g := s.group(group, n)
	overflow = s.lastG == nil // group remembers every group but OverflowGroup
	k := Key{Arch: r.Arch, Syscall: r.Syscall, Action: r.Action}
	if e := s.cached(k); e != nil {
		e.Count += n
		return true, overflow
	}
	if e := g[k]; e != nil {
		e.Count += n
		s.cache(k, e)
		return true, overflow
	}
	if !s.keepKey(k, n) {
		return false, overflow
	}
	e := &Seen{Count: n, PID: r.PID, Comm: string(r.Comm)}
	g[k] = e
	s.cache(k, e)
	s.keys++
	return true, overflow
}

// Groups returns the names of the groups, sorted: those with records and
// those given to AddProfile.
func (s *Set) Groups() []string {
	names := slices.Collect(maps.Keys(s.groups))
	for g := range s.profiles {
		if _, ok := s.groups[g]; !ok {
			names = append(names, g)
		}
	}
	slices.Sort(names)
	return names
}

// Len returns the number of distinct keys over all groups.
func (s *Set) Len() int { return s.keys }

// Keys returns a copy of what group holds, nil for an unknown group.
func (s *Set) Keys(group string) map[Key]Seen {
	g, ok := s.groups[group]
	if !ok {
		return nil
	}
	out := make(map[Key]Seen, len(g))
	for k, e := range g {
		out[k] = *e
	}
	return out
}

// Range yields the calls group holds and what was seen of each, in no
// order, without copying the group (Keys does). s must not change until
// the loop ends.
func (s *Set) Range(group string) iter.Seq2[Key, Seen] {
	return func(yield func(Key, Seen) bool) {
		for k, e := range s.groups[group] {
			if !yield(k, *e) {
				return
			}
		}
	}
}

// Merge adds what other holds to s: counts are summed, the first pid and
// comm of a key already in s are kept. Groups keep their names. other is
// left as it was.
func (s *Set) Merge(other *Set) {
	for _, name := range other.mergeOrder() { // first seen first: the same groups overflow as in one pass
		og := other.groups[name]
		g := s.groups[name]
		if g == nil {
			g = s.newGroup(name, count(og))
		}
		for k, oe := range s.mergeKeys(og) {
			if e := g[k]; e != nil {
				e.Count += oe.Count
				continue
			}
			if !s.keepKey(k, oe.Count) {
				continue
			}
			e := *oe
			g[k] = &e
			s.keys++
		}
	}
	s.mergeBounds(other)
	for name, p := range other.profiles {
		kp := s.known(name)
		maps.Copy(kp.names, p.names)
		maps.Copy(kp.arches, p.arches)
	}
}

// AddProfile records the calls an existing profile allows for group (for a
// daemon that restarts; Options.Merge adds a profile to every group): the
// names of its unconditional SCMP_ACT_ALLOW rules and its architectures go
// into Build's output for group. A conditional rule is left out: its call
// never becomes allowed whatever the arguments (Options.MergeRules keeps
// the conditions of Merge's profiles).
func (s *Set) AddProfile(group string, p *specs.LinuxSeccomp) {
	s.known(group).add(p)
}

// add takes the names p's unconditional SCMP_ACT_ALLOW rules hold, and its
// architectures.
func (k *known) add(p *specs.LinuxSeccomp) {
	if p == nil {
		return
	}
	for _, a := range p.Architectures {
		k.arches[string(a)] = struct{}{}
	}
	for _, rule := range p.Syscalls {
		if rule.Action != specs.ActAllow || len(rule.Args) > 0 {
			continue
		}
		for _, n := range rule.Names {
			k.names[n] = struct{}{}
		}
	}
}

func (s *Set) known(group string) *known {
	kp := s.profiles[group]
	if kp == nil {
		kp = newKnown()
		s.profiles[group] = kp
	}
	return kp
}

func newKnown() *known {
	return &known{names: make(map[string]struct{}), arches: make(map[string]struct{})}
}
