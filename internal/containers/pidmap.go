package containers

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/recorder-dev/recorder/cgroup"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/safefile"
)

// A pid map is what watch --pid-map learnt while it ran, one JSON object a
// line: each process it looked up, with when it started and its container
// (none: the host),
//
//	{"pid":4242,"start":"2026-12-01T20:24:05.12Z","container":"3f4e…","podUID":"1b2c…","qos":"besteffort"}
//	{"pid":4250,"start":"2026-12-01T20:24:06.5Z"}
//
// each record's pid and time that watch could not attribute (its process
// had exited and a newer one held the pid, say), with why, so that replay
// does not guess where watch did not know,
//
//	{"pid":4250,"unattributed":"2026-12-01T20:24:07.113Z","why":"process gone: pid 4250: no process held it then"}
//
// and each container's names once the CRI runtime gave them:
//
//	{"container":"3f4e…","names":{"namespace":"default","podName":"echo","podUID":"1b2c…","name":"echo"}}
//
// replay --pid-map reads it to attribute the records of a log captured
// beside it: a record goes to the process that held its pid when it was
// made (the last one started before it), and none where watch knew none.
type pidMapLine struct {
	PID       int32     `json:"pid,omitempty"`
	Start     time.Time `json:"start,omitzero"`
	Container string    `json:"container,omitempty"`
	Runtime   string    `json:"runtime,omitempty"`
	Driver    string    `json:"driver,omitempty"`
	PodUID    string    `json:"podUID,omitempty"`
	QoS       string    `json:"qos,omitempty"`
	Names     *Names    `json:"names,omitempty"`
	// Unattributed is a record's time whose pid watch could not attribute.
	Unattributed time.Time `json:"unattributed,omitzero"`
	Why          string    `json:"why,omitempty"`
}

// PIDMapWriter appends to a pid map. It is safe for concurrent use.
type PIDMapWriter struct {
	mu      sync.Mutex
	f       *os.File
	err     error
	unknown map[unknownKey]struct{} // written lately: once each
}

// unknownKey is a record's pid and time, to the millisecond its stamp has.
type unknownKey struct {
	pid int32
	ms  int64
}

// CreatePIDMap opens path for appending a pid map, as watch --tee opens
// its file (safefile.OpenAppendFile): in a directory no other user can
// write, never through a link nor into a FIFO or a device.
func CreatePIDMap(path string) (*PIDMapWriter, error) {
	f, err := safefile.OpenAppendFile(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pid map: %w", err)
	}
	return &PIDMapWriter{f: f}, nil
}

// Lines are written one at a time, unbuffered: there is one a process,
// and a daemon that is killed loses none.

// AddProcess writes a process looked up (Attributor.OnProcess).
func (m *PIDMapWriter) AddProcess(pid int32, start time.Time, c *Info) {
	l := pidMapLine{PID: pid, Start: start.UTC()}
	if c != nil {
		l.Container, l.Runtime, l.Driver, l.PodUID, l.QoS = c.ID, c.Runtime, string(c.Driver), c.PodUID, c.QoS
	}
	m.write(l)
}

// AddUnknown writes a record's pid and time that could not be attributed,
// and why (Attributor.OnUnknown); once for each pid and time.
func (m *PIDMapWriter) AddUnknown(pid int32, t time.Time, why error) {
	if t.IsZero() {
		return // replay attributes a record without a time only when its pid was one process's alone
	}
	key := unknownKey{pid, t.UnixMilli()}
	m.mu.Lock()
	_, dup := m.unknown[key]
	if !dup {
		if m.unknown == nil || len(m.unknown) >= 4096 {
			m.unknown = make(map[unknownKey]struct{})
		}
		m.unknown[key] = struct{}{}
	}
	m.mu.Unlock()
	if !dup {
		m.write(pidMapLine{PID: pid, Unattributed: t.UTC(), Why: why.Error()})
	}
}

// AddNames writes a container's names (Resolver.OnNames).
func (m *PIDMapWriter) AddNames(id string, n Names) { m.write(pidMapLine{Container: id, Names: &n}) }

func (m *PIDMapWriter) write(l pidMapLine) {
	data, err := json.Marshal(l)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		_, err = m.f.Write(append(data, '\n'))
	}
	if m.err == nil {
		m.err = err
	}
}

// Close closes the file, returning the first error met.
func (m *PIDMapWriter) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return errors.Join(m.err, m.f.Close())
}

// PIDMap is a pid map read back: a pipeline.Enricher for replay.
type PIDMap struct {
	// Runtimes, when set, notes the runtime of each container whose
	// init's records come.
	Runtimes *Runtimes

	procs   map[int32][]mapped      // by pid, sorted by start
	names   map[string]Names        // by container ID
	unknown map[unknownKey]struct{} // what watch could not attribute
}

type mapped struct {
	start time.Time
	info  *Info // nil: the host
}

// ErrPIDMap: a pid map line is not one.
var ErrPIDMap = errors.New("bad pid map")

// ReadPIDMap reads a pid map.
func ReadPIDMap(r io.Reader) (*PIDMap, error) {
	m := &PIDMap{procs: map[int32][]mapped{}, names: map[string]Names{}, unknown: map[unknownKey]struct{}{}}
	infos := map[pidMapLine]*Info{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l pidMapLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrPIDMap, n, err)
		}
		switch {
		case l.Names != nil && l.Container != "":
			m.names[l.Container] = *l.Names
		case l.PID > 0 && !l.Unattributed.IsZero():
			m.unknown[unknownKey{l.PID, l.Unattributed.UnixMilli()}] = struct{}{}
		case l.PID > 0 && !l.Start.IsZero():
			var info *Info
			if l.Container != "" {
				key := pidMapLine{Container: l.Container, Runtime: l.Runtime, Driver: l.Driver, PodUID: l.PodUID, QoS: l.QoS}
				if info = infos[key]; info == nil {
					info = &Info{Container: cgroup.Container{ID: l.Container, Runtime: cgroup.Runtime(l.Runtime),
						Driver: cgroup.Driver(l.Driver), PodUID: l.PodUID, QoS: cgroup.QoS(l.QoS)}, Runtime: l.Runtime, QoS: l.QoS}
					infos[key] = info
				}
			}
			m.procs[l.PID] = append(m.procs[l.PID], mapped{l.Start, info})
		default:
			return nil, fmt.Errorf("%w: line %d: neither a process (pid, start) nor a container's names", ErrPIDMap, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read pid map: %w", err)
	}
	for _, ps := range m.procs {
		slices.SortStableFunc(ps, func(a, b mapped) int { return a.start.Compare(b.start) })
	}
	return m, nil
}

// ReadPIDMapFile reads the pid map in path.
func ReadPIDMapFile(path string) (*PIDMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadPIDMap(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Names returns the containers' names the map holds, by ID.
func (m *PIDMap) Names() map[string]Names { return m.names }

// Enrich attributes a record to the process that held its pid when it was
// made: the last one the map saw start before it (within Slack). A record
// without a time stamp is attributed only when its pid was one process's
// alone; any other record is unattributed, and so is a record whose pid
// and time watch could not attribute.
func (m *PIDMap) Enrich(r *pipeline.Record) {
	ps := m.procs[r.PID]
	t := RecordTime(&r.Record)
	var found *mapped
	switch {
	case len(ps) == 0:
	case !t.IsZero() && m.isUnknown(r.PID, t):
	case t.IsZero():
		if len(ps) == 1 {
			found = &ps[0]
		}
	default:
		// The first process that started after t+Slack; the one before it
		// held the pid at t.
		limit := t.Add(Slack)
		i, _ := slices.BinarySearchFunc(ps, limit, func(p mapped, limit time.Time) int {
			if p.start.After(limit) {
				return 1
			}
			return -1
		})
		if i > 0 {
			found = &ps[i-1]
		}
	}
	switch {
	case found == nil:
		r.MarkUnattributed()
	case found.info != nil:
		SetAttrs(r, found.info)
		m.Runtimes.Note(r, found.info)
	}
}

func (m *PIDMap) isUnknown(pid int32, t time.Time) bool {
	_, ok := m.unknown[unknownKey{pid, t.UnixMilli()}]
	return ok
}
