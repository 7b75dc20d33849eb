package profilegen

import (
	"bytes"
	"cmp"
	"iter"
	"maps"
	"slices"

	"github.com/recorder-dev/recorder/syscalls"
)

// Limits bound what a Set keeps, so that memory and output stay bounded
// whatever the records say (a process chooses its name, and can call any
// number). Zero means no limit.
type Limits struct {
	// Groups is how many groups a Set keeps; the records of any further
	// group go to the one group OverflowGroup, and are counted.
	Groups int
	// Unknown is how many distinct calls without a name (numbers
	// libseccomp does not know, arch= values not in the table) a Set keeps
	// for the report; further ones are only counted. They are never in a
	// profile either way.
	Unknown int
}

// DefaultLimits fit a node: some thousand programs, and room in the report
// for far more unknown numbers than any real kernel has.
var DefaultLimits = Limits{Groups: 4096, Unknown: 1024}

// OverflowGroup is the group that takes the records of the groups past
// Limits.Groups. It is longer than a comm can be (15 bytes) and is no path
// nor number, so no record names it by itself.
const OverflowGroup = "(groups over the limit)"

// Overflow tells what the limits left out of a Set.
type Overflow struct {
	Limit   int      // Limits.Groups
	Records uint64   // records that went to OverflowGroup
	First   []string // the first groups that did (up to maxFirst)
	// UnknownRecords counts the records of unnamed calls past
	// Limits.Unknown, which are not in the Set.
	UnknownRecords uint64
	UnknownLimit   int // Limits.Unknown
}

// maxFirst is how many names of overflowing groups Overflow keeps.
const maxFirst = 5

// bounds is the Set's part that applies Limits.
type bounds struct {
	lim      Limits
	order    []string // groups with records, first seen first, but OverflowGroup
	unknown  int      // distinct unnamed keys kept
	overflow Overflow
	// The group AddN took last: records come in runs of one group.
	lastName []byte
	lastG    map[Key]*Seen
	// keyCache holds the entries of lastG found last, by a cheap hash of
	// their key: a storm repeats a few calls. An entry counts only while
	// its gen is the Set's, which moves on whenever lastG does (nextGen).
	gen      uint32
	keyCache *[256]cachedKey
}

// cachedKey is an entry of the key cache.
type cachedKey struct {
	gen uint32
	k   Key
	e   *Seen
}

func cacheSlot(k Key) uint8 {
	return uint8((uint32(k.Syscall)*0x9E3779B1 ^ k.Arch ^ uint32(k.Action)*0x85EBCA6B) >> 24)
}

// cached returns the entry of k in the group AddN took last, if cached.
func (s *Set) cached(k Key) *Seen {
	if s.keyCache == nil {
		return nil
	}
	if c := &s.keyCache[cacheSlot(k)]; c.gen == s.gen && c.k == k {
		return c.e
	}
	return nil
}

// cache remembers e, the entry of k in the group AddN took last.
func (s *Set) cache(k Key, e *Seen) {
	if s.keyCache == nil {
		s.keyCache = new([256]cachedKey)
	}
	s.keyCache[cacheSlot(k)] = cachedKey{s.gen, k, e}
}

// nextGen makes every cached entry stale. When gen wraps, the entries of
// 2^32 changes ago would match again: the cache is emptied, and gen skips
// 0, the gen of an empty slot.
func (s *Set) nextGen() {
	if s.gen++; s.gen != 0 {
		return
	}
	s.gen = 1
	if s.keyCache != nil {
		*s.keyCache = [256]cachedKey{}
	}
}

// SetLimits sets the limits of s; it does not shrink what s holds already.
func (s *Set) SetLimits(l Limits) { s.lim = l }

// Limits returns the limits of s.
func (s *Set) Limits() Limits { return s.lim }

// Overflow returns what the limits left out so far.
func (s *Set) Overflow() Overflow {
	o := s.overflow
	o.Limit, o.UnknownLimit = s.lim.Groups, s.lim.Unknown
	o.First = slices.Clone(o.First)
	return o
}

// group returns the map of the group named name, made if need be (or that
// of OverflowGroup, counting the n records, past the limit).
func (s *Set) group(name []byte, n uint64) map[Key]*Seen {
	if s.lastG != nil && bytes.Equal(name, s.lastName) {
		return s.lastG
	}
	s.nextGen() // the cached keys are another group's
	g := s.groups[string(name)]
	if g == nil {
		g = s.newGroup(string(name), n)
		if s.groups[string(name)] == nil {
			s.lastG = nil
			return g // went to OverflowGroup: not remembered, so that each record is counted
		}
	}
	s.lastName, s.lastG = append(s.lastName[:0], name...), g
	return g
}

// newGroup makes the map of a group not seen yet, or returns that of
// OverflowGroup once Limits.Groups are kept, counting the n records.
func (s *Set) newGroup(name string, n uint64) map[Key]*Seen {
	if name != OverflowGroup && s.lim.Groups > 0 && len(s.order) >= s.lim.Groups {
		s.overflow.Records += n
		if len(s.overflow.First) < maxFirst {
			s.overflow.First = append(s.overflow.First, name)
		}
		name = OverflowGroup
	}
	if g := s.groups[name]; g != nil {
		return g
	}
	g := make(map[Key]*Seen)
	s.groups[name] = g
	if name != OverflowGroup {
		s.order = append(s.order, name)
	}
	return g
}

// mergeOrder is the order in which Merge takes o's groups: as o first saw
// them, OverflowGroup last.
func (o *Set) mergeOrder() []string {
	if _, ok := o.groups[OverflowGroup]; ok {
		return append(o.order[:len(o.order):len(o.order)], OverflowGroup)
	}
	return o.order
}

// keepKey reports whether a key new to its group is kept: unnamed keys
// past Limits.Unknown are only counted.
func (s *Set) keepKey(k Key, n uint64) bool {
	if s.lim.Unknown <= 0 || named(k) {
		return true
	}
	if s.unknown >= s.lim.Unknown {
		s.overflow.UnknownRecords += n
		return false
	}
	s.unknown++
	return true
}

// named reports whether Build can name k's call.
func named(k Key) bool {
	a, nr, ok := syscalls.ABI(k.Arch, k.Syscall)
	return ok && syscalls.Known(a, nr)
}

// mergeKeys yields the keys of a group Merge takes: in a fixed order when
// some unnamed ones may not be kept, so that which are kept does not
// depend on map order.
func (s *Set) mergeKeys(g map[Key]*Seen) iter.Seq2[Key, *Seen] {
	if s.lim.Unknown <= 0 || s.unknown+len(g) <= s.lim.Unknown {
		return maps.All(g)
	}
	return func(yield func(Key, *Seen) bool) {
		keys := slices.SortedFunc(maps.Keys(g), func(a, b Key) int {
			return cmp.Or(cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Syscall, b.Syscall), cmp.Compare(a.Action, b.Action))
		})
		for _, k := range keys {
			if !yield(k, g[k]) {
				return
			}
		}
	}
}

// mergeBounds adds what o's limits left out to s's.
func (s *Set) mergeBounds(o *Set) {
	s.overflow.Records += o.overflow.Records
	s.overflow.UnknownRecords += o.overflow.UnknownRecords
	for _, name := range o.overflow.First {
		if len(s.overflow.First) < maxFirst {
			s.overflow.First = append(s.overflow.First, name)
		}
	}
}

// count returns the records of a group.
func count(g map[Key]*Seen) uint64 {
	var n uint64
	for _, e := range g {
		n += e.Count
	}
	return n
}
