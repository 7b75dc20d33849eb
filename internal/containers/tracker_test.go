package containers

import (
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/procev"
)

// fakeEvents is an EventSource of events a test gives. Hand-made events:
// forcing a pid's reuse within milliseconds on the real machine means
// cycling through its whole pid space.
type fakeEvents struct {
	evs  []procev.Event
	lost uint64
}

func (f *fakeEvents) Read(e *procev.Event) error {
	if len(f.evs) == 0 {
		return procev.ErrDrained
	}
	*e, f.evs = f.evs[0], f.evs[1:]
	return nil
}
func (f *fakeEvents) Available() int { return len(f.evs) }
func (f *fakeEvents) Lost() uint64   { return f.lost }
func (f *fakeEvents) Close() error   { return nil }

// The cgroups of the tests: the host's root, and two containers'.
const (
	rootCg = 1
	cgA    = 100
	cgB    = 200
)

func newTestTracker(src *fakeEvents) *Tracker {
	return NewTracker(src, 0, map[uint64]string{
		rootCg: "/",
		cgA:    "/kubepods/besteffort/pod" + podUID + "/" + ctrID,
		cgB:    "/kubepods/besteffort/pod" + podUID + "/" + otherID,
	})
}

func at(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }

// TestTrackerPidReuse: pid 7 is held in turn by a process of container A
// (0-100 ms), of container B (100.5-300 ms: reused within the record
// clock's granularity) and of the host (from 1 s). A record goes to the
// process that held the pid when it was made; where two in different
// cgroups could have (the record's stamp is up to Slack before the call),
// it is refused, never given to the wrong container.
func TestTrackerPidReuse(t *testing.T) {
	src := &fakeEvents{evs: []procev.Event{
		{Kind: procev.Fork, Boot: at(0), PID: 7, PPID: 1, Cgroup: cgA},
		{Kind: procev.Exit, Boot: at(100), PID: 7, Cgroup: cgA},
		{Kind: procev.Fork, Boot: at(100) + 500*time.Microsecond, PID: 7, PPID: 1, Cgroup: rootCg},
		{Kind: procev.Attach, Boot: at(101), PID: 7, Cgroup: cgB, Path: "/kubepods/besteffort/pod" + podUID + "/" + otherID},
		{Kind: procev.Exit, Boot: at(300), PID: 7, Cgroup: cgB},
		{Kind: procev.Fork, Boot: at(1000), PID: 7, PPID: 1, Cgroup: rootCg},
	}}
	tr := newTestTracker(src)
	defer tr.Close()
	a := &Attributor{Events: tr, boot: time.Unix(0, 0)}
	for _, tc := range []struct {
		ms   int
		want string // container, "host", or "gone"
	}{
		{10, ctrID},
		{70, ctrID},
		{90, "gone"},  // A's, or B's made up to Slack later: refused
		{100, "gone"}, // both held it within Slack
		{130, otherID},
		{299, otherID},
		{301, "gone"}, // none held it: B had exited, the host's came at 1 s
		{980, "host"}, // up to Slack before the host's process: no other held it
		{5000, "host"},
	} {
		info, err := a.Lookup(7, time.Unix(0, 0).Add(at(tc.ms)))
		got := "host"
		switch {
		case err != nil:
			if !errors.Is(err, ErrGone) {
				t.Errorf("%d ms: %v, not ErrGone", tc.ms, err)
			}
			got = "gone"
		case info != nil:
			got = info.ID
		}
		if got != tc.want {
			t.Errorf("record at %d ms: %s, want %s", tc.ms, got, tc.want)
		}
	}
	st := tr.Stats()
	if st.Ambiguous != 2 || st.Events != 6 {
		t.Errorf("stats %+v, want 2 ambiguous, 6 events", st)
	}
	causes := a.Unknown()
	if causes[CauseReused] != 2 || causes[CauseNone] != 1 {
		t.Errorf("causes %v, want 2 %q and 1 %q", causes, CauseReused, CauseNone)
	}
}

// TestTrackerRuncExec: runc's init is forked on the host, then moved into
// the container's cgroup (runc exec): its records, and its children's, are
// the container's, though it exited before any was read; its parent's
// stay the host's.
func TestTrackerRuncExec(t *testing.T) {
	src := &fakeEvents{evs: []procev.Event{
		{Kind: procev.Fork, Boot: at(0), PID: 50, PPID: 1, Cgroup: rootCg},  // runc
		{Kind: procev.Fork, Boot: at(1), PID: 51, PPID: 50, Cgroup: rootCg}, // runc init
		{Kind: procev.Attach, Boot: at(2), PID: 51, Cgroup: cgA, Path: "/kubepods/besteffort/pod" + podUID + "/" + ctrID},
		{Kind: procev.Exec, Boot: at(3), PID: 51, Cgroup: cgA},
		{Kind: procev.Fork, Boot: at(4), PID: 52, PPID: 51, Cgroup: cgA},
		{Kind: procev.Exit, Boot: at(5), PID: 52, Cgroup: cgA},
		{Kind: procev.Exit, Boot: at(6), PID: 51, Cgroup: cgA},
	}}
	tr := newTestTracker(src)
	defer tr.Close()
	a := &Attributor{Events: tr, boot: time.Unix(0, 0)}
	for pid, want := range map[int32]string{51: ctrID, 52: ctrID, 50: ""} {
		info, err := a.Lookup(pid, time.Unix(0, 0).Add(at(3)))
		if err != nil {
			t.Fatalf("pid %d: %v", pid, err)
		}
		if got := idOf(info); got != want {
			t.Errorf("pid %d: %q, want %q", pid, got, want)
		}
	}
}

func idOf(info *Info) string {
	if info == nil {
		return ""
	}
	return info.ID
}

// TestTrackerBounded: a fork storm of 200,000 short-lived processes keeps
// at most Max exited ones; those forgotten within their grace period are
// counted.
func TestTrackerBounded(t *testing.T) {
	src := &fakeEvents{}
	tr := newTestTracker(src)
	defer tr.Close()
	tr.Max = 1000
	tr.mu.Lock()
	for i := range 200000 {
		pid := uint32(1000 + i%30000)
		tr.apply(&procev.Event{Kind: procev.Fork, Boot: time.Duration(i) * time.Microsecond, PID: pid, Cgroup: cgA})
		tr.apply(&procev.Event{Kind: procev.Exit, Boot: time.Duration(i)*time.Microsecond + 500, PID: pid, Cgroup: cgA})
	}
	n := 0
	for _, ls := range tr.lives {
		n += len(ls)
	}
	tr.mu.Unlock()
	if n > tr.Max || tr.kept != n {
		t.Errorf("%d processes kept (counted %d), bound %d", n, tr.kept, tr.Max)
	}
	if st := tr.Stats(); st.Evicted != 200000-uint64(n) {
		t.Errorf("evicted %d, want %d", st.Evicted, 200000-n)
	}
}

// BenchmarkTrackerEvent is the cost of one process event (a fork, or its
// exit) in a fork storm, the table at its bound.
func BenchmarkTrackerEvent(b *testing.B) {
	tr := newTestTracker(&fakeEvents{})
	defer tr.Close()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	i := 0
	for b.Loop() {
		pid := uint32(1000 + i%100000)
		if i%2 == 0 {
			tr.apply(&procev.Event{Kind: procev.Fork, Boot: time.Duration(i) * time.Microsecond, PID: pid, Cgroup: cgA})
		} else {
			tr.apply(&procev.Event{Kind: procev.Exit, Boot: time.Duration(i) * time.Microsecond, PID: uint32(1000 + (i-1)%100000), Cgroup: cgA})
		}
		i++
	}
}

// BenchmarkTrackerLookup is the cost of attributing one record by the
// events: a process of a container, no event waiting.
func BenchmarkTrackerLookup(b *testing.B) {
	tr := newTestTracker(&fakeEvents{evs: []procev.Event{{Kind: procev.Fork, Boot: at(0), PID: 7, PPID: 1, Cgroup: cgA}}})
	defer tr.Close()
	a := &Attributor{Events: tr, boot: time.Unix(0, 0)}
	when := time.Unix(0, 0).Add(at(10))
	for b.Loop() {
		if _, err := a.Lookup(7, when); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrackerStormMemory: the heap a Tracker holds after a fork storm
// of 1,000,000 short-lived processes (pids cycling through 4,194,304, as
// pid_max allows on 64-bit), its exited table at its default bound.
func BenchmarkTrackerStormMemory(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tr := newTestTracker(&fakeEvents{})
		tr.mu.Lock()
		for i := range 1000000 {
			pid := uint32(300 + i*7%4194000)
			tr.apply(&procev.Event{Kind: procev.Fork, Boot: time.Duration(i) * time.Microsecond, PID: pid, Cgroup: cgA})
			tr.apply(&procev.Event{Kind: procev.Exit, Boot: time.Duration(i)*time.Microsecond + 500, PID: pid, Cgroup: cgA})
		}
		kept := tr.kept
		tr.mu.Unlock()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(kept), "kept")
		tr.Close()
	}
}

// TestTrackerPathsFull: once the cgroups made over a run (70,000 here, as
// a user's delegated subtree or months of pods and sessions make) pass
// the bound, the cgroups of the processes kept and those there now (the
// walk) are still known: a container's process forked after that, in its
// container's cgroup made before, is attributed by the events.
func TestTrackerPathsFull(t *testing.T) {
	evs := []procev.Event{{Kind: procev.Fork, Boot: at(0), PID: 7, PPID: 1, Cgroup: cgA}}
	for i := range 70_000 {
		evs = append(evs, procev.Event{Kind: procev.Mkdir, Boot: at(1), Cgroup: uint64(10_000 + i), Path: "/user.slice/x" + strconv.Itoa(i)})
	}
	evs = append(evs, procev.Event{Kind: procev.Fork, Boot: at(2), PID: 8, PPID: 1, Cgroup: cgB})
	src := &fakeEvents{}
	tr := newTestTracker(src)
	defer tr.Close()
	tr.mu.Lock()
	tr.walk = func() map[uint64]string {
		return map[uint64]string{cgB: "/kubepods/besteffort/pod" + podUID + "/" + otherID}
	}
	src.evs = evs
	tr.mu.Unlock()
	a := &Attributor{Events: tr, boot: time.Unix(0, 0), Proc: t.TempDir()}
	for pid, want := range map[int32]string{7: ctrID, 8: otherID} {
		info, err := a.Lookup(pid, time.Unix(0, 0).Add(at(3)))
		if err != nil || info == nil || info.ID != want {
			t.Errorf("pid %d: %+v, %v; want container %s", pid, info, err, want)
		}
	}
}

// TestTrackerClockStep: the wall clock steps back 200 ms after a
// container's process held pid 7 (0-100 ms) and a host process took it
// (from 200 ms). The host process's call at 250 ms is stamped 50 ms by
// the wall clock now: it is the host's, not the container's.
func TestTrackerClockStep(t *testing.T) {
	src := &fakeEvents{evs: []procev.Event{
		{Kind: procev.Fork, Boot: at(0), PID: 7, PPID: 1, Cgroup: cgA},
		{Kind: procev.Exit, Boot: at(100), PID: 7, Cgroup: cgA},
		{Kind: procev.Fork, Boot: at(200), PID: 7, PPID: 1, Cgroup: rootCg},
	}}
	tr := newTestTracker(src)
	defer tr.Close()
	var step time.Duration
	tr.mu.Lock()
	tr.clock = func() time.Duration { return step }
	tr.mu.Unlock()
	tr.Stats() // the events applied before the step
	step = -200 * time.Millisecond
	tr.mu.Lock()
	tr.readClock() // as every drainEvery
	tr.mu.Unlock()
	a := &Attributor{Events: tr, boot: time.Unix(0, 0), Proc: t.TempDir()}
	info, err := a.Lookup(7, time.Unix(0, 0).Add(at(250)+step))
	if err != nil || info != nil {
		t.Errorf("the host process's record after a step of the wall clock: %+v, %v; want the host", info, err)
	}
}
