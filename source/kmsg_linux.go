package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Kmsg reads the kernel log from /dev/kmsg, one record per line in its raw
// shape "PRI,SEQ,USEC,FLAGS;MESSAGE". Lines that userspace wrote there carry
// a facility other than 0: Parse returns KindForged for record-shaped ones.
type Kmsg struct {
	fd          int
	buf         []byte
	overwritten atomic.Uint64 // Stats may be read while Next runs
}

// OpenKmsg opens path (KmsgPath outside tests), at the end of the ring
// buffer unless fromStart. Reading needs root or CAP_SYSLOG when
// kernel.dmesg_restrict is set.
func OpenKmsg(path string, fromStart bool) (*Kmsg, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !fromStart {
		if _, err := unix.Seek(fd, 0, unix.SEEK_END); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("seek %s: %w", path, err)
		}
	}
	return &Kmsg{fd: fd, buf: make([]byte, 16<<10)}, nil
}

// Stats returns the loss counters.
func (k *Kmsg) Stats() Stats { return Stats{Overwritten: k.overwritten.Load()} }

// Next returns the next log line, without the continuation lines
// (" KEY=value") the kernel appends. Once ctx is done it still returns the
// lines already in the ring buffer, then ctx's error.
func (k *Kmsg) Next(ctx context.Context) ([]byte, error) {
	for {
		n, err := unix.Read(k.fd, k.buf)
		switch {
		case err == nil:
			line := k.buf[:n]
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			return line, nil
		case errors.Is(err, unix.EPIPE): // overwritten before we read it; the next read resumes
			k.overwritten.Add(1)
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			if err := k.wait(ctx); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("read %s: %w", KmsgPath, err)
		}
	}
}

// wait polls for the next line, or returns ctx's error once ctx is done
// and the buffer is empty.
func (k *Kmsg) wait(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	pfd := []unix.PollFd{{Fd: int32(k.fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(pfd, 250); err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("poll %s: %w", KmsgPath, err)
	}
	return nil
}

// Close closes the device; closing it again does nothing (the descriptor
// number may belong to another file by then).
func (k *Kmsg) Close() error {
	if k.fd < 0 {
		return nil
	}
	fd := k.fd
	k.fd = -1
	return unix.Close(fd)
}
