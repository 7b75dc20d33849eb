package profilegen

import (
	"fmt"
	"slices"
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

// TestSetLimitGroups is reproducer 3's "1,000,000 distinct executables":
// past Limits.Groups, records go to OverflowGroup and are counted; a group
// kept before the limit still gets its own records; Merge of sets read in
// order gives what one pass gives.
func TestSetLimitGroups(t *testing.T) {
	var recs []*audit.Record
	for i := range 10 {
		recs = append(recs, rec(fmt.Sprintf("/tmp/x/p%d", i), "p", int32(i), 0xc000003e, int64(i), audit.ActionLog))
	}
	recs = append(recs, rec("/tmp/x/p0", "p", 99, 0xc000003e, 42, audit.ActionLog)) // a kept group, after the limit
	one := NewSet()
	one.SetLimits(Limits{Groups: 3})
	for _, r := range recs {
		one.Add(r.Exe, r)
	}
	want := []string{OverflowGroup, "/tmp/x/p0", "/tmp/x/p1", "/tmp/x/p2"}
	if got := one.Groups(); !slices.Equal(got, want) {
		t.Errorf("Groups() = %q, want %q", got, want)
	}
	if o := one.Overflow(); o.Records != 7 || !slices.Equal(o.First, []string{"/tmp/x/p3", "/tmp/x/p4", "/tmp/x/p5", "/tmp/x/p6", "/tmp/x/p7"}) {
		t.Errorf("Overflow() = %+v", o)
	}
	if _, ok := one.Keys("/tmp/x/p0")[Key{0xc000003e, 42, audit.ActionLog}]; !ok {
		t.Errorf("the kept group lost a record that came after the limit")
	}
	if n := len(one.Keys(OverflowGroup)); n != 7 {
		t.Errorf("overflow group holds %d keys, want 7", n)
	}
	// The same records in three sets without limits, merged in order.
	merged := NewSet()
	merged.SetLimits(Limits{Groups: 3})
	for _, part := range [][]*audit.Record{recs[:2], recs[2:7], recs[7:]} {
		s := NewSet()
		for _, r := range part {
			s.Add(r.Exe, r)
		}
		merged.Merge(s)
	}
	if !slices.Equal(merged.Groups(), one.Groups()) || merged.Overflow().Records != 7 || merged.Len() != one.Len() {
		t.Errorf("merged: groups %q overflow %+v len %d; one pass: %q %+v %d",
			merged.Groups(), merged.Overflow(), merged.Len(), one.Groups(), one.Overflow(), one.Len())
	}
}

// TestSetLimitUnknown is reproducer 3's "1 M distinct unknown numbers":
// past Limits.Unknown, unnamed calls are counted, not kept; named calls are
// always kept.
func TestSetLimitUnknown(t *testing.T) {
	s := NewSet()
	s.SetLimits(Limits{Unknown: 10})
	for nr := range 50 {
		r := rec("/usr/bin/x", "x", 1, 0xc000003e, 100000+int64(nr), audit.ActionLog)
		s.Add([]byte("x"), r)
		s.Add([]byte("x"), r)
	}
	s.Add([]byte("x"), rec("/usr/bin/x", "x", 1, 0xc000003e, 0, audit.ActionLog)) // read
	if n := len(s.Keys("x")); n != 11 {
		t.Errorf("%d keys kept, want 10 unknown and read", n)
	}
	if o := s.Overflow(); o.UnknownRecords != 80 {
		t.Errorf("UnknownRecords = %d, want 80", o.UnknownRecords)
	}
	_, rep, err := Build(s, "x", Options{})
	if err != nil || len(rep.Unknown) != 10 || !slices.Contains(rep.Names, "read") {
		t.Errorf("Build: %v, %d unknown, names %q", err, len(rep.Unknown), rep.Names)
	}
}

// TestSetKeyCacheGenWraps: the key cache's generation moves on at every
// change of group, and wraps after 2^32 of them (days of watch -g pid at
// 10k records/s). An entry cached 2^32 changes ago must not count the calls
// of another group. The test starts the generation just before its wrap
// (the loop of 2^32 group changes it stands for would take minutes).
func TestSetKeyCacheGenWraps(t *testing.T) {
	s := NewSet()
	read := rec("/a", "a", 1, 0xc000003e, 0, audit.ActionLog)
	write := rec("/b", "b", 2, 0xc000003e, 1, audit.ActionLog)
	s.Add([]byte("a"), read) // cached at the first generation
	first := s.gen
	s.gen = first - 2 // as after 2^32-2 more changes of group, none of them to a read
	s.Add([]byte("b"), write)
	s.Add([]byte("c"), read) // the generation is first's again
	if got := s.Keys("a")[Key{0xc000003e, 0, audit.ActionLog}].Count; got != 1 {
		t.Errorf("group a counts %d reads, want 1", got)
	}
	if got := s.Keys("c")[Key{0xc000003e, 0, audit.ActionLog}].Count; got != 1 {
		t.Errorf("group c counts %d reads, want 1 (it has %v)", got, s.Keys("c"))
	}
	s.Add([]byte("a"), read) // the cache still works past the wrap
	s.Add([]byte("a"), read)
	if got := s.Keys("a")[Key{0xc000003e, 0, audit.ActionLog}].Count; got != 3 {
		t.Errorf("group a counts %d reads, want 3", got)
	}
}

// TestAddNTellsWhere: AddN says where the limits put the records, for
// what follows the Set (pipeline.Explain): to OverflowGroup past
// Limits.Groups, and not kept past Limits.Unknown.
func TestAddNTellsWhere(t *testing.T) {
	s := NewSet()
	s.SetLimits(Limits{Groups: 1, Unknown: 1})
	for _, tt := range []struct {
		group          string
		nr             int64
		kept, overflow bool
	}{
		{"a", 0, true, false},
		{"a", 0, true, false},      // cached
		{"b", 0, true, true},       // past the groups
		{"b", 1, true, true},       // again
		{"a", 100000, true, false}, // the first unknown number
		{"a", 100001, false, false},
		{"b", 100002, false, true},
		{"a", 100000, true, false}, // kept already
	} {
		kept, overflow := s.AddN([]byte(tt.group), rec("/x", "x", 1, 0xc000003e, tt.nr, audit.ActionLog), 2)
		if kept != tt.kept || overflow != tt.overflow {
			t.Errorf("AddN(%s, %d) = %v, %v; want %v, %v", tt.group, tt.nr, kept, overflow, tt.kept, tt.overflow)
		}
	}
}
