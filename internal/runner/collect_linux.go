package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/source"
)

// Drain rule. The kernel queues a seccomp record while the call is made,
// and kauditd hands queued records out in order. So once the program has
// exited, a record queued after that exit is delivered after every record
// of the program: the marker, a tiny process under a LOG filter in its own
// fresh audit session. Collection ends at the first record of the
// marker's session. Without sessions, it ends after quietPeriod without a
// record of the tree. markerTimeout bounds the wait either way.
//
// The order holds only while every record reaches the socket at its first
// try. When the kernel could not put one in the daemon's full socket buffer
// within 100 ms, it requeues it for a retry, behind records queued later
// (the marker's), or drops it uncounted; when the daemon changes, records
// wait in a hold queue. So after the marker the socket's drop counter, the
// kernel's lost counter and the daemon are checked (once fresh, a status
// interval later): if any moved, collection also waits for quietPeriod
// without a record of the program, and says so.
const (
	markerTimeout  = 5 * time.Second
	quietPeriod    = 300 * time.Millisecond
	backlogLimit   = 8192
	statusInterval = 100 * time.Millisecond
)

// forwarded are the signals record and run pass on to the program.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCONT}

// Collect runs r.Args under r.Profile and collects the records of its
// process tree from the netlink audit socket, until the program has exited
// and no record of it can still be in flight. It needs root
// (CAP_AUDIT_CONTROL, or CAP_AUDIT_READ next to auditd).
//
// When ctx is done before that, the program is killed (as
// exec.CommandContext does: the signals record passes on are the way to
// end it gently; record and run give a ctx that signals do not end), the
// records in flight are not waited for, and Collect returns what it
// collected (Drained false) with an error wrapping ctx's. A ctx done at the
// start runs nothing.
func Collect(ctx context.Context, r Run) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	self, err := selfExe()
	if err != nil {
		return nil, err
	}
	src, err := source.OpenNetlink(source.NetlinkConfig{BacklogLimit: backlogLimit, StatusInterval: statusInterval, StateFile: source.DefaultStateFile})
	if err != nil {
		return nil, fmt.Errorf("open audit records: %w", err)
	}
	defer src.Close()
	before, daemon := src.Stats(), src.DaemonPID()
	col := newCollector(r.Pipeline, self)
	col.observe = r.Observe
	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer closeAtPanic(src)
		readErr = col.read(readCtx, src)
		close(readDone)
	}()

	cmd := r.cmd()
	res := &Result{}
	state, err := startAndWait(ctx, cmd, func() {
		res.Path = cmd.Path
		col.follow(cmd, res)
	})
	if err != nil {
		return nil, err
	}
	res.State = state

	res.Drained = col.drain(ctx, readDone)
	if res.Drained {
		sleep(ctx, statusInterval+statusInterval/2) // fresh counters
		if !orderKept(before, src.Stats(), daemon, src.DaemonPID()) {
			res.Warnings = append(res.Warnings, "the kernel had to retry or hold records (full socket buffer or daemon change): waited for a quiet period after the end marker, as records may arrive out of order")
			res.Drained = col.quiet(ctx)
		}
	}
	stopRead()
	<-readDone
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("reading audit records stopped: %v", readErr))
	}
	p, dropped := col.finish()
	if dropped > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d records that waited to be told apart (read before the program's session was known, or of processes the tree had not seen yet) were dropped past %d MiB", dropped, pendingBytes>>20))
	}
	p.Counts.Source = src.Stats()
	res.Pipeline, res.prog = p, audit.Record{PID: col.pid, Comm: col.comm, Exe: col.exe}
	if ctx.Err() != nil {
		res.Drained = false
		return res, fmt.Errorf("collection cut short: %w", ctx.Err())
	}
	return res, nil
}

// closeAtPanic, deferred by the goroutine that reads the records, closes
// the source when the pipeline panics (on that goroutine, or on the
// source's reader, whose panic Next raises there), before the panic ends
// the process: the audit daemon's place, the enabled flag and the backlog
// limit are put back then, not at the next start from the state file.
func closeAtPanic(src io.Closer) {
	if r := recover(); r != nil {
		src.Close()
		panic(r)
	}
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Unwatched runs r.Args under r.Profile without collecting records, and
// returns how it ended.
func Unwatched(r Run) (*os.ProcessState, error) {
	return startAndWait(context.Background(), r.cmd(), nil)
}

func (r Run) cmd() *sandbox.Cmd {
	return &sandbox.Cmd{Profile: r.Profile, Options: r.Options, Args: r.Args,
		Stdin: r.Stdin, Stdout: r.Stdout, Stderr: r.Stderr, Self: "/proc/self/exe"}
}

// orderKept reports whether the kernel sent every record at its first try
// between the two readings of the source: no socket drop (a 100 ms wait
// and a requeue, for the daemon), no record lost, the same daemon, never
// dropped and registered again in between (the hold queue).
func orderKept(before, after source.Stats, daemonBefore, daemonAfter uint32) bool {
	return after.NoBufs == before.NoBufs && after.KernelLost == before.KernelLost &&
		after.Rejoined == before.Rejoined && daemonAfter == daemonBefore
}

// startAndWait starts the program, calls started, and waits for the
// program's end while passing the signals in forwarded on to it; once ctx
// is done it kills the program and waits on. At a terminal the program
// runs as the foreground job (see atTerminal): the signals forwarded are
// then those sent to the recorder by kill.
func startAndWait(ctx context.Context, cmd *sandbox.Cmd, started func()) (*os.ProcessState, error) {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	atTerminal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if started != nil {
		started()
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	var stopCheck <-chan time.Time // job control: a Foreground program stopped by Ctrl-Z
	if cmd.Foreground {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		stopCheck = tick.C
	}
	ctxDone := ctx.Done()
	for {
		select {
		case <-done:
			return cmd.ProcessState(), nil
		case <-ctxDone:
			cmd.Process.Kill()
			ctxDone = nil
		case s := <-sigs:
			cmd.Process.Signal(s)
		case <-stopCheck:
			if processStopped(cmd.Process.Pid) {
				cmd.Suspend()
			}
		}
	}
}

// processStopped reports whether pid is stopped by a signal (state T in
// /proc/PID/stat).
func processStopped(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i >= 0 && i+2 < len(data) && data[i+2] == 'T'
}

// atTerminal makes the program the terminal's foreground job, as a shell
// does, when the recorder is one: its stdin is a terminal whose foreground
// group is the recorder's. Otherwise the terminal would send its signals
// (Ctrl-C) to the recorder's group, the program included, and the
// program would get each twice: from the terminal and forwarded. Runs
// without a terminal (pipes, tests, CI) are left as they are.
func atTerminal(cmd *sandbox.Cmd) {
	f, ok := cmd.Stdin.(*os.File)
	if !ok {
		return
	}
	fd := int(f.Fd())
	if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil && fg == unix.Getpgrp() {
		cmd.Foreground, cmd.Ctty = true, fd
	}
}

// collector takes the seccomp records of one audit session (or, without
// one, of one process tree) down the Run's pipeline as they arrive from the
// socket: each line goes to Pipeline.Line, whose Select (decide) tells the
// program's records from the others'. Two kinds of lines wait in held
// before they go in:
//   - those read before the session (or the tree's root) is known, until
//     follow knows it;
//   - the program's first records, which the helper makes between loading
//     the filter and exec under the recorder's own exe: they wait for the
//     program's first record after exec, whose comm and exe the pipeline's
//     first enricher (attribution) gives them, so they go in the program's
//     profile (at most maxNaming lines, else the names of the path exec'd).
type collector struct {
	mu       sync.Mutex
	p        *pipeline.Pipeline
	ses      uint32
	known    bool      // ses is set: filter as records come
	tree     *procTree // fallback without a session
	pid      int32     // the program's
	self     string    // the recorder binary, the helper's exe
	named    bool      // comm and exe are the program's
	comm     []byte
	exe      []byte
	path     string              // the program's resolved path, for names when no record tells them
	pending  held                // lines read before the session or tree was known
	naming   held                // the program's lines waiting for its names
	fate     fate                // what decide made of the line Line took last
	feeding  bool                // naming's lines are going in: decide took them already
	again    bool                // pending lines are going in again: observed already
	draining bool                // the marker may be running
	others   map[uint32]struct{} // sessions seen while draining
	marker   uint32
	marked   chan struct{}
	last     time.Time           // when the last record of the program arrived (stamp)
	fresh    bool                // a record of the program came since last was stamped
	observe  func(*audit.Record) // Run.Observe
}

// fate is what decide made of a line.
type fate int

const (
	skip  fate = iota // not the program's, or no record
	take              // the program's: in the pipeline
	pend              // the session or tree is not known yet: pending
	wait              // the program's, but its names are not known: naming
	named             // the program's first record after exec: its names are known, naming goes in
)

// Limits of what waits: the helper makes a few dozen calls before exec;
// pending holds what other processes logged in the few milliseconds before
// the program started, or, in a process tree, the records of processes the
// tree has not seen yet.
const (
	maxNaming    = 4096
	pendingBytes = 64 << 20
)

// netlinkPos names the socket's lines in the summary: nothing, as they have
// no place a user could look up (Explain shows "-").
var netlinkPos = pipeline.Pos{}

func newCollector(cfg pipeline.Config, self string) *collector {
	c := &collector{self: self, marked: make(chan struct{}), pending: held{maxBytes: pendingBytes},
		naming: held{maxBytes: pendingBytes}}
	cfg.Enrichers = append([]pipeline.Enricher{pipeline.EnrichFunc(c.attribute)}, cfg.Enrichers...)
	cfg.Select = c.decide
	c.p = pipeline.New(cfg)
	return c
}

// read takes the source's lines down the pipeline until ctx ends, the
// lines of a batch (source.Batch) under one lock. The netlink source's
// reader takes them itself while c.mu is free (source.PushUnder).
func (c *collector) read(ctx context.Context, src source.Source) error {
	defer source.PushUnder(src, &c.mu, c.line, c.stamp)() // finish must see the last line
	for {
		line, err := src.Next(ctx)
		if err != nil {
			return err
		}
		c.mu.Lock() // once a batch: the lines read already go in with line
		source.Batch(src, line, c.line)
		c.stamp()
		c.mu.Unlock()
	}
}

// stamp sets last to now when a record of the program came since it was
// set: once a batch, as the clock costs a fifth of a record's time in the
// pipeline (BenchmarkCollectorBatch); c.mu is held.
func (c *collector) stamp() {
	if c.fresh {
		c.last, c.fresh = time.Now(), false
	}
}

// line takes one line down the pipeline and keeps it when decide said it
// must wait; c.mu is held.
func (c *collector) line(line []byte) {
	c.fate = skip
	c.p.Line(line, netlinkPos)
	switch c.fate {
	case pend:
		c.pending.add(line)
	case wait:
		c.naming.add(line)
		if c.naming.len() >= maxNaming {
			c.nameFromPath()
		}
	case named:
		c.naming.add(line)
		c.feedNaming()
	}
}

// decide is the pipeline's Select: it takes the program's seccomp records
// and sets c.fate; c.mu is held.
func (c *collector) decide(kind audit.Kind, r *audit.Record) bool {
	if kind != audit.KindSeccomp {
		return false
	}
	if c.feeding {
		return true
	}
	if c.observe != nil && !c.again {
		c.observe(r)
	}
	switch {
	case c.tree != nil:
		if !c.tree.has(r.PID) {
			c.fate = pend
			return false
		}
	case !c.known:
		c.fate = pend
		return false
	case r.Ses != c.ses:
		if c.draining {
			c.others[r.Ses] = struct{}{}
			c.checkMarker()
		}
		return false
	}
	c.fresh = true
	if c.named {
		c.fate = take
		return true
	}
	c.fate = wait
	if r.PID == c.pid && string(r.Exe) != c.self {
		c.comm, c.exe, c.named = bytes.Clone(r.Comm), bytes.Clone(r.Exe), true
		c.fate = named
	}
	return false
}

// attribute is the pipeline's first enricher: the helper's records (the
// program's pid, the recorder's exe) get the program's names.
func (c *collector) attribute(r *pipeline.Record) {
	if r.PID == c.pid && string(r.Exe) == c.self {
		r.Comm, r.Exe = c.comm, c.exe
	}
}

// feedNaming takes the lines that waited for the program's names down the
// pipeline, in the order they came; c.mu is held.
func (c *collector) feedNaming() {
	c.feeding = true
	for _, l := range c.naming.take() {
		c.p.Line(l, netlinkPos)
	}
	c.feeding = false
}

// nameFromPath names the program after the path the helper exec'd, when
// none of its records told its names: the basename (cut to 15 bytes, as
// comm is) and the resolved path; c.mu is held.
func (c *collector) nameFromPath() {
	path := c.path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	base := filepath.Base(path)
	if len(base) > 15 {
		base = base[:15]
	}
	c.comm, c.exe, c.named = []byte(base), []byte(path), true
	c.feedNaming()
}

// repend takes the pending lines down the pipeline again, now that the
// session or tree is known; c.mu is held.
func (c *collector) repend() {
	c.again = true
	for _, l := range c.pending.take() {
		c.line(l)
	}
	c.again = false
}

// checkMarker closes marked once a record of the marker's session came.
func (c *collector) checkMarker() {
	if _, ok := c.others[c.marker]; !ok || c.marker == 0 {
		return
	}
	select {
	case <-c.marked:
	default:
		close(c.marked)
	}
}

// follow tells the collector which records are the program's: those of its
// audit session, else those of its process tree.
func (c *collector) follow(cmd *sandbox.Cmd, res *Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pid, c.path = int32(cmd.Process.Pid), cmd.Path
	if cmd.SesErr == nil {
		c.ses, c.known = cmd.Ses, true
		c.repend()
		res.Tracking = fmt.Sprintf("audit session %d", cmd.Ses)
		return
	}
	c.tree = newProcTree(int32(cmd.Process.Pid))
	go c.tree.poll()
	res.Tracking = "process tree"
	res.Warnings = append(res.Warnings, fmt.Sprintf("no fresh audit session (%v): followed the process tree by polling /proc every %v; records of children that lived shorter may be missing, and records of other processes under LOG filters at the same pids may be mixed in; collection ends after %v without records", cmd.SesErr, treePoll, quietPeriod))
}

// drain waits until no record of the program can still be in flight: until
// the marker's first record, or, without sessions, for a quiet period. It
// reports false at once when ctx is done.
func (c *collector) drain(ctx context.Context, readDone <-chan struct{}) bool {
	if c.tree != nil {
		c.tree.stop()
		return c.quiet(ctx)
	}
	if ctx.Err() != nil {
		return false
	}
	c.mu.Lock()
	c.draining, c.others = true, make(map[uint32]struct{})
	c.mu.Unlock()
	marker := &sandbox.Cmd{Profile: &specs.LinuxSeccomp{DefaultAction: specs.ActLog}, Args: []string{"true"}, Self: "/proc/self/exe"}
	err := marker.Start()
	if err == nil {
		marker.Wait()
	}
	if err == nil && marker.SesErr == nil {
		c.mu.Lock()
		c.marker = marker.Ses
		c.checkMarker()
		c.mu.Unlock()
		select {
		case <-c.marked:
			return true
		case <-readDone:
		case <-ctx.Done():
		case <-time.After(markerTimeout):
		}
		return false
	}
	return c.quiet(ctx)
}

// quiet waits until no record came for quietPeriod (at most markerTimeout);
// it reports false once ctx is done.
func (c *collector) quiet(ctx context.Context) bool {
	deadline := time.Now().Add(markerTimeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c.mu.Lock()
		c.stamp()
		quiet := time.Since(c.last) > quietPeriod
		c.mu.Unlock()
		if quiet {
			return true
		}
		sleep(ctx, quietPeriod/4)
	}
	return false
}

// finish takes in what still waits once reading stopped: in a process
// tree, the pending records of the processes the tree saw by the end;
// the program's first records, under the names of its path when none of
// its records told them. It returns the pipeline and how many lines were
// dropped past the limits of what waits.
func (c *collector) finish() (*pipeline.Pipeline, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tree != nil {
		dropped := c.pending.dropped
		c.repend() // pending again when the tree never saw its process: not the program's
		c.pending = held{dropped: dropped}
	}
	if !c.named {
		c.nameFromPath()
	}
	return c.p, c.pending.dropped + c.naming.dropped
}
