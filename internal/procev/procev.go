package procev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Kind is what an Event tells.
type Kind uint32

// The kinds of events.
const (
	Fork   Kind = 1 // a new process, PID, of PPID
	Exec   Kind = 2 // PID exec'd
	Exit   Kind = 3 // PID ended
	Attach Kind = 4 // PID moved into cgroup Path
	Mkdir  Kind = 5 // cgroup Path was made
)

func (k Kind) String() string {
	switch k {
	case Fork:
		return "fork"
	case Exec:
		return "exec"
	case Exit:
		return "exit"
	case Attach:
		return "attach"
	case Mkdir:
		return "mkdir"
	}
	return fmt.Sprintf("kind(%d)", uint32(k))
}

// Event is one process event.
type Event struct {
	Kind Kind
	// Boot is when it happened, CLOCK_BOOTTIME.
	Boot time.Duration
	// Cgroup is the ID of the process's cgroup in the unified hierarchy
	// (Fork: the child's; Attach, Mkdir: the cgroup's).
	Cgroup uint64
	PID    uint32 // the process (thread group) ID; 0 for Mkdir
	PPID   uint32 // Fork: the parent's
	// Path is the cgroup's path in the unified hierarchy (Attach, Mkdir),
	// as /proc/PID/cgroup shows it after "0::".
	Path string
}

// eventSize is the size of struct event in bpf/procev.c.
const eventSize = 32

// ErrEvent: a sample the program did not write as an event.
var ErrEvent = errors.New("bad process event")

// Decode decodes a sample of the ring buffer (host byte order: little
// endian, as procev_bpfel.o writes it).
func Decode(b []byte) (Event, error) {
	if len(b) < eventSize {
		return Event{}, fmt.Errorf("%w: %d bytes", ErrEvent, len(b))
	}
	le := binary.LittleEndian
	e := Event{
		Boot:   time.Duration(le.Uint64(b[0:])),
		Cgroup: le.Uint64(b[8:]),
		Kind:   Kind(le.Uint32(b[16:])),
		PID:    le.Uint32(b[20:]),
		PPID:   le.Uint32(b[24:]),
	}
	if n := int(le.Uint32(b[28:])); n > 0 {
		path := b[eventSize:]
		if n > len(path) {
			return Event{}, fmt.Errorf("%w: a path of %d bytes in %d", ErrEvent, n, len(path))
		}
		path = path[:n]
		if path[n-1] == 0 {
			path = path[:n-1]
		}
		e.Path = string(path)
	}
	if e.Kind < Fork || e.Kind > Mkdir {
		return Event{}, fmt.Errorf("%w: kind %d", ErrEvent, e.Kind)
	}
	return e, nil
}
