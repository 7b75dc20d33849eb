package source

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	libaudit "github.com/elastic/go-libaudit/v2"
	"golang.org/x/sys/unix"
)

// nlConn is a netlink audit socket for libaudit's AuditClient: unlike
// libaudit's own it can be read without blocking, has a large receive
// buffer, and keeps the records that arrive while the client waits for a
// reply instead of dropping them.
type nlConn struct {
	fd      int
	port    uint32
	seq     uint32
	buf     []byte
	pending []nlMsg
	ring    *mmsgRing // the reader's receive (recvMany)
	rcvbuf  int       // the receive buffer's size, as the kernel set it
	raw     bool      // the reader's short calls are raw system calls (rawCalls)
	// kernelOnly: only the kernel can send to the socket (connected to
	// it, in no multicast group) and nothing another process sent before
	// is left in its queue, so the reader asks no sender's address.
	kernelOnly bool
	// trustAtEmpty: only the kernel can send to the socket now, but what
	// another process sent before (to its port before connectKernel, to
	// the group before it left it) may still be queued: kernelOnly once
	// a receive found the queue empty.
	trustAtEmpty bool
	connected    bool // connectKernel
}

type nlMsg struct {
	typ  uint16
	data []byte
}

// Audit message types below this are control messages, not records.
const firstRecordType = 1100

// auditReplace is the kernel's probe of a registered daemon when another
// process asks to register (AUDIT_REPLACE): binary, not a record.
const auditReplace = 1329

// Socket options x/sys/unix does not name: SO_MEMINFO (asm-generic value)
// returns SK_MEMINFO_VARS counters, SK_MEMINFO_DROPS the socket's drops.
const (
	soMeminfo      = 55
	skMeminfoVars  = 9
	skMeminfoDrops = 8
)

func newNLConn(groups uint32, rcvbuf int, log *slog.Logger) (*nlConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf) // capped at net.core.rmem_max without CAP_NET_ADMIN
	}
	got, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err == nil && got < rcvbuf {
		log.Warn("audit socket receive buffer smaller than asked (raising it needs CAP_NET_ADMIN or net.core.rmem_max)",
			"bytes", got, "asked", rcvbuf)
	}
	// A full buffer then only delays the kernel's next send until there is
	// room, not until the reader emptied the whole buffer; drops are
	// counted from SO_MEMINFO instead.
	if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_NO_ENOBUFS, 1); err != nil {
		log.Warn("set NETLINK_NO_ENOBUFS on the audit socket", "err", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("getsockname: %w", err)
	}
	port := sa.(*unix.SockaddrNetlink).Pid
	return &nlConn{fd: fd, port: port, buf: make([]byte, 1<<16), rcvbuf: got}, nil
}

func (c *nlConn) Close() error { return unix.Close(c.fd) }

// membership joins (NETLINK_ADD_MEMBERSHIP) or leaves the multicast group.
// In the group, a process with CAP_NET_ADMIN can send to the socket too.
func (c *nlConn) membership(op int) error {
	err := unix.SetsockoptInt(c.fd, unix.SOL_NETLINK, op, int(libaudit.NetlinkGroupReadLog))
	c.kernelOnly = false
	c.trustAtEmpty = op == unix.NETLINK_DROP_MEMBERSHIP && err == nil && c.connected
	return err
}

// connectKernel connects the socket to the kernel (port 0): the kernel
// then refuses (ECONNREFUSED) what another process sends to it, which a
// process with CAP_NET_ADMIN could otherwise do, and only the kernel's
// records and replies reach it from then on. What was sent to it between
// bind and connect stays queued: the reader checks senders until it found
// the queue empty (trustAtEmpty).
func (c *nlConn) connectKernel() error {
	if err := unix.Connect(c.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("connect to the kernel: %w", err)
	}
	c.connected, c.trustAtEmpty = true, true
	return nil
}

// drops returns the socket's drop counter: the times the kernel found its
// receive buffer full.
func (c *nlConn) drops() (uint32, error) {
	var v [skMeminfoVars]uint32
	l := uint32(unsafe.Sizeof(v))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(c.fd), unix.SOL_SOCKET, soMeminfo,
		uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return 0, e
	}
	if l <= skMeminfoDrops*4 {
		return 0, errors.New("SO_MEMINFO: short answer")
	}
	return v[skMeminfoDrops], nil
}

func (c *nlConn) Send(msg syscall.NetlinkMessage) (uint32, error) { return c.send(msg) }

func (c *nlConn) SendNoWait(msg syscall.NetlinkMessage) (uint32, error) { return c.send(msg) }

func (c *nlConn) send(msg syscall.NetlinkMessage) (uint32, error) {
	c.seq++
	msg.Header.Seq, msg.Header.Pid = c.seq, c.port
	msg.Header.Len = uint32(unix.SizeofNlMsghdr + len(msg.Data))
	b := make([]byte, msg.Header.Len)
	*(*syscall.NlMsghdr)(unsafe.Pointer(&b[0])) = msg.Header
	copy(b[unix.SizeofNlMsghdr:], msg.Data)
	return c.seq, unix.Sendto(c.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// Receive serves libaudit's AuditClient while it waits for a reply: records
// read meanwhile are kept for the reader.
func (c *nlConn) Receive(nonBlocking bool, p libaudit.NetlinkParser) ([]syscall.NetlinkMessage, error) {
	timeout := time.Duration(-1)
	if nonBlocking {
		timeout = 0
	}
	for {
		n, err := c.read(timeout)
		if err != nil {
			return nil, err
		}
		h := (*syscall.NlMsghdr)(unsafe.Pointer(&c.buf[0]))
		if h.Seq == 0 && h.Type >= firstRecordType {
			if h.Type != auditReplace {
				c.pending = append(c.pending, nlMsg{h.Type, append([]byte(nil), trimRecord(c.buf[unix.NLMSG_HDRLEN:n])...)})
			}
			continue
		}
		return p(c.buf[:n])
	}
}

// takePending returns the records kept while libaudit waited for a reply.
func (c *nlConn) takePending() []nlMsg {
	p := c.pending
	c.pending = nil
	return p
}

// read reads one message from the kernel, waiting up to timeout (-1: no
// limit; 0: EAGAIN when there is none).
func (c *nlConn) read(timeout time.Duration) (int, error) {
	for {
		n, from, err := unix.Recvfrom(c.fd, c.buf, unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) && timeout != 0 {
			ms := -1
			if timeout > 0 {
				ms = int(timeout / time.Millisecond)
			}
			pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
			k, perr := unix.Poll(pfd, ms)
			if perr != nil && !errors.Is(perr, unix.EINTR) {
				return 0, perr
			}
			if k == 0 && timeout > 0 {
				return 0, unix.EAGAIN
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue // not from the kernel
		}
		if n < unix.NLMSG_HDRLEN {
			continue
		}
		return n, nil
	}
}

// trimRecord drops the NUL and newline padding some kernels leave after a
// record's text.
func trimRecord(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == 0 || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// batch is the records one wake-up of the reader read, as lines
// "type=N text" in one buffer, and the reader's error after them.
type batch struct {
	buf      []byte
	ends     []int
	pos      int // lines Next returned
	err      error
	finished bool         // read to its end (Netlink.finished)
	panicked *ReaderPanic // Push's consumer panicked on the reader's goroutine
}

func (b *batch) add(typ uint16, data []byte) {
	b.buf = append(b.buf, "type="...)
	b.buf = strconv.AppendUint(b.buf, uint64(typ), 10)
	b.buf = append(b.buf, ' ')
	b.buf = append(b.buf, data...)
	b.ends = append(b.ends, len(b.buf))
}

// addLine appends a line as recvLines made it.
func (b *batch) addLine(line []byte) {
	b.buf = append(b.buf, line...)
	b.ends = append(b.ends, len(b.buf))
}

// next returns the next line; it stays valid until the batch is reset.
func (b *batch) next() ([]byte, bool) {
	if b.pos == len(b.ends) {
		return nil, false
	}
	start := 0
	if b.pos > 0 {
		start = b.ends[b.pos-1]
	}
	b.pos++
	return b.buf[start:b.ends[b.pos-1]:b.ends[b.pos-1]], true
}

func (b *batch) reset() {
	b.buf, b.ends, b.pos, b.err, b.finished = b.buf[:0], b.ends[:0], 0, nil, false
}
