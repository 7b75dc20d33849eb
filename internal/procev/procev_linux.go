package procev

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"
)

//go:embed procev_bpfel.o
var object []byte

// ErrUnsupported: the kernel refused the program (no BTF, no eBPF, or no
// CAP_BPF and CAP_PERFMON).
var ErrUnsupported = errors.New("process events need eBPF with BTF tracepoints and CAP_BPF+CAP_PERFMON")

// ErrDrained: Read found the ring buffer empty.
var ErrDrained = errors.New("process events drained")

// Reader is the ring buffer of events of a loaded program. Its Read never
// waits: it returns the events there, then ErrDrained. Read from one
// goroutine at a time; Available and Lost from any.
type Reader struct {
	coll  *ebpf.Collection
	links []link.Link
	ring  *ringbuf.Reader
	rec   ringbuf.Record
}

// The programs of procev.bpf.c, by name.
var programs = []string{"on_fork", "on_exec", "on_exit", "on_attach", "on_mkdir"}

// Open loads the program and attaches it to its tracepoints. It fails
// wrapping ErrUnsupported where the kernel refuses it.
func Open() (*Reader, error) {
	spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(object))
	if err != nil {
		return nil, fmt.Errorf("process events: %w", err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	r := &Reader{coll: coll}
	for _, name := range programs {
		l, err := link.AttachTracing(link.TracingOptions{Program: coll.Programs[name], AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("%w: %s: %w", ErrUnsupported, name, err)
		}
		r.links = append(r.links, l)
	}
	if r.ring, err = ringbuf.NewReader(coll.Maps["events"]); err != nil {
		r.Close()
		return nil, fmt.Errorf("process events: %w", err)
	}
	r.ring.SetDeadline(time.Unix(1, 0)) // past: a Read polls, never waits
	return r, nil
}

// Read reads the next event into e, or returns ErrDrained when there is
// none. An event the program did not write is an error wrapping ErrEvent.
func (r *Reader) Read(e *Event) error {
	err := r.ring.ReadInto(&r.rec)
	switch {
	case errors.Is(err, ringbuf.ErrFlushed), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrDrained
	case err != nil:
		return fmt.Errorf("process events: %w", err)
	}
	ev, err := Decode(r.rec.RawSample)
	if err != nil {
		return err
	}
	*e = ev
	return nil
}

// Available is how many bytes of events wait to be read: 0 when every
// event the kernel wrote so far has been read.
func (r *Reader) Available() int { return r.ring.AvailableBytes() }

// Lost is how many events the ring buffer had no room for.
func (r *Reader) Lost() uint64 {
	var per []uint64
	if err := r.coll.Maps["lost"].Lookup(uint32(0), &per); err != nil {
		return 0
	}
	var n uint64
	for _, v := range per {
		n += v
	}
	return n
}

// Close detaches the program and frees its ring buffer; a Read waiting
// returns an error.
func (r *Reader) Close() error {
	var errs []error
	if r.ring != nil {
		errs = append(errs, r.ring.Close())
	}
	for _, l := range r.links {
		errs = append(errs, l.Close())
	}
	r.coll.Close()
	return errors.Join(errs...)
}

// BootOffset is the wall-clock time less CLOCK_BOOTTIME: an Event's Boot
// plus it is when the event happened, in wall-clock time. See bootOffset
// for why it is read several times.
func BootOffset() time.Duration {
	return bootOffset(func() int64 { return time.Now().UnixNano() }, func() (int64, bool) {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
			return 0, false
		}
		return ts.Nano(), true
	})
}
