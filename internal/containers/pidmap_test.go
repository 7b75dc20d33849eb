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
