package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	libaudit "github.com/elastic/go-libaudit/v2"
	"golang.org/x/sys/unix"
)

// NetlinkConfig configures OpenNetlink.
type NetlinkConfig struct {
	// BacklogLimit is the kernel backlog limit to raise to while registered
	// as the audit daemon (the kernel's default is 64). 0 leaves it as it is.
	BacklogLimit uint32
	// Multicast reads the multicast group even when no daemon is registered.
	Multicast bool
	// ReadBuffer is the socket receive buffer in bytes; 0 means 8 MiB.
	ReadBuffer int
	// StatusInterval is how often the kernel's lost counter and the daemon
	// pid are read; 0 means one second.
	StatusInterval time.Duration
	// Logger gets notices (daemon started or stopped); nil discards them.
	Logger *slog.Logger
}

// Netlink reads audit records from the kernel's audit netlink socket. As the
// registered audit daemon (unicast) it gets every record, and the kernel
// holds records in its backlog while it is slow; as a multicast reader it
// gets a copy of each record next to another daemon such as auditd, and loses
// records when its socket buffer overflows (counted in Stats.NoBufs).
type Netlink struct {
	cfg       NetlinkConfig
	log       *slog.Logger
	conn      *nlConn
	client    *libaudit.AuditClient // on conn: registered as the daemon (unicast)
	ctl       *libaudit.AuditClient // own socket: status and restore, never gets records
	multicast bool
	prev      libaudit.AuditStatus // what to restore on Close
	restore   libaudit.AuditStatusMask
	lostBase  uint32
	daemonPID uint32
	nextStat  time.Time
	doneAt    time.Time
	line      []byte
	stats     Stats
}

// Capabilities the netlink source needs.
const (
	CapAuditControl = "CAP_AUDIT_CONTROL" // read the status, register as the daemon
	CapAuditRead    = "CAP_AUDIT_READ"    // join the multicast group
)

// OpenNetlink opens the audit netlink socket. When no audit daemon is
// registered it registers this process as the daemon, turns auditing on and
// raises the backlog limit, all undone by Close; when a daemon (auditd) is
// registered it joins the multicast group instead. Permission errors match
// os.ErrPermission and name the capability missing.
func OpenNetlink(cfg NetlinkConfig) (*Netlink, error) {
	if cfg.ReadBuffer == 0 {
		cfg.ReadBuffer = 8 << 20
	}
	if cfg.StatusInterval == 0 {
		cfg.StatusInterval = time.Second
	}
	n := &Netlink{cfg: cfg, log: cfg.Logger}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	ctl, err := libaudit.NewAuditClient(nil)
	if err != nil {
		return nil, fmt.Errorf("open audit control socket: %w", err)
	}
	n.ctl = ctl
	st, err := ctl.GetStatus()
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("read audit status (needs %s): %w", CapAuditControl, err)
	}
	n.prev, n.lostBase, n.daemonPID = *st, st.Lost, st.PID
	if st.PID == 0 && !cfg.Multicast {
		err = n.register()
		if errors.Is(err, unix.EEXIST) { // a daemon registered meanwhile
			err = n.join()
		}
	} else {
		err = n.join()
	}
	if err != nil {
		n.Close()
		return nil, err
	}
	n.nextStat = time.Now().Add(cfg.StatusInterval)
	return n, nil
}

// register makes this process the audit daemon, on a fresh socket.
func (n *Netlink) register() error {
	conn, err := newNLConn(libaudit.NetlinkGroupNone, n.cfg.ReadBuffer)
	if err != nil {
		return fmt.Errorf("open audit socket: %w", err)
	}
	n.conn = conn
	n.client = &libaudit.AuditClient{Netlink: conn}
	if err := n.client.SetPID(libaudit.WaitForReply); err != nil {
		n.client.Close()
		n.client, n.conn = nil, nil
		return fmt.Errorf("register as audit daemon (needs %s): %w", CapAuditControl, err)
	}
	n.daemonPID = uint32(os.Getpid())
	if n.prev.Enabled == 0 {
		if err := n.ctl.SetEnabled(true, libaudit.WaitForReply); err != nil {
			return fmt.Errorf("enable auditing: %w", err)
		}
		n.restore |= libaudit.AuditStatusEnabled
	}
	if n.cfg.BacklogLimit > n.prev.BacklogLimit {
		if err := n.ctl.SetBacklogLimit(n.cfg.BacklogLimit, libaudit.WaitForReply); err != nil {
			return fmt.Errorf("raise audit backlog limit: %w", err)
		}
		n.restore |= libaudit.AuditStatusBacklogLimit
	}
	return nil
}

// join reads the multicast group, next to the registered daemon.
func (n *Netlink) join() error {
	conn, err := newNLConn(libaudit.NetlinkGroupReadLog, n.cfg.ReadBuffer)
	if err != nil {
		return fmt.Errorf("join audit multicast group (needs %s): %w", CapAuditRead, err)
	}
	n.conn, n.multicast = conn, true
	return nil
}

// Multicast reports whether the source reads the multicast group (another
// daemon is registered) rather than being the registered daemon.
func (n *Netlink) Multicast() bool { return n.multicast }

// DaemonPID is the registered audit daemon's pid as last read (this process
// when it registered; 0 for none).
func (n *Netlink) DaemonPID() uint32 { return n.daemonPID }

// Stats returns the loss counters.
func (n *Netlink) Stats() Stats { return n.stats }

// Next returns the next record as a dmesg-shaped line, "type=1326 audit(…): …".
// Once ctx is done it still returns what the socket holds already, for up to
// half a second, then ctx's error.
func (n *Netlink) Next(ctx context.Context) ([]byte, error) {
	for {
		if msg, ok := n.conn.pop(); ok {
			return n.format(msg.typ, msg.data), nil
		}
		n.pollStatus()
		wait := 250 * time.Millisecond
		if ctx.Err() != nil {
			if n.doneAt.IsZero() {
				n.doneAt = time.Now()
			}
			if time.Since(n.doneAt) > 500*time.Millisecond {
				return nil, ctx.Err()
			}
			wait = 0
		}
		typ, data, err := n.conn.recv(wait)
		switch {
		case err == nil:
			return n.format(typ, data), nil
		case errors.Is(err, unix.ENOBUFS):
			n.stats.NoBufs++
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		default:
			return nil, fmt.Errorf("receive audit message: %w", err)
		}
	}
}

func (n *Netlink) format(typ uint16, data []byte) []byte {
	n.line = append(n.line[:0], "type="...)
	n.line = strconv.AppendUint(n.line, uint64(typ), 10)
	n.line = append(n.line, ' ')
	return append(n.line, data...)
}

// pollStatus reads the kernel's lost counter and the daemon pid, on the
// control socket, once per StatusInterval.
func (n *Netlink) pollStatus() {
	now := time.Now()
	if now.Before(n.nextStat) {
		return
	}
	n.nextStat = now.Add(n.cfg.StatusInterval)
	st, err := n.ctl.GetStatus()
	if err != nil {
		n.log.Warn("read audit status", "err", err)
		return
	}
	n.stats.KernelLost = uint64(st.Lost - n.lostBase) // wraps like the kernel's counter
	if st.PID == n.daemonPID {
		return
	}
	n.log.Warn("audit daemon changed", "was_pid", n.daemonPID, "now_pid", st.PID, "multicast", n.multicast)
	n.daemonPID = st.PID
	if !n.multicast && st.PID == 0 {
		n.reregister()
	}
}

// reregister registers again after the kernel dropped this process as the
// daemon (it does when a send to the daemon fails).
func (n *Netlink) reregister() {
	if err := n.client.SetPID(libaudit.WaitForReply); err != nil {
		n.log.Error("register as audit daemon again", "err", err)
		return
	}
	n.daemonPID = uint32(os.Getpid())
	n.log.Info("registered as audit daemon again")
}

// Close unregisters the daemon and restores the enabled flag and the backlog
// limit as they were before OpenNetlink.
func (n *Netlink) Close() error {
	var errs []error
	if n.client != nil {
		errs = append(errs, n.client.Close()) // unsets the pid, closes conn
	} else if n.conn != nil {
		errs = append(errs, n.conn.Close())
	}
	if n.restore&libaudit.AuditStatusEnabled != 0 {
		if err := n.ctl.SetEnabled(n.prev.Enabled != 0, libaudit.WaitForReply); err != nil {
			errs = append(errs, fmt.Errorf("restore audit enabled: %w", err))
		}
	}
	if n.restore&libaudit.AuditStatusBacklogLimit != 0 {
		if err := n.ctl.SetBacklogLimit(n.prev.BacklogLimit, libaudit.WaitForReply); err != nil {
			errs = append(errs, fmt.Errorf("restore audit backlog limit: %w", err))
		}
	}
	n.restore = 0
	errs = append(errs, n.ctl.Close())
	return errors.Join(errs...)
}

// nlConn is a netlink audit socket for libaudit's AuditClient: unlike
// libaudit's own it can wait with a timeout, has a large receive buffer, and
// keeps the records that arrive while the client waits for a reply instead of
// dropping them.
type nlConn struct {
	fd      int
	port    uint32
	seq     uint32
	buf     []byte
	pending []nlMsg
}

type nlMsg struct {
	typ  uint16
	data []byte
}

// Audit message types below this are control messages, not records.
const firstRecordType = 1100

func newNLConn(groups uint32, rcvbuf int) (*nlConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf) // best effort without CAP_NET_ADMIN
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
	return &nlConn{fd: fd, port: port, buf: make([]byte, 1<<16)}, nil
}

func (c *nlConn) Close() error { return unix.Close(c.fd) }

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
// read meanwhile are kept for Next.
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
			c.pending = append(c.pending, nlMsg{h.Type, append([]byte(nil), trimRecord(c.buf[unix.NLMSG_HDRLEN:n])...)})
			continue
		}
		return p(c.buf[:n])
	}
}

// pop returns a record kept while libaudit waited for a reply.
func (c *nlConn) pop() (nlMsg, bool) {
	if len(c.pending) == 0 {
		return nlMsg{}, false
	}
	m := c.pending[0]
	c.pending = c.pending[1:]
	return m, true
}

// recv reads the next record, skipping control replies. The data is valid
// until the next read.
func (c *nlConn) recv(timeout time.Duration) (uint16, []byte, error) {
	for {
		n, err := c.read(timeout)
		if err != nil {
			return 0, nil, err
		}
		h := (*syscall.NlMsghdr)(unsafe.Pointer(&c.buf[0]))
		if h.Type < firstRecordType {
			continue
		}
		return h.Type, trimRecord(c.buf[unix.NLMSG_HDRLEN:n]), nil
	}
}

// read reads one message from the kernel, waiting up to timeout (-1: no limit).
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
