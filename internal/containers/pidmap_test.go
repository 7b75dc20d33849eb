package containers

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/cgroup"
	"github.com/recorder-dev/recorder/pipeline"
)

// TestPIDMap writes a pid map as watch does and reads it back as replay
// does: a record goes to the process that held its pid when it was made.
func TestPIDMap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pids.map")
	w, err := CreatePIDMap(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1795880000, 0)
	info := &Info{Container: cgroup.Container{ID: ctrID, Driver: cgroup.Cgroupfs, PodUID: podUID, QoS: cgroup.BestEffort}, QoS: "besteffort"}
	w.AddProcess(100, t0, info)
	w.AddProcess(100, t0.Add(time.Hour), nil) // the pid, reused by a host process
	w.AddProcess(200, t0, nil)
	w.AddNames(ctrID, Names{Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "test-container"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := ReadPIDMapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := m.Names()[ctrID]; n.String() != "default_audit-pod_test-container" {
		t.Errorf("names %+v", n)
	}
	at := func(pid int32, d time.Duration) *pipeline.Record {
		tm := t0.Add(d)
		return &pipeline.Record{Record: audit.Record{PID: pid, Sec: tm.Unix(), Msec: uint32(tm.Nanosecond() / 1e6)}}
	}
	for _, tc := range []struct {
		r            *pipeline.Record
		container    string
		unattributed bool
	}{
		{at(100, time.Minute), ctrID, false},
		{at(100, 2*time.Hour), "", false},                             // the host process's
		{at(100, -time.Minute), "", true},                             // before any process the map knows
		{at(200, time.Minute), "", false},                             // host
		{at(300, time.Minute), "", true},                              // never looked up
		{&pipeline.Record{Record: audit.Record{PID: 200}}, "", false}, // no stamp, one process
		{&pipeline.Record{Record: audit.Record{PID: 100}}, "", true},  // no stamp, two processes
	} {
		m.Enrich(tc.r)
		id, _ := tc.r.Attr(AttrContainer)
		if id != tc.container || tc.r.Unattributed() != tc.unattributed {
			t.Errorf("pid %d at %d: container %q unattributed %v; want %q %v", tc.r.PID, tc.r.Sec, id, tc.r.Unattributed(), tc.container, tc.unattributed)
		}
	}
}

func TestPIDMapBad(t *testing.T) {
	for _, in := range []string{"{", `{"pid":1}`, `{"container":"x"}`, "[]"} {
		if _, err := ReadPIDMap(strings.NewReader(in)); !errors.Is(err, ErrPIDMap) {
			t.Errorf("ReadPIDMap(%q) err = %v, want ErrPIDMap", in, err)
		}
	}
}

// manyStarts is a pid map of one pid held by n processes in turn, one a
// second, alternately in container ctrID and on the host; and the records
// to look up, at and around each start (within Slack, past it).
func manyStarts(n int) (*PIDMap, time.Time) {
	t0 := time.Unix(1795880000, 0)
	info := &Info{Container: cgroup.Container{ID: ctrID}}
	m := &PIDMap{procs: map[int32][]mapped{}}
	for i := range n {
		var in *Info
		if i%2 == 0 {
			in = info
		}
		m.procs[7] = append(m.procs[7], mapped{t0.Add(time.Duration(i) * time.Second), in})
	}
	return m, t0
}

// TestPIDMapManyStarts: a record goes to the last process that started
// before it (within Slack), among many that held its pid; checked against
// the rule written out.
func TestPIDMapManyStarts(t *testing.T) {
	m, t0 := manyStarts(50)
	for _, d := range []time.Duration{-time.Second, -Slack, -Slack + time.Millisecond, 0, Slack - time.Millisecond, Slack,
		500 * time.Millisecond, time.Second - Slack, time.Second - Slack + time.Millisecond, 7 * time.Second, 49 * time.Second, time.Hour} {
		at := t0.Add(d)
		want := -1
		for i, p := range m.procs[7] {
			if !p.start.After(at.Add(Slack)) {
				want = i
			}
		}
		r := &pipeline.Record{Record: audit.Record{PID: 7, Sec: at.Unix(), Msec: uint32(at.Nanosecond() / 1e6)}}
		m.Enrich(r)
		id, _ := r.Attr(AttrContainer)
		switch {
		case want < 0 && !r.Unattributed():
			t.Errorf("at %v: attributed (%q), want unattributed", d, id)
		case want >= 0 && (r.Unattributed() || (id == ctrID) != (want%2 == 0)):
			t.Errorf("at %v: container %q unattributed %v, want process %d's", d, id, r.Unattributed(), want)
		}
	}
}

func BenchmarkPIDMapEnrich(b *testing.B) {
	m, t0 := manyStarts(10000)
	at := t0.Add(5000*time.Second + time.Millisecond)
	r := &pipeline.Record{Record: audit.Record{PID: 7, Sec: at.Unix(), Msec: uint32(at.Nanosecond() / 1e6)}}
	for b.Loop() {
		m.Enrich(r)
	}
}
