package procev

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// sample encodes e as the program writes it (struct event, then the path
// and its NUL): the layout of bpf/procev.c, for the kinds the machine makes
// and the malformed ones it never does.
func sample(e Event, path string, n uint32) []byte {
	b := make([]byte, eventSize, eventSize+len(path)+1)
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(e.Boot))
	le.PutUint64(b[8:], e.Cgroup)
	le.PutUint32(b[16:], uint32(e.Kind))
	le.PutUint32(b[20:], e.PID)
	le.PutUint32(b[24:], e.PPID)
	le.PutUint32(b[28:], n)
	if path != "" {
		b = append(append(b, path...), 0)
	}
	return b
}

const podPath = "/kubepods/besteffort/pod1b2c3d4e-5f60-4718-89ab-cdef01234567/3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

func TestDecode(t *testing.T) {
	fork := Event{Kind: Fork, Boot: 5 * time.Second, Cgroup: 42, PID: 7, PPID: 1}
	attach := Event{Kind: Attach, Boot: time.Second, Cgroup: 43, PID: 8, Path: podPath}
	for _, tc := range []struct {
		name string
		in   []byte
		want Event
		err  bool
	}{
		{"fork", sample(fork, "", 0), fork, false},
		{"attach", sample(attach, podPath, uint32(len(podPath)+1)), attach, false},
		{"short", sample(fork, "", 0)[:20], Event{}, true},
		{"path past the sample", sample(attach, podPath, 4096), Event{}, true},
		{"bad kind", sample(Event{Kind: 9}, "", 0), Event{}, true},
	} {
		got, err := Decode(tc.in)
		if (err != nil) != tc.err || err != nil && !errors.Is(err, ErrEvent) || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v (error %v)", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(sample(Event{Kind: Fork, Boot: time.Second, Cgroup: 42, PID: 7, PPID: 1}, "", 0))
	f.Add(sample(Event{Kind: Mkdir, Cgroup: 43}, podPath, uint32(len(podPath)+1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrEvent) {
				t.Fatalf("error %v does not wrap ErrEvent", err)
			}
			return
		}
		if e.Kind < Fork || e.Kind > Mkdir || len(e.Path) > len(b) {
			t.Fatalf("decoded %+v from %d bytes", e, len(b))
		}
	})
}
