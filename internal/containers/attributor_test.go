package containers

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
)

const (
	ctrID  = "3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
	podUID = "1b2c3d4e-5f60-4718-89ab-cdef01234567"
)

// fakeProc is a procfs of made-up processes, each with a stat (the start
// time at field 22) and a cgroup file, for an Attributor whose boot time
// is boot.
type fakeProc struct {
	t    testing.TB
	dir  string
	boot time.Time
}

func newFakeProc(t testing.TB) *fakeProc {
	return &fakeProc{t: t, dir: t.TempDir(), boot: time.Unix(1795880000, 0)}
}

// start makes pid a process that started at boot+since in cgroup file cg
// (from testdata/cgroup), with a comm that holds ") " to tease the parser.
func (f *fakeProc) start(pid int32, since time.Duration, cg string) {
	d := filepath.Join(f.dir, strconv.Itoa(int(pid)))
	if err := os.MkdirAll(d, 0o755); err != nil {
		f.t.Fatal(err)
	}
	ticks := int64(since / (10 * time.Millisecond))
	stat := strconv.Itoa(int(pid)) + " (a) b (c) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 " + strconv.FormatInt(ticks, 10) + " 1000 100 18446744073709551615\n"
	if err := os.WriteFile(filepath.Join(d, "stat"), []byte(stat), 0o644); err != nil {
		f.t.Fatal(err)
	}
	data, err := os.ReadFile("../../testdata/cgroup/" + cg + ".cgroup")
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "cgroup"), data, 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeProc) exit(pid int32) { os.RemoveAll(filepath.Join(f.dir, strconv.Itoa(int(pid)))) }

func (f *fakeProc) attributor(now *time.Time) *Attributor {
	return &Attributor{Proc: f.dir, boot: f.boot, now: func() time.Time { return *now }}
}

// rec is a record of pid made at boot+at.
func (f *fakeProc) rec(pid int32, at time.Duration) *pipeline.Record {
	t := f.boot.Add(at)
	return &pipeline.Record{Record: audit.Record{PID: pid, Sec: t.Unix(), Msec: uint32(t.Nanosecond() / 1e6)}}
}

func TestAttributor(t *testing.T) {
	f := newFakeProc(t)
	now := f.boot.Add(time.Hour)
	a := f.attributor(&now)
	f.start(100, 10*time.Minute, "containerd-systemd-burstable")
	f.start(200, 10*time.Minute, "host")

	r := f.rec(100, 20*time.Minute)
	a.Enrich(r)
	if id, _ := r.Attr(AttrContainer); id != ctrID || r.Unattributed() {
		t.Fatalf("container = %q, unattributed %v", id, r.Unattributed())
	}
	if uid, _ := r.Attr(AttrPod); uid != podUID {
		t.Errorf("pod = %q", uid)
	}
	if rt, _ := r.Attr(AttrRuntime); rt != "containerd" {
		t.Errorf("runtime = %q", rt)
	}
	if q, _ := r.Attr(AttrQoS); q != "burstable" {
		t.Errorf("qos = %q", q)
	}

	r = f.rec(200, 20*time.Minute)
	a.Enrich(r)
	if _, ok := r.Attr(AttrContainer); ok || r.Unattributed() {
		t.Errorf("host process: attrs %v, unattributed %v", r.Attrs(), r.Unattributed())
	}

	// pid 100 exits: a record made while it lived (before it was last
	// seen) is still its own; a later one is unattributed.
	f.exit(100)
	r = f.rec(100, 30*time.Minute)
	a.Enrich(r)
	if id, _ := r.Attr(AttrContainer); id != ctrID {
		t.Errorf("record made before the process was last seen: container %q", id)
	}
	now = now.Add(time.Minute)
	r = f.rec(100, time.Hour+30*time.Second)
	a.Enrich(r)
	if !r.Unattributed() {
		t.Errorf("record of a gone process: attrs %v, not unattributed", r.Attrs())
	}

	// pid 100 is reused by a host process that started after the record.
	f.start(100, time.Hour+40*time.Second, "host")
	r = f.rec(100, time.Hour+35*time.Second)
	a.Enrich(r)
	if !r.Unattributed() {
		t.Errorf("record older than the pid's process: attrs %v, not unattributed", r.Attrs())
	}
	r = f.rec(100, time.Hour+45*time.Second)
	a.Enrich(r)
	if _, ok := r.Attr(AttrContainer); ok || r.Unattributed() {
		t.Errorf("the new process's record: attrs %v, unattributed %v", r.Attrs(), r.Unattributed())
	}

	// Within Slack of the start is the process's own: start times count
	// 10 ms ticks and record stamps a coarse clock.
	f.start(300, 2*time.Hour, "docker-systemd")
	now = f.boot.Add(3 * time.Hour)
	r = f.rec(300, 2*time.Hour-Slack/2)
	a.Enrich(r)
	if id, _ := r.Attr(AttrContainer); id != ctrID {
		t.Errorf("record within Slack of the start: attrs %v", r.Attrs())
	}
}

// TestAttributorMoved: a process of the host that moves into a
// container's cgroup (runc's init under record's filter) is the
// container's from the next look after hostRecheck.
func TestAttributorMoved(t *testing.T) {
	f := newFakeProc(t)
	now := f.boot.Add(time.Hour)
	a := f.attributor(&now)
	f.start(100, 10*time.Minute, "host")
	r := f.rec(100, time.Hour+time.Second)
	if a.Enrich(r); r.Unattributed() || len(r.Attrs()) != 0 {
		t.Fatalf("host process: %v", r.Attrs())
	}
	f.start(100, 10*time.Minute, "containerd-cgroupfs-besteffort") // the same process, moved
	now = now.Add(2 * time.Second)
	r = f.rec(100, time.Hour+2*time.Second)
	a.Enrich(r)
	if id, _ := r.Attr(AttrContainer); id != ctrID {
		t.Errorf("after the move: attrs %v", r.Attrs())
	}
}

func TestLookupNever(t *testing.T) {
	f := newFakeProc(t)
	now := f.boot.Add(time.Hour)
	a := f.attributor(&now)
	if _, err := a.Lookup(999, time.Time{}); !errors.Is(err, ErrGone) {
		t.Errorf("no such process: err = %v", err)
	}
	// A stat that is not one.
	os.MkdirAll(filepath.Join(f.dir, "5"), 0o755)
	os.WriteFile(filepath.Join(f.dir, "5", "stat"), []byte("5 (x"), 0o644)
	if _, err := a.Lookup(5, time.Time{}); !errors.Is(err, ErrGone) {
		t.Errorf("bad stat: err = %v", err)
	}
}

// TestAttributorSelf looks up real processes: this test's, in no
// container on the test machine, and a child that exits.
func TestAttributorSelf(t *testing.T) {
	var a Attributor
	info, err := a.Lookup(int32(os.Getpid()), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if info != nil {
		t.Skipf("the test runs in container %s", info.ID) // not on the test machine
	}
	// The record was made before this process started: not its own.
	if _, err := a.Lookup(int32(os.Getpid()), time.Now().Add(-24*time.Hour)); !errors.Is(err, ErrGone) {
		t.Errorf("record from before the process started: err = %v", err)
	}
}

func BenchmarkEnrichCached(b *testing.B) {
	var a Attributor
	t0 := time.Now()
	r := &pipeline.Record{Record: audit.Record{PID: int32(os.Getpid()), Sec: t0.Unix() + 3600}}
	a.Enrich(r)                                            // looks the process up, an hour ahead of its time
	r.Sec, r.Msec = t0.Unix(), uint32(t0.Nanosecond()/1e6) // a record older than the look: no read
	if a.Enrich(r); r.Unattributed() {
		b.Fatal("unattributed")
	}
	b.ReportAllocs()
	for b.Loop() {
		a.Enrich(r)
	}
}

// slowLookup returns a function that looks up a container's process with
// a record newer than its last look, as a quiet host's next record is:
// its start time is read again from /proc each time.
func slowLookup(tb testing.TB) func() {
	f := newFakeProc(tb)
	now := f.boot.Add(time.Hour)
	a := f.attributor(&now)
	f.start(4242, 10*time.Minute, "containerd-systemd-burstable")
	at := now.Add(time.Second) // after every look: never answered from the cache
	return func() {
		if info, err := a.Lookup(4242, at); err != nil || info == nil {
			tb.Fatalf("Lookup = %v, %v", info, err)
		}
	}
}

// TestLookupAllocs: the look that reads a process's start time again
// (possibly once a record on a quiet host) allocates no file, buffer or
// field list of its own: at most the path and its C string.
func TestLookupAllocs(t *testing.T) {
	lookup := slowLookup(t)
	lookup()
	if n := testing.AllocsPerRun(200, lookup); n > 2 {
		t.Errorf("a lookup that reads /proc/PID/stat again: %.0f allocations, want at most 2", n)
	}
}

func BenchmarkLookupReread(b *testing.B) {
	lookup := slowLookup(b)
	b.ReportAllocs()
	for b.Loop() {
		lookup()
	}
}

// TestObserveNotCounted: record looks up each seccomp record as it comes
// (Observe, every process's) and its program's again when they go down
// the pipeline (Enrich): a record left unattributed is counted once, and
// another process's record, never enriched, not at all.
func TestObserveNotCounted(t *testing.T) {
	f := newFakeProc(t)
	now := f.boot.Add(time.Hour)
	a := f.attributor(&now)
	var told int
	a.OnUnknown = func(int32, time.Time, error) { told++ }
	mine, other := f.rec(100, 50*time.Minute), f.rec(200, 50*time.Minute) // both gone
	a.Observe(&mine.Record)
	a.Observe(&other.Record)
	a.Enrich(mine)
	if !mine.Unattributed() {
		t.Fatalf("record of a gone process attributed")
	}
	var n uint64
	for _, c := range a.Unknown() {
		n += c
	}
	if n != 1 || told != 1 {
		t.Errorf("%d records counted unattributed, OnUnknown told %d times; want 1 and 1 (one record enriched)", n, told)
	}
}
