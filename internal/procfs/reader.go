package procfs

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// Reader reads files of /proc/PID into buffers it keeps, without an
// os.File or a buffer per read: for lookups that may come once a record.
// It is not safe for concurrent use.
type Reader struct {
	// Proc is where procfs is mounted ("" is /proc).
	Proc string

	stat, buf, name []byte
}

// StartTime returns the start time of process pid (clock ticks after
// boot), from its stat file.
func (r *Reader) StartTime(pid int32) (uint64, error) {
	var err error
	if r.stat, err = r.read(r.stat, pid, "stat"); err != nil {
		return 0, err
	}
	n, err := ParseStart(r.stat)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", r.path(pid, "stat"), err)
	}
	return n, nil
}

// ReadFile returns the content of /proc/PID/name, valid until the next
// ReadFile (StartTime keeps its own buffer).
func (r *Reader) ReadFile(pid int32, name string) ([]byte, error) {
	var err error
	r.buf, err = r.read(r.buf, pid, name)
	return r.buf, err
}

// path returns the path of /proc/PID/name, made in a buffer it keeps (one
// allocation, the string's; strconv.Itoa would make another).
func (r *Reader) path(pid int32, name string) string {
	proc := r.Proc
	if proc == "" {
		proc = "/proc"
	}
	r.name = append(r.name[:0], proc...)
	r.name = append(r.name, '/')
	r.name = strconv.AppendInt(r.name, int64(pid), 10)
	r.name = append(r.name, '/')
	r.name = append(r.name, name...)
	return string(r.name)
}

// read reads the file into buf[:0], growing it as need be.
func (r *Reader) read(buf []byte, pid int32, name string) ([]byte, error) {
	path := r.path(pid, name)
	fd, err := retry(func() (int, error) { return syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0) })
	if err != nil {
		return buf[:0], &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	if cap(buf) == 0 {
		buf = make([]byte, 0, 512)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := retry(func() (int, error) { return syscall.Read(fd, buf[len(buf):cap(buf)]) })
		if err != nil {
			return buf[:0], &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// retry calls f again while it is interrupted by a signal.
func retry(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if !errors.Is(err, syscall.EINTR) {
			return n, err
		}
	}
}
