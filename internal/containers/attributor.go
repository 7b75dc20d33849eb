package containers

import (
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/cgroup"
	"github.com/recorder-dev/recorder/internal/procfs"
	"github.com/recorder-dev/recorder/pipeline"
)

// The attributes an Attributor sets on a record of a containerized process.
const (
	AttrContainer = "container" // the container's ID, 64 hex digits
	AttrPod       = "pod"       // the Kubernetes pod's UID, when in a pod
	AttrRuntime   = "runtime"   // the runtime the cgroup path names, when it does
	AttrQoS       = "qos"       // the pod's QoS class
)

// Group names of records not in a container.
const (
	HostGroup         = "host"         // a process in no container
	UnattributedGroup = "unattributed" // a process gone before it could be looked up
)

// Slack is how much later than a record its process may seem to have
// started and still be the one that made it: the kernel stamps records
// with a coarse clock (a jiffy behind, at most) and counts start times in
// ticks of 10 ms. A process that started later than that holds a reused
// pid: the record was made by the one before.
const Slack = 25 * time.Millisecond

// hostRecheck is how often the cgroup of a process found in no container
// is read again: a process can move into a container's cgroup (runc's init
// does, under a filter its parent was under); one in a container stays.
const hostRecheck = 100 * time.Millisecond

// maxCache bounds the processes remembered; past it those not seen for
// cacheAge are forgotten, and all of them if that is not enough.
const (
	maxCache = 1 << 16
	cacheAge = time.Minute
)

// Info is the container of a process, its strings allocated once per
// container.
type Info struct {
	cgroup.Container
	Runtime string // the runtime's name, "" when the path does not tell
	QoS     string
}

// Attributor attributes records to containers by their pid, reading /proc.
// It is safe for concurrent use.
type Attributor struct {
	// Proc is where procfs is mounted ("" is /proc).
	Proc string
	// Names, when set, is asked for the names of each new container.
	Names *Resolver
	// OnProcess, when set, is called for each process looked up: its pid,
	// when it started, and its container (nil: the host). The PIDMap's Add.
	OnProcess func(pid int32, start time.Time, c *Info)
	// OnUnknown, when set, is called for each record's pid and time that
	// could not be attributed, with why. The PIDMap's AddUnknown.
	OnUnknown func(pid int32, t time.Time, err error)
	// Events, when set, tells each process's cgroup from the kernel's
	// process events, learnt as they happened; /proc is read only for the
	// processes it does not know.
	Events *Tracker
	// Runtimes, when set, notes the runtime of each container whose
	// init's records come.
	Runtimes *Runtimes

	mu         sync.Mutex
	proc       procfs.Reader // reads /proc/PID/stat and cgroup into buffers it keeps
	procs      map[int32]*proc
	containers map[string]*Info  // by cgroup path text, interned
	byCgroup   map[uint64]*Info  // by the unified hierarchy's cgroup ID
	unknown    map[string]uint64 // failed lookups by cause
	boot       time.Time         // the wall-clock time of boot
	bootErr    error
	now        func() time.Time // a test's clock
}

// proc is a process looked up.
type proc struct {
	ticks  uint64    // start time, in clock ticks since boot
	start  time.Time // the same, wall clock
	seen   time.Time // when it was last seen alive with that start time
	looked time.Time // when its cgroup was read
	info   *Info     // nil: in no container
}

// ErrGone: the process is no longer there, or a newer one holds its pid.
var ErrGone = errors.New("process gone")

// Enrich sets the record's container attributes, or marks it unattributed.
func (a *Attributor) Enrich(r *pipeline.Record) {
	info, err := a.Lookup(r.PID, RecordTime(&r.Record))
	switch {
	case err != nil:
		r.MarkUnattributed()
	case info != nil:
		SetAttrs(r, info)
		a.Runtimes.Note(r, info)
	}
}

// Observe looks up the record's process now, while it lives, so that a
// later Enrich of the same record finds it: record's collector calls it as
// records come, every process's, and feeds the pipeline after the program
// exited. A failure is not counted nor told to OnUnknown: Enrich does that,
// once a record, for the records that go down the pipeline.
func (a *Attributor) Observe(r *audit.Record) { a.lookup(r.PID, RecordTime(r)) }

// SetAttrs sets the attributes of info on r.
func SetAttrs(r *pipeline.Record, info *Info) {
	r.SetAttr(AttrContainer, info.ID)
	if info.PodUID != "" {
		r.SetAttr(AttrPod, info.PodUID)
		r.SetAttr(AttrQoS, info.QoS)
	}
	if info.Runtime != "" {
		r.SetAttr(AttrRuntime, info.Runtime)
	}
}

// RecordTime is when the kernel stamped r, zero when r has no stamp.
func RecordTime(r *audit.Record) time.Time {
	if r.Sec == 0 {
		return time.Time{}
	}
	return time.Unix(r.Sec, int64(r.Msec)*int64(time.Millisecond))
}

// Lookup returns the container of the process pid that made a call at t
// (zero: now), nil for none, or an error wrapping ErrGone when that
// process cannot be found: it exited, or a process that started after t
// holds the pid now. OnUnknown is told of the errors.
func (a *Attributor) Lookup(pid int32, t time.Time) (*Info, error) {
	info, err := a.lookup(pid, t)
	if err != nil {
		a.mu.Lock()
		if a.unknown == nil {
			a.unknown = map[string]uint64{}
		}
		a.unknown[cause(err)]++
		a.mu.Unlock()
		if a.OnUnknown != nil {
			a.OnUnknown(pid, t, err)
		}
	}
	return info, err
}

// Unknown counts the lookups that failed, by cause (CauseGone, ...).
func (a *Attributor) Unknown() map[string]uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.unknown)
}

// fromEvents is Lookup by the Tracker: ok is false when it does not know.
func (a *Attributor) fromEvents(pid int32, t time.Time) (info *Info, ok bool, err error) {
	h, ok, err := a.Events.Lookup(pid, t)
	if err != nil || !ok {
		return nil, false, err
	}
	info, known := a.byCgroup[h.Cgroup]
	if !known {
		if info, err = a.intern([]byte("0::" + h.Path + "\n")); err != nil {
			return nil, false, fmt.Errorf("%w: pid %d: %w", ErrGone, pid, err)
		}
		if len(a.byCgroup) >= maxCache {
			clear(a.byCgroup)
		}
		a.byCgroup[h.Cgroup] = info
	}
	if h.First && a.OnProcess != nil {
		start := h.Start
		if start.IsZero() {
			start = a.Events.started()
		}
		a.OnProcess(pid, start, info)
	}
	return info, true, nil
}

func (a *Attributor) lookup(pid int32, t time.Time) (*Info, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.procs == nil {
		a.procs, a.containers, a.byCgroup = make(map[int32]*proc), make(map[string]*Info), make(map[uint64]*Info)
		a.proc.Proc = a.Proc
		if a.boot.IsZero() { // a test sets it
			a.boot, a.bootErr = bootTime()
		}
		if a.now == nil {
			a.now = time.Now
		}
	}
	if a.Events != nil {
		if info, ok, err := a.fromEvents(pid, t); err != nil || ok {
			return info, err
		}
	}
	if a.bootErr != nil {
		return nil, fmt.Errorf("%w: %w", ErrGone, a.bootErr)
	}
	p := a.procs[pid]
	if p != nil && !t.IsZero() && !t.After(p.seen) {
		// Alive at p.seen, after the call: the caller if it started before.
		if p.start.After(t.Add(Slack)) {
			return nil, fmt.Errorf("%w: pid %d started after the record", ErrGone, pid)
		}
		return p.info, nil
	}
	now := a.now()
	ticks, err := a.proc.StartTime(pid)
	if err != nil {
		return nil, fmt.Errorf("%w: pid %d: %w", ErrGone, pid, err)
	}
	start := a.boot.Add(time.Duration(ticks) * (time.Second / ticksPerSecond))
	if !t.IsZero() && start.After(t.Add(Slack)) {
		return nil, fmt.Errorf("%w: pid %d is a newer process than the record's", ErrGone, pid)
	}
	if p != nil && p.ticks == ticks && (p.info != nil || now.Sub(p.looked) < hostRecheck) {
		p.seen = now
		return p.info, nil
	}
	data, err := a.proc.ReadFile(pid, "cgroup")
	if err != nil {
		return nil, fmt.Errorf("%w: pid %d: %w", ErrGone, pid, err)
	}
	// The process may have exited, and its pid been reused, between the
	// two reads: the cgroup read is good only if the start time still is.
	if again, err := a.proc.StartTime(pid); err != nil || again != ticks {
		return nil, fmt.Errorf("%w: pid %d exited while it was looked up", ErrGone, pid)
	}
	info, err := a.intern(data)
	if err != nil {
		return nil, fmt.Errorf("%w: pid %d: %w", ErrGone, pid, err)
	}
	a.evict(now)
	if p != nil && p.ticks == ticks && p.info == info {
		p.seen, p.looked = now, now // the host still
		return info, nil
	}
	a.procs[pid] = &proc{ticks: ticks, start: start, seen: now, looked: now, info: info}
	if a.OnProcess != nil {
		a.OnProcess(pid, start, info)
	}
	return info, nil
}

// intern returns the container of a cgroup file, the same *Info for the
// same text; nil for none. A container seen for the first time is given to
// the Resolver.
func (a *Attributor) intern(data []byte) (*Info, error) {
	if info, ok := a.containers[string(data)]; ok {
		return info, nil
	}
	c, ok, err := cgroup.Parse(data)
	if err != nil {
		return nil, err
	}
	var info *Info
	if ok {
		info = &Info{Container: c, Runtime: string(c.Runtime), QoS: string(c.QoS)}
		if a.Names != nil {
			a.Names.Want(c.ID)
		}
	}
	if len(a.containers) >= maxCache {
		clear(a.containers)
	}
	a.containers[string(data)] = info
	return info, nil
}

func (a *Attributor) evict(now time.Time) {
	if len(a.procs) < maxCache {
		return
	}
	for pid, p := range a.procs {
		if now.Sub(p.seen) > cacheAge {
			delete(a.procs, pid)
		}
	}
	if len(a.procs) >= maxCache {
		clear(a.procs)
	}
}

// ticksPerSecond is USER_HZ, the unit of /proc/PID/stat's start time: 100
// on every Linux architecture.
const ticksPerSecond = 100
