package containers

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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

// TestPIDMapAgreesWithWatch (issue 17 item 4): a container's process held
// pid 100 and was looked up; a host process then took the pid and exited
// before its records were looked up, so watch left them unattributed.
// replay of the map watch wrote must leave them unattributed too, record
// for record, not give them to the container (it did: the map told only
// of the container's process).
func TestPIDMapAgreesWithWatch(t *testing.T) {
	f := newFakeProc(t)
	now := f.boot.Add(time.Hour)
	a := f.attributor(&now)
	path := filepath.Join(t.TempDir(), "pids.map")
	w, err := CreatePIDMap(path)
	if err != nil {
		t.Fatal(err)
	}
	a.OnProcess, a.OnUnknown = w.AddProcess, w.AddUnknown
	f.start(100, 10*time.Minute, "containerd-systemd-burstable")
	recs := []*pipeline.Record{f.rec(100, 20*time.Minute), f.rec(100, 20*time.Minute)}
	var watched []string
	enrich := func(rs ...*pipeline.Record) {
		for _, r := range rs {
			a.Enrich(r)
			watched = append(watched, verdict(r))
		}
	}
	enrich(recs...)
	f.exit(100)
	now = f.boot.Add(2 * time.Hour)
	// The host process's records, made at 90 and 95 minutes; gone before
	// they were read.
	host := []*pipeline.Record{f.rec(100, 90*time.Minute), f.rec(100, 95*time.Minute), f.rec(100, 95*time.Minute)}
	enrich(host...)
	recs = append(recs, host...)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := []string{ctrID, ctrID, "unattributed", "unattributed", "unattributed"}; !slices.Equal(watched, want) {
		t.Fatalf("watch: %q, want %q", watched, want)
	}
	m, err := ReadPIDMapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		again := &pipeline.Record{Record: r.Record}
		m.Enrich(again)
		if got := verdict(again); got != watched[i] {
			t.Errorf("record %d (pid %d at %d): replay %q, watch %q", i, r.PID, r.Sec, got, watched[i])
		}
	}
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), `"unattributed"`); n != 2 {
		t.Errorf("%d unattributed lines, want 2 (one per pid and time):\n%s", n, data)
	}
}

func verdict(r *pipeline.Record) string {
	if r.Unattributed() {
		return "unattributed"
	}
	id, _ := r.Attr(AttrContainer)
	return id
}
