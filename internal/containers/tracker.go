package containers

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/recorder-dev/recorder/internal/procev"
)

// EventSource is where a Tracker reads process events: a procev.Reader.
// Read returns procev.ErrDrained when no event waits, and never waits.
type EventSource interface {
	Read(*procev.Event) error
	Available() int
	Lost() uint64
	Close() error
}

// Tracker learns each process's cgroup from the kernel's process events
// (package procev) as they happen: at its fork, its execs, and each move
// into a cgroup (runc's init, moved into the container's cgroup after its
// fork, for "runc run" and "runc exec"). It keeps the processes that
// exited for a grace period, bounded, so that records read after their
// process is gone are still attributed. It is safe for concurrent use.
type Tracker struct {
	src    EventSource
	offset time.Duration        // wall-clock time less CLOCK_BOOTTIME, at the start
	clock  func() time.Duration // the same now (nil: offset): the wall clock can be set
	off    time.Duration        // clock's, read every drainEvery (it costs 0.5 µs here)
	since  time.Time            // when it started following events, CLOCK_BOOTTIME
	// Max bounds the processes that exited and are kept (0: MaxExited);
	// Grace is how long an exited one is kept at least (0: ExitGrace)
	// when the bound allows.
	Max   int
	Grace time.Duration

	mu     sync.Mutex
	lives  map[uint32][]life // by pid, in the order they started
	paths  map[uint64]string // the unified hierarchy's cgroups, by ID
	exited []exitRef         // in the order they exited
	head   int               // exited[:head] are forgotten
	kept   int               // exited processes kept
	stats  TrackerStats
	ev     procev.Event
	walk   func() map[uint64]string // the cgroups there now, by ID; nil: none
	stop   chan struct{}
	done   chan struct{}
}

// TrackerStats counts what a Tracker saw and what it could not know.
type TrackerStats struct {
	Events    uint64 // process events applied
	Lost      uint64 // events the kernel had no room for in the ring buffer
	Bad       uint64 // samples that were no event
	Evicted   uint64 // exited processes forgotten before their grace period ended: the bound was reached
	Ambiguous uint64 // lookups refused: two processes with different cgroups held the pid around the record's time
}

// MaxExited and ExitGrace are a Tracker's defaults: 65,536 exited
// processes, for a minute at least.
const (
	MaxExited = 1 << 16
	ExitGrace = time.Minute
)

// maxPaths bounds the cgroups remembered. Past it they are forgotten but
// for the cgroups of the processes kept and those there now (a walk of the
// hierarchy), at most half of it: cgroups made and removed over a long
// run (every pod, session, transient unit; any user's delegated subtree)
// must not make every process's cgroup unknown, and the walk is done at
// most once per maxPaths/2 cgroups made.
const maxPaths = 1 << 16

// life is one process that held a pid. Its times are CLOCK_BOOTTIME's
// (time.Unix(0, boot)), which no one sets: a record's wall-clock stamp is
// brought to it with the wall clock's offset when it is looked up, so
// that a step of the wall clock (NTP's first sync, a VM's resume, date)
// does not move every process's life against the records.
type life struct {
	start  time.Time // its fork; zero: before the Tracker followed events
	exit   time.Time // zero: alive
	cgroup uint64
	mapped bool // given to Attributor.OnProcess
}

type exitRef struct {
	pid  uint32
	exit time.Time
}

// ErrAmbiguous: two processes held a record's pid within Slack of its time,
// in different cgroups.
var ErrAmbiguous = errors.New("pid reused within the record clock's granularity")

// NewTracker follows the events of src, whose times are CLOCK_BOOTTIME:
// offset is the wall-clock time less it (procev.BootOffset). paths are the
// cgroups already there, by ID (a walk of the unified hierarchy).
func NewTracker(src EventSource, offset time.Duration, paths map[uint64]string) *Tracker {
	if paths == nil {
		paths = map[uint64]string{}
	}
	t := &Tracker{src: src, offset: offset, off: offset, since: time.Now().Add(-offset), lives: map[uint32][]life{}, paths: paths,
		stop: make(chan struct{}), done: make(chan struct{})}
	go t.run()
	return t
}

// drainEvery is how often the events are read when no lookup reads them.
const drainEvery = 50 * time.Millisecond

func (t *Tracker) run() {
	defer close(t.done)
	tick := time.NewTicker(drainEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.mu.Lock()
			t.drain()
			t.readClock()
			t.mu.Unlock()
		}
	}
}

// Close stops following events and closes the source.
func (t *Tracker) Close() error {
	close(t.stop)
	<-t.done
	return t.src.Close()
}

// Stats returns the counts so far.
func (t *Tracker) Stats() TrackerStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.drain()
	s := t.stats
	s.Lost = t.src.Lost()
	return s
}

// drain applies the events waiting. Every event the kernel wrote before a
// drain is applied by its end: a process's events are written before any
// call it makes after them, so a lookup that drains first knows the cgroup
// the process was in when it made the call.
func (t *Tracker) drain() {
	if t.src.Available() == 0 {
		return
	}
	for {
		err := t.src.Read(&t.ev)
		switch {
		case errors.Is(err, procev.ErrDrained):
			return
		case errors.Is(err, procev.ErrEvent):
			t.stats.Bad++
		case err != nil:
			t.stats.Bad++
			return
		default:
			t.apply(&t.ev)
		}
	}
}

// apply applies one event, t.mu held.
func (t *Tracker) apply(e *procev.Event) {
	t.stats.Events++
	at := time.Unix(0, int64(e.Boot))
	switch e.Kind {
	case procev.Fork:
		ls := t.lives[e.PID]
		if n := len(ls); n > 0 && ls[n-1].exit.IsZero() { // its exit was lost
			t.exit(e.PID, &ls[n-1], at)
		}
		t.lives[e.PID] = append(ls, life{start: at, cgroup: e.Cgroup})
	case procev.Exec, procev.Attach:
		if e.Kind == procev.Attach {
			t.path(e.Cgroup, e.Path)
		}
		ls := t.lives[e.PID]
		if n := len(ls); n > 0 && ls[n-1].exit.IsZero() {
			ls[n-1].cgroup = e.Cgroup
			return
		}
		// A process started before the Tracker followed events, or one
		// whose fork was lost: it started after the last one exited.
		var start time.Time
		if n := len(ls); n > 0 {
			start = ls[n-1].exit
		}
		t.lives[e.PID] = append(ls, life{start: start, cgroup: e.Cgroup})
	case procev.Exit:
		ls := t.lives[e.PID]
		if n := len(ls); n > 0 && ls[n-1].exit.IsZero() {
			t.exit(e.PID, &ls[n-1], at)
		}
	case procev.Mkdir:
		t.path(e.Cgroup, e.Path)
	}
}

func (t *Tracker) path(id uint64, p string) {
	if len(t.paths) >= maxPaths {
		t.paths = t.keptPaths()
	}
	t.paths[id] = p
}

// keptPaths is what paths keeps when it is full: the paths of the cgroups
// the processes kept are in, then those of the cgroups there now, at most
// maxPaths/2 in all; t.mu held.
func (t *Tracker) keptPaths() map[uint64]string {
	kept := make(map[uint64]string, maxPaths/2)
	for _, ls := range t.lives {
		for _, l := range ls {
			if p, ok := t.paths[l.cgroup]; ok && len(kept) < maxPaths/2 {
				kept[l.cgroup] = p
			}
		}
	}
	if t.walk != nil {
		for id, p := range t.walk() {
			if len(kept) >= maxPaths/2 {
				break
			}
			kept[id] = p
		}
	}
	return kept
}

// exit marks l, pid's last life, as ended at, and forgets the oldest
// exited processes past the bound: those whose grace period ended, and
// more (counted) when that is not enough.
func (t *Tracker) exit(pid uint32, l *life, at time.Time) {
	l.exit = at
	t.exited = append(t.exited, exitRef{pid, at})
	t.kept++
	limit, grace := t.Max, t.Grace
	if limit <= 0 {
		limit = MaxExited
	}
	if grace <= 0 {
		grace = ExitGrace
	}
	for t.head < len(t.exited) {
		ref := t.exited[t.head]
		old := at.Sub(ref.exit) > grace
		if !old && t.kept <= limit {
			break
		}
		if t.forget(ref) && !old {
			t.stats.Evicted++
		}
		t.head++
	}
	if t.head > len(t.exited)/2 && t.head > 1024 { // compact
		t.exited = append(t.exited[:0], t.exited[t.head:]...)
		t.head = 0
	}
}

// forget removes the life of ref, if still kept, and reports whether it was.
func (t *Tracker) forget(ref exitRef) bool {
	ls := t.lives[ref.pid]
	for i := range ls {
		if ls[i].exit.Equal(ref.exit) {
			ls = append(ls[:i], ls[i+1:]...)
			if len(ls) == 0 {
				delete(t.lives, ref.pid)
			} else {
				t.lives[ref.pid] = ls
			}
			t.kept--
			return true
		}
	}
	return false
}

// wallOffset is the wall-clock time less CLOCK_BOOTTIME, as read last
// (readClock); t.mu held.
func (t *Tracker) wallOffset() time.Duration { return t.off }

// readClock reads the wall clock's offset again; t.mu held.
func (t *Tracker) readClock() {
	if t.clock != nil {
		t.off = t.clock()
	}
}

// started is when the Tracker started following events, by the wall clock.
func (t *Tracker) started() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.since.Add(t.wallOffset())
}

// Held is the process that held a pid when a record was made, as a Tracker
// knows it.
type Held struct {
	Start  time.Time // its fork; zero: before the Tracker followed events
	Path   string    // its cgroup in the unified hierarchy
	First  bool      // the first time this process is asked for
	Cgroup uint64
}

// Lookup tells which process held pid when a record stamped at was made
// (zero: now), and its cgroup then. ok is false when the events do not
// tell (a process older than the Tracker, a cgroup whose path is unknown):
// read /proc then. An error wraps ErrGone: the events show no process
// with that pid then, or two in different cgroups (ErrAmbiguous).
func (t *Tracker) Lookup(pid int32, at time.Time) (h Held, ok bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.drain()
	off := t.wallOffset()
	if !at.IsZero() {
		at = at.Add(-off)
	}
	ls := t.lives[uint32(pid)]
	if len(ls) == 0 {
		return Held{}, false, nil
	}
	var found *life
	if at.IsZero() {
		if l := &ls[len(ls)-1]; l.exit.IsZero() {
			found = l
		}
	} else {
		// The record's stamp is a coarse clock's, up to a tick before the
		// call: the call was made in [at, at+Slack], by a process started
		// before its end and not ended before its start.
		for i := len(ls) - 1; i >= 0; i-- {
			l := &ls[i]
			if l.start.After(at.Add(Slack)) {
				continue
			}
			if !l.exit.IsZero() && l.exit.Before(at) {
				break
			}
			if found != nil && found.cgroup != l.cgroup {
				t.stats.Ambiguous++
				return Held{}, false, fmt.Errorf("%w: pid %d: %w", ErrGone, pid, ErrAmbiguous)
			}
			if found == nil {
				found = l
			}
		}
	}
	if found == nil {
		if !ls[0].start.IsZero() && at.Before(ls[0].start) && at.Before(t.since) {
			return Held{}, false, nil // before the events: ask /proc
		}
		return Held{}, false, fmt.Errorf("%w: pid %d: %w", ErrGone, pid, errNoHolder)
	}
	path, known := t.paths[found.cgroup]
	if !known {
		return Held{}, false, nil
	}
	h = Held{Path: path, First: !found.mapped, Cgroup: found.cgroup}
	if !found.start.IsZero() {
		h.Start = found.start.Add(off)
	}
	found.mapped = true
	return h, true, nil
}
