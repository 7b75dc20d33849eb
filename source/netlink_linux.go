package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
	"unsafe"

	libaudit "github.com/elastic/go-libaudit/v2"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/safefile"
)

// Netlink reads audit records from the kernel's audit netlink socket. As the
// registered audit daemon (unicast) it gets every record, and the kernel
// holds records in its backlog while it is slow; as a multicast reader it
// gets a copy of each record next to another daemon such as auditd, and loses
// records when its socket buffer overflows (counted in Stats.NoBufs).
//
// The kernel waits at most 100 ms for room in the daemon's socket buffer;
// past that it queues the record for a retry, and after 5 more such waits it
// prints it to the kernel log and drops it, without counting it in the lost
// counter unless the kernel was booted with audit=1. So the socket is read by
// a goroutine of its own, on a thread of its own with a higher priority (as
// auditd's priority_boost). With Push, the reader hands the records of
// each receive to the consumer on that goroutine, parsed while the receive
// left them in the CPU's cache, with no other goroutine woken; while the
// consumer is busy (a flush holds its lock), the reader copies them into a
// bounded queue of up to 64 MiB of records that Next reads, a batch at a
// time, and hands none over again until Next's consumer read them all, so
// the consumer gets them in order. Once the socket woke it, the reader
// lets records gather for a millisecond and takes them with recvmmsg, up to
// 64 a call, into one reused buffer: in a storm one wake-up reads hundreds
// of records, and the kernel wakes no one for the others. A registered
// reader's socket is connected to the kernel, which then refuses what
// another process sends to it. The socket buffer
// is large (128 MiB by default) and set
// with NETLINK_NO_ENOBUFS, so that after a full buffer the kernel sends again
// as soon as there is room instead of when the buffer is empty. Stats.NoBufs
// counts the times the kernel found the buffer full (the socket's drop
// counter): for a multicast reader each is a record lost; for the daemon each
// is a 100 ms wait of the kernel, a sign the reader did not keep up.
type Netlink struct {
	cfg     NetlinkConfig
	log     *slog.Logger
	conn    *nlConn
	client  *libaudit.AuditClient // on conn: registers this process as the daemon
	ctl     *libaudit.AuditClient // own socket: status and restore, never gets records
	prev    libaudit.AuditStatus  // what to restore on Close
	restore libaudit.AuditStatusMask
	// stateSaved: the state file names this process.
	stateSaved bool
	stateDir   *safefile.Dir // the state file's directory, opened once (auditstate_linux.go)
	// Owned by the reader goroutine once it runs.
	wantDaemon bool // registered at open: register again when the kernel drops us
	registered bool // this process is the daemon as far as we know
	lostBase   uint32

	batches chan *batch // read records, in order, for Next
	free    chan *batch // batches Next is done with
	stop    chan struct{}
	wake    int // eventfd that wakes the reader for Close
	done    chan struct{}

	cur    *batch // the batch Next reads
	doneAt time.Time
	take   atomic.Pointer[func([][]byte) bool] // Push's consumer
	unread atomic.Int64                        // batches sent and not read to their end
	// readerPanic is a panic of Push's consumer on the reader's goroutine
	// (set before done is closed); passed once Next panicked with it.
	readerPanic *ReaderPanic
	passed      atomic.Bool

	multicast  atomic.Bool
	daemonPID  atomic.Uint32
	kernelLost atomic.Uint64
	noBufs     atomic.Uint64
	rejoined   atomic.Uint64
}

// The reader's limits: a batch is what one wake-up reads, the queue holds
// queueBatches of them (64 MiB of record text at most).
const (
	batchBytes   = 256 << 10
	queueBatches = 256
	// drainWait is how long Next still returns records once its ctx is done.
	drainWait = 500 * time.Millisecond
	// priorityBoost is the nice decrement of the reader's thread, as
	// auditd.conf's priority_boost default.
	priorityBoost = 4
	// coalesce is how long the reader lets records gather after the
	// socket woke it: during a storm it then reads hundreds per wake-up
	// (recvmmsg) instead of one, and the kernel wakes no one for the
	// others. The socket buffer holds far more than that time's records
	// (a record takes a few KiB of it at most) when it is at least
	// coalesceBuffer; a smaller one (no CAP_NET_ADMIN, a low
	// net.core.rmem_max) is read as soon as it wakes the reader.
	coalesce       = time.Millisecond
	coalesceBuffer = 16 << 20
)

// OpenNetlink opens the audit netlink socket. When no audit daemon is
// registered it registers this process as the daemon, turns auditing on and
// raises the backlog limit, all undone by Close; when a daemon (auditd) is
// registered, or the process has CAP_AUDIT_READ but not CAP_AUDIT_CONTROL,
// it joins the multicast group instead. Permission errors match
// os.ErrPermission and name the capabilities missing.
func OpenNetlink(cfg NetlinkConfig) (*Netlink, error) {
	if cfg.ReadBuffer == 0 {
		cfg.ReadBuffer = 128 << 20
	}
	if cfg.StatusInterval == 0 {
		cfg.StatusInterval = time.Second
	}
	n := &Netlink{cfg: cfg, log: cfg.Logger, wake: -1}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	ctl, err := libaudit.NewAuditClient(nil)
	if err != nil {
		return nil, fmt.Errorf("open audit control socket: %w", err)
	}
	n.ctl = ctl
	st, err := ctl.GetStatus()
	switch {
	case errors.Is(err, os.ErrPermission):
		err = n.joinUnwatched(err)
	case err != nil:
		err = fmt.Errorf("read audit status (needs %s): %w", CapAuditControl, err)
	default:
		st = n.recoverState(st)
		n.prev, n.lostBase = *st, st.Lost
		n.daemonPID.Store(st.PID)
		err = n.connect(noDaemon(st.PID, n.log) && !cfg.Multicast)
	}
	if err == nil {
		err = n.start()
	}
	if err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// connect registers as the daemon when asked to and no other daemon took
// the place meanwhile; else it joins the multicast group.
func (n *Netlink) connect(register bool) error {
	if !register {
		return n.join()
	}
	err := n.register()
	if errors.Is(err, unix.EEXIST) { // a daemon registered meanwhile
		err = n.join()
	}
	return err
}

// joinUnwatched joins the multicast group without CAP_AUDIT_CONTROL, which
// reading the status (statusErr) needs: CAP_AUDIT_READ alone is enough to
// read next to auditd, but not to watch the lost counter and the daemon.
func (n *Netlink) joinUnwatched(statusErr error) error {
	n.ctl.Close()
	n.ctl = nil
	if err := n.join(); err != nil {
		return fmt.Errorf("read audit status (needs %s): %w; %w", CapAuditControl, statusErr, err)
	}
	n.log.Warn("reading the audit multicast group without " + CapAuditControl +
		": the kernel's lost counter and the audit daemon are not watched")
	return nil
}

// noDaemon reports whether no live process is the audit daemon: the kernel
// keeps naming a daemon that was killed until it fails to send to it, and
// lets another process register in its place.
func noDaemon(pid uint32, log *slog.Logger) bool {
	if pid == 0 {
		return true
	}
	if processExists(pid) {
		return false
	}
	log.Warn("the registered audit daemon is gone; registering in its place", "gone_pid", pid)
	return true
}

// register makes this process the audit daemon, on a fresh socket.
func (n *Netlink) register() error {
	var intent libaudit.AuditStatusMask
	if n.prev.Enabled == 0 {
		intent |= libaudit.AuditStatusEnabled
	}
	if n.cfg.BacklogLimit > n.prev.BacklogLimit {
		intent |= libaudit.AuditStatusBacklogLimit
	}
	if err := n.saveState(intent); err != nil {
		n.log.Warn("cannot write the audit state file: if this process is killed, the audit state stays changed",
			"file", n.cfg.StateFile, "err", err)
	}
	conn, err := newNLConn(libaudit.NetlinkGroupNone, n.cfg.ReadBuffer, n.log)
	if err != nil {
		return fmt.Errorf("open audit socket: %w", err)
	}
	n.conn = conn
	if err := conn.connectKernel(); err != nil {
		n.conn.Close()
		n.conn = nil
		n.dropState()
		return fmt.Errorf("open audit socket: %w", err)
	}
	n.client = &libaudit.AuditClient{Netlink: conn}
	if err := n.client.SetPID(libaudit.WaitForReply); err != nil {
		n.conn.Close()
		n.client, n.conn = nil, nil
		n.dropState()
		return fmt.Errorf("register as audit daemon (needs %s): %w", CapAuditControl, err)
	}
	n.wantDaemon, n.registered = true, true
	n.daemonPID.Store(uint32(os.Getpid()))
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
	conn, err := newNLConn(libaudit.NetlinkGroupReadLog, n.cfg.ReadBuffer, n.log)
	if err != nil {
		return fmt.Errorf("join audit multicast group (needs %s): %w", CapAuditRead, err)
	}
	n.conn = conn
	n.multicast.Store(true)
	return nil
}

// start starts the reader goroutine.
func (n *Netlink) start() error {
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	n.wake = wake
	n.batches = make(chan *batch, queueBatches)
	n.free = make(chan *batch, queueBatches)
	n.stop, n.done = make(chan struct{}), make(chan struct{})
	go n.read()
	return nil
}

// Multicast reports whether the source reads the multicast group (another
// daemon is registered) rather than being the registered daemon.
func (n *Netlink) Multicast() bool { return n.multicast.Load() }

// DaemonPID is the registered audit daemon's pid as last read (this process
// when it registered; 0 for none).
func (n *Netlink) DaemonPID() uint32 { return n.daemonPID.Load() }

// Stats returns the loss counters as of the last status read.
func (n *Netlink) Stats() Stats {
	return Stats{KernelLost: n.kernelLost.Load(), NoBufs: n.noBufs.Load(), Rejoined: n.rejoined.Load()}
}

// Next returns the next record as a dmesg-shaped line, "type=1326 audit(…): …".
// Once ctx is done it still returns what was read already and what the
// socket delivers for another half second, then ctx's error.
func (n *Netlink) Next(ctx context.Context) ([]byte, error) {
	for {
		if b := n.cur; b != nil {
			if line, ok := b.next(); ok {
				return line, nil
			}
			n.finished(b)
			if b.panicked != nil {
				n.passed.Store(true)
				panic(b.panicked)
			}
			if b.err != nil {
				return nil, fmt.Errorf("receive audit message: %w", b.err)
			}
			n.cur = nil
			b.reset()
			select {
			case n.free <- b:
			default:
			}
		}
		b, err := n.wait(ctx)
		if err != nil {
			return nil, err
		}
		n.cur = b
	}
}

// Buffered returns the next line of the batch Next reads, without waiting.
func (n *Netlink) Buffered() ([]byte, bool) {
	if n.cur == nil {
		return nil, false
	}
	line, ok := n.cur.next()
	if !ok {
		n.finished(n.cur)
	}
	return line, ok
}

// Push makes the reader hand the lines it receives to take, on its own
// goroutine (see Pusher); nil stops it.
func (n *Netlink) Push(take func(lines [][]byte) bool) {
	if take == nil {
		n.take.Store(nil)
		return
	}
	n.take.Store(&take)
}

// finished counts b as read to its end, once: the reader offers lines to
// Push's consumer only when every batch it sent was.
func (n *Netlink) finished(b *batch) {
	if !b.finished {
		b.finished = true
		n.unread.Add(-1)
	}
}

// passPanic, deferred by the reader, hands a panic of Push's consumer on
// the reader's goroutine to Next's caller, which panics with it: there,
// the consumer's own recovery closes the source and puts the audit state
// back, which a panic ending the process from the reader's goroutine
// would skip. When Close runs meanwhile (Next is not called again), Close
// panics with it once it put the state back (TestPushPanicInClose).
func (n *Netlink) passPanic() {
	r := recover()
	if r == nil {
		return
	}
	n.readerPanic = &ReaderPanic{Value: r, Stack: debug.Stack()}
	n.unread.Add(1)
	select {
	case n.batches <- &batch{panicked: n.readerPanic}:
	case <-n.stop:
	}
}

// wait returns the next batch the reader made, or ctx's error once ctx is
// done and drainWait has passed.
func (n *Netlink) wait(ctx context.Context) (*batch, error) {
	if ctx.Err() == nil {
		n.doneAt = time.Time{}
		select {
		case b := <-n.batches:
			return b, nil
		case <-ctx.Done():
		}
	}
	if n.doneAt.IsZero() {
		n.doneAt = time.Now()
	}
	select {
	case b := <-n.batches:
		return b, nil
	default:
	}
	t := time.NewTimer(time.Until(n.doneAt.Add(drainWait)))
	defer t.Stop()
	select {
	case b := <-n.batches:
		return b, nil
	case <-t.C:
		return nil, ctx.Err()
	}
}

// read runs until Close: it moves records from the socket into batches
// for Next, and reads the status every StatusInterval.
func (n *Netlink) read() {
	defer close(n.done)
	defer n.passPanic()
	runtime.LockOSThread() // the boost stays with the thread, which ends with the goroutine
	if err := unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), -priorityBoost); err != nil {
		n.log.Debug("raise the netlink reader's priority", "err", err)
	}
	nextStatus := time.Now().Add(n.cfg.StatusInterval)
	b := n.newBatch()
	for {
		n.conn.raw = rawCalls() // GOMAXPROCS as it is now: it may have dropped to 1
		full, err := n.fill(b)  // full: the socket may hold more, no gathering pause
		if len(b.ends) > 0 || err != nil {
			b.err = err
			n.unread.Add(1)
			select {
			case n.batches <- b:
			case <-n.stop:
				return
			}
			if err != nil {
				return
			}
			b = n.newBatch()
		}
		if now := time.Now(); !now.Before(nextStatus) {
			n.pollStatus()
			nextStatus = now.Add(n.cfg.StatusInterval)
		}
		readable, ok := n.waitReadable(time.Until(nextStatus))
		if !ok {
			return
		}
		if readable && !full && n.conn.rcvbuf >= coalesceBuffer {
			pause(coalesce, n.conn.raw) // let records gather: one wake-up reads many
		}
	}
}

// fill reads records until the socket is empty or a batch's worth of
// them was read: into b, or straight to the consumer when it takes them
// (offer). It reports full when it stopped at that bound, with the socket
// likely holding more. The bound holds for lines handed over too: without
// it, a consumer that takes every line while the socket never empties (it
// is slower than the kernel in a storm) kept the reader in here, where
// neither Close nor the status read reaches it (TestPushCloseInStorm).
func (n *Netlink) fill(b *batch) (full bool, err error) {
	for _, m := range n.conn.takePending() {
		b.add(m.typ, m.data)
	}
	for read := len(b.buf); read < batchBytes; {
		lines, got, err := n.conn.recvLines()
		if errors.Is(err, unix.ENOBUFS) { // only when NETLINK_NO_ENOBUFS could not be set
			n.noBufs.Add(1)
			continue
		}
		if err != nil {
			return false, err
		}
		for _, l := range lines {
			read += len(l)
		}
		if !n.offer(b, lines) {
			for _, l := range lines {
				b.addLine(l)
			}
		}
		if got < recvSlots {
			return false, nil // the socket is (most likely) empty: the caller polls
		}
	}
	return true, nil
}

// offer hands lines to the consumer Push set, on the reader's goroutine,
// when nothing read before them waits for Next: b, the batch being
// filled, is empty, and Next's consumer finished every batch sent. It
// reports whether the consumer took them.
func (n *Netlink) offer(b *batch, lines [][]byte) bool {
	take := n.take.Load()
	if take == nil || len(lines) == 0 || len(b.ends) > 0 || n.unread.Load() != 0 {
		return false
	}
	return (*take)(lines)
}

// waitReadable waits until the socket has data or d passed, and reports
// whether it has data; ok is false when Close asked the reader to stop.
// The first rawWait of the wait is a raw system call (see rawCalls).
func (n *Netlink) waitReadable(d time.Duration) (readable, ok bool) {
	pfd := [2]unix.PollFd{{Fd: int32(n.conn.fd), Events: unix.POLLIN}, {Fd: int32(n.wake), Events: unix.POLLIN}}
	var err error
	if n.conn.raw {
		var k int
		k, err = rawPoll(pfd[:], min(d, rawWait))
		if err == nil && k == 0 && d > rawWait {
			_, err = unix.Poll(pfd[:], max(int((d-rawWait)/time.Millisecond), 0))
		}
	} else {
		_, err = unix.Poll(pfd[:], max(int(d/time.Millisecond), 0))
	}
	if err != nil && !errors.Is(err, unix.EINTR) {
		n.log.Error("poll audit socket", "err", err)
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-n.stop:
		return false, false
	default:
		return pfd[0].Revents != 0, true
	}
}

// pause sleeps d: on the reader's own thread, keeping its P, when raw
// (see rawCalls), else as a goroutine, leaving the P to others. A raw
// sleep ends early at a signal, so that the runtime's preemption (a stop
// for a collection) never waits for it.
func pause(d time.Duration, raw bool) {
	if !raw {
		time.Sleep(d)
		return
	}
	ts := unix.NsecToTimespec(int64(d))
	unix.RawSyscall(unix.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
}

// rawPoll is poll(2) as a raw system call, for at most d; a d past (below
// zero) polls without waiting, as ppoll takes a negative time for EINVAL.
func rawPoll(pfd []unix.PollFd, d time.Duration) (int, error) {
	ts := unix.NsecToTimespec(int64(max(d, 0)))
	k, _, e := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd[0])), uintptr(len(pfd)),
		uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(k), nil
}

// rawCalls reports whether the reader makes its short waits (the
// gathering pause, the first rawWait of a poll) and its receives as raw
// system calls, which keep the reader's P: it does when the process has
// another P for everything else (GOMAXPROCS >= 2). It is asked again at
// each turn of the reader's loop, as GOMAXPROCS may drop while it runs
// (runtime.GOMAXPROCS, or the runtime itself, within a second, when the
// process's CPU affinity shrinks to one CPU: taskset -a -p 1, a cpuset):
// with one P, a raw wait holds every other goroutine until the runtime
// preempts the reader (TestNetlinkWaitsFollowGOMAXPROCS). A system call
// through the Go runtime hands the runtime's monitor (sysmon) a P to take
// back, and every return from one wakes the monitor when all the Ps were
// idle, which then polls every 20 µs for a millisecond: in a storm, one
// gathering pause a millisecond, that was a thread woken 2,500 times a
// second and 0.2 µs of CPU per record (perf on make bench's storm, busy
// machine). A signal (the runtime's preemption, the stop for a collection)
// ends a raw poll or sleep at once (EINTR, TestRawWaitEndsAtSignal), so
// the reader never holds up a collection. With GODEBUG=asyncpreemptoff=1
// the runtime sends no signal: a stop of the world then waits for the raw
// wait to end, rawWait (or the 1 ms pause) at most.
func rawCalls() bool { return runtime.GOMAXPROCS(0) >= 2 }

// rawWait bounds the part of a wait made as a raw system call: in a storm
// the socket is readable again well within it; past it the reader waits in
// an ordinary system call.
const rawWait = 5 * time.Millisecond

func (n *Netlink) newBatch() *batch {
	select {
	case b := <-n.free:
		return b
	default:
		return &batch{buf: make([]byte, 0, batchBytes+8<<10)}
	}
}

// pollStatus reads the kernel's lost counter, the socket's drop counter and
// the daemon pid, and registers again when the kernel dropped this process
// as the daemon.
func (n *Netlink) pollStatus() {
	if drops, err := n.conn.drops(); err == nil {
		n.noBufs.Store(uint64(drops))
	}
	if n.ctl == nil { // no CAP_AUDIT_CONTROL
		return
	}
	st, err := n.ctl.GetStatus()
	if err != nil {
		n.log.Warn("read audit status", "err", err)
		return
	}
	n.kernelLost.Store(uint64(st.Lost - n.lostBase)) // wraps like the kernel's counter
	if was := n.daemonPID.Swap(st.PID); was != st.PID {
		n.log.Warn("audit daemon changed", "was_pid", was, "now_pid", st.PID, "multicast", n.multicast.Load())
	}
	switch self := uint32(os.Getpid()); {
	case st.PID == 0 && n.wantDaemon:
		n.reregister()
	case st.PID != 0 && st.PID != self && n.registered:
		n.registered = false
		if err := n.conn.membership(unix.NETLINK_ADD_MEMBERSHIP); err != nil {
			n.log.Error("join audit multicast group after another daemon registered", "err", err)
			return
		}
		n.multicast.Store(true)
		n.log.Info("reading the multicast group next to the new daemon", "pid", st.PID)
	}
}

// reregister registers again after the kernel dropped this process as the
// daemon (it does when a send to the daemon fails for good), leaving the
// multicast group if it had joined it meanwhile.
func (n *Netlink) reregister() {
	if err := n.client.SetPID(libaudit.WaitForReply); err != nil {
		n.log.Error("register as audit daemon again", "err", err)
		return
	}
	if n.multicast.Load() {
		if err := n.conn.membership(unix.NETLINK_DROP_MEMBERSHIP); err != nil {
			n.log.Error("leave audit multicast group", "err", err)
		}
		n.multicast.Store(false)
	}
	n.registered = true
	n.daemonPID.Store(uint32(os.Getpid()))
	n.rejoined.Add(1)
	n.log.Info("registered as audit daemon again")
}

// Close unregisters the daemon and restores the enabled flag and the backlog
// limit as they were before OpenNetlink. It then panics with a panic of
// Push's consumer on the reader's goroutine that Next did not raise.
func (n *Netlink) Close() error {
	if n.done != nil {
		select {
		case <-n.stop:
		default:
			close(n.stop)
			unix.Write(n.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		}
		<-n.done
	}
	if n.wake >= 0 {
		unix.Close(n.wake)
		n.wake = -1
	}
	var errs []error
	switch {
	case n.client != nil && n.registered:
		errs = append(errs, n.client.Close()) // unsets the pid, closes conn
	case n.conn != nil:
		errs = append(errs, n.conn.Close())
	}
	n.client, n.conn = nil, nil
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
	if len(errs) == 0 || errors.Join(errs...) == nil {
		errs = append(errs, n.dropState()) // all put back: nothing left for a next start
	}
	n.closeStateDir()
	if n.ctl != nil {
		errs = append(errs, n.ctl.Close())
		n.ctl = nil
	}
	if p := n.readerPanic; p != nil && !n.passed.Swap(true) {
		panic(p)
	}
	return errors.Join(errs...)
}
