package profilegen

import (
	"maps"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
)

// rec makes a record by hand: these tests need many shapes, and the values
// are those of real x86_64 records (see FACTS.md).
func rec(exe, comm string, pid int32, arch uint32, nr int64, act audit.Action) *audit.Record {
	return &audit.Record{Type: audit.TypeSeccomp, Exe: []byte(exe), Comm: []byte(comm), PID: pid,
		Arch: arch, Syscall: nr, Action: act, Compat: 0}
}

func TestSetAdd(t *testing.T) {
	s := newSet(groupExe)
	add(s, rec("/usr/bin/cat", "cat", 7, 0xc000003e, 0, audit.ActionLog))
	add(s, rec("/usr/bin/cat", "cat-renamed", 8, 0xc000003e, 0, audit.ActionLog))
	add(s, rec("/usr/bin/cat", "cat", 7, 0xc000003e, 0, audit.ActionErrno))
	add(s, rec("/bin/sh", "sh", 9, 0x40000003, 3, audit.ActionLog))
	if got, want := s.Groups(), []string{"cat", "sh"}; !slices.Equal(got, want) {
		t.Errorf("Groups() = %q; want %q", got, want)
	}
	if s.Len() != 3 {
		t.Errorf("Len() = %d; want 3", s.Len())
	}
	got := s.Keys("cat")
	want := map[Key]Seen{
		{0xc000003e, 0, audit.ActionLog}:   {Count: 2, PID: 7, Comm: "cat"},
		{0xc000003e, 0, audit.ActionErrno}: {Count: 1, PID: 7, Comm: "cat"},
	}
	if len(got) != len(want) {
		t.Fatalf("Keys(cat) = %v; want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("Keys(cat)[%+v] = %+v; want %+v", k, got[k], w)
		}
	}
	if s.Keys("nothing") != nil {
		t.Error("Keys(nothing) != nil")
	}
}

func TestSetCommCopied(t *testing.T) {
	s := newSet(groupComm)
	r := rec("/x", "first", 1, 0xc000003e, 0, audit.ActionKillProcess)
	add(s, r)
	copy(r.Comm, "XXXXX") // the parser reuses its buffers
	if g := s.Groups(); !slices.Equal(g, []string{"first"}) {
		t.Errorf("group name aliases the record: %q", g)
	}
	if seen := s.Keys("first")[Key{0xc000003e, 0, audit.ActionKillProcess}]; seen.Comm != "first" {
		t.Errorf("comm aliases the record: %q", seen.Comm)
	}
}

func TestSetMemoryBounded(t *testing.T) {
	s := newSet(groupExe)
	r := rec("/usr/bin/stress", "stress", 1, 0xc000003e, 39, audit.ActionLog)
	for i := range 100000 {
		r.Syscall = int64(i % 10)
		add(s, r)
	}
	if s.Len() != 10 {
		t.Errorf("Len() after 100000 records of 10 keys = %d", s.Len())
	}
	var total uint64
	for _, seen := range s.Keys("stress") {
		total += seen.Count
	}
	if total != 100000 {
		t.Errorf("counts sum to %d; want 100000", total)
	}
}

func TestSetAddNoAlloc(t *testing.T) {
	s := newSet(groupExe)
	r := rec("/usr/bin/stress", "stress", 1, 0xc000003e, 39, audit.ActionLog)
	add(s, r)
	if n := testing.AllocsPerRun(1000, func() { add(s, r) }); n != 0 {
		t.Errorf("Add of a known key allocates %v times", n)
	}
}

func BenchmarkSetAdd(b *testing.B) {
	s := newSet(groupExe)
	recs := []*audit.Record{
		rec("/usr/bin/stress", "stress", 1, 0xc000003e, 39, audit.ActionLog),
		rec("/usr/bin/stress", "stress", 1, 0xc000003e, 0, audit.ActionLog),
		rec("/usr/sbin/nginx", "nginx", 2, 0xc000003e, 232, audit.ActionLog),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		add(s, recs[i%len(recs)])
		i++
	}
}

func TestSetMerge(t *testing.T) {
	a, b := newSet(groupExe), newSet(groupExe)
	add(a, rec("/bin/a", "a", 1, 0xc000003e, 0, audit.ActionLog))
	add(b, rec("/bin/a", "a2", 2, 0xc000003e, 0, audit.ActionLog))
	add(b, rec("/bin/a", "a2", 2, 0xc000003e, 1, audit.ActionLog))
	add(b, rec("/bin/b", "b", 3, 0xc000003e, 1, audit.ActionLog))
	b.AddProfile("c", &specs.LinuxSeccomp{Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}})
	a.Merge(b)
	if got := a.Groups(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Groups() = %q", got)
	}
	if a.Len() != 3 {
		t.Errorf("Len() = %d; want 3", a.Len())
	}
	if got := a.Keys("a")[Key{0xc000003e, 0, audit.ActionLog}]; got != (Seen{Count: 2, PID: 1, Comm: "a"}) {
		t.Errorf("merged key = %+v", got)
	}
	add(b, rec("/bin/b", "b", 3, 0xc000003e, 1, audit.ActionLog))
	if got := a.Keys("b")[Key{0xc000003e, 1, audit.ActionLog}].Count; got != 1 {
		t.Errorf("Merge shares entries with other: count %d", got)
	}
}

// TestSetRange: Range yields what Keys copies, stops when asked, and yields
// nothing for an unknown group.
func TestSetRange(t *testing.T) {
	s := NewSet()
	for nr := range 5 {
		s.AddN([]byte("g"), rec("/a", "a", 1, 0xc000003e, int64(nr), audit.ActionLog), uint64(nr+1))
	}
	got := map[Key]Seen{}
	for k, seen := range s.Range("g") {
		got[k] = seen
	}
	if want := s.Keys("g"); len(got) != 5 || !maps.Equal(got, want) {
		t.Errorf("Range yielded %v, want %v", got, want)
	}
	n := 0
	for range s.Range("g") {
		n++
		break
	}
	for range s.Range("none") {
		n++
	}
	if n != 1 {
		t.Errorf("%d yields after a break and for an unknown group, want 1", n)
	}
}
