package watch

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// Config is what a watch does. Its Output is where the profiles go (its
// Dir), and the --explain file (its Explain, written with the profiles from
// Pipeline.Explain, which must then be set; "-" is Output.W): the daemon
// opens the dir and the reports, and closes the dir when it ends; the
// reports are the Writer's owner's to close (the summary's JSON comes
// after).
type Config struct {
	Source        source.Spec
	FromStart     bool   // read files and /dev/kmsg from their start
	BacklogLimit  uint32 // the kernel's backlog limit while registered as the audit daemon
	Output        *output.Writer
	FlushInterval time.Duration
	Resume        bool               // start from the profiles in Output.Dir, so a restart loses nothing
	Pipeline      pipeline.Config    // enrichers, filter, grouping
	Build         profilegen.Options // base, companions, profiles to merge
	Tee           string             // append every audit line read to this file
	MetricsAddr   string             // serve Prometheus metrics at HOST:PORT/metrics
	// MetricsMaxGroups is how many group labels the metrics carry; the
	// records of later groups are under the label "other" (0: no limit).
	MetricsMaxGroups int
	// StateFile is the netlink source's audit state file (see
	// source.NetlinkConfig.StateFile); "" keeps none.
	StateFile string
	Logger    *slog.Logger
	// Flushed, when set, is given the profiles of each flush that wrote
	// them to the output dir (a publisher to an API server: it must not
	// block, nor change them).
	Flushed func([]profilegen.Built)
	// Collectors are served with the daemon's metrics (a publisher's).
	Collectors []prometheus.Collector
	// Done, when set, is given the summary of the whole watch when it
	// ends: its counts and the profiles of the last flush.
	Done func(pipeline.Summary)
}

// daemon holds what watch keeps: the pipeline's set of (group, arch,
// syscall, action) seen and its counts, never the records.
type daemon struct {
	cfg    Config
	log    *slog.Logger
	endErr error               // the last flush's failure (fallback), which Run returns
	resume map[string]*resumed // by file name, from Config.Resume

	mu          sync.Mutex // guards p, status, cur, closedStats, tee and dirty
	p           *pipeline.Pipeline
	status      status
	cur         source.Source                 // the source open now (nil between a close and the next open)
	closedStats source.Stats                  // what the sources closed so far counted
	open        func() (source.Opened, error) // opens the source; a test replaces it

	tee     *bufio.Writer
	teeFile *os.File

	dirty bool               // something to write since the last good flush
	last  []profilegen.Built // what the last good flush wrote, for Config.Done

	labels map[string]bool // groups with a label of their own in the metrics (metrics.go)
}

// status is what the daemon itself did, besides the pipeline's counts.
type status struct {
	source   string // the name of the source read
	flushOK  uint64
	flushErr uint64
	reopens  uint64
}

// Run watches until ctx ends: it opens the source, takes its lines down the
// pipeline, and writes the profiles every FlushInterval, on SIGHUP and
// before it returns. It returns an error when it cannot start, and when
// the last write failed (Config.Done has then been called): the profiles
// went to a fallback directory (the error wraps output.ErrKept) or were
// lost, or the explanation could not be written.
func Run(ctx context.Context, cfg Config) error {
	d, err := newDaemon(cfg)
	if err != nil {
		return err
	}
	o, err := d.open()
	if err != nil {
		d.closeFiles()
		return fmt.Errorf("watch: %w", err)
	}
	d.opened(o, false)
	if cfg.MetricsAddr != "" {
		stop, err := d.serveMetrics(cfg.MetricsAddr)
		if err != nil {
			o.Close()
			d.closeFiles()
			return err
		}
		defer stop()
	}
	d.run(ctx, o)
	return d.endErr
}

func newDaemon(cfg Config) (*daemon, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &daemon{cfg: cfg, log: cfg.Logger, p: pipeline.New(cfg.Pipeline)}
	d.open = d.openSource
	if err := d.prepareDir(); err != nil {
		return nil, err
	}
	if cfg.Resume && d.cfg.Output.OpenedDir() != nil {
		d.resume = loadResume(d.cfg.Output.OpenedDir(), cfg.Output.Format.Ext(), d.log)
	}
	if err := cfg.Output.OpenReports(); err != nil {
		d.cfg.Output.Output.Close()
		return nil, err
	}
	if cfg.Tee != "" {
		err := checkTee(cfg.Tee, cfg.Source)
		var f *os.File
		if err == nil {
			f, err = openTee(cfg.Tee)
		}
		if err != nil {
			d.closeFiles()
			return nil, &OptionError{"Tee", err}
		}
		d.teeFile, d.tee = f, bufio.NewWriterSize(f, 64<<10)
	}
	return d, nil
}

// closeFiles closes what the daemon keeps open for its life: the --tee
// file and the output dir.
func (d *daemon) closeFiles() {
	d.closeTee()
	d.cfg.Output.Output.Close()
}

// openSource opens the source the configuration names.
func (d *daemon) openSource() (source.Opened, error) {
	return source.Open(d.cfg.Source, source.Options{FromStart: d.cfg.FromStart, BacklogLimit: d.cfg.BacklogLimit,
		StateFile: d.cfg.StateFile, Logger: d.log})
}

// run reads until ctx ends and flushes on the interval and on SIGHUP; the
// last flush comes after the source is closed. A panic here stops the
// reader, which closes the source, before it goes on.
func (d *daemon) run(ctx context.Context, o source.Opened) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	defer func() {
		cancel()
		<-done
	}()
	go func() {
		d.read(ctx, o)
		close(done)
	}()
	tick := time.NewTicker(d.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			d.flush("interval", false)
		case <-hup:
			d.flush("SIGHUP", true)
		case <-done:
			if s, ok := d.cfg.Pipeline.Finish.(interface{ Settle() }); ok {
				s.Settle() // the names still being looked up, off the record path now
			}
			if built, explain, err := d.flush("exit", true); err != nil {
				d.endErr = d.fallback(built, explain, err)
			}
			d.closeFiles()
			d.summary()
			return
		}
	}
}

// read takes lines from the source until ctx ends, reopening it when it
// fails: the lines of a batch (source.Batch) under one lock. The netlink
// source's reader takes them itself while d.mu is free (push): then read
// waits in Next for what the reader queued while d.mu was held. It returns
// once ctx is done and the source is closed. A panic closes the source
// before it goes on, so that the audit state the netlink source changed is
// restored even then.
func (d *daemon) read(ctx context.Context, o source.Opened) {
	defer func() {
		if r := recover(); r != nil {
			if o.Source != nil {
				o.Close()
			}
			panic(r)
		}
	}()
	d.push(o)
	for {
		line, err := o.Next(ctx)
		if err != nil {
			if o = d.failed(ctx, o, err); o.Source == nil {
				return
			}
			d.push(o)
			continue
		}
		d.mu.Lock() // once a batch: the lines read already go in with line
		source.Batch(o.Source, line, func(l []byte) { d.line(l, o) })
		d.mu.Unlock()
	}
}

// push makes o's reader, when it can (source.Pusher), take its lines down
// the pipeline itself under d.mu, as read does with Next's. Not with
// --tee: a write to a slow disk would then hold up the socket's reader,
// where Next's queue takes up to 64 MiB of records meanwhile.
func (d *daemon) push(o source.Opened) {
	if d.tee != nil {
		return
	}
	source.PushUnder(o.Source, &d.mu, func(l []byte) { d.line(l, o) }, nil)
}

// line takes one line down the pipeline, copies it to --tee when it is an
// audit line, and logs what needs attention; d.mu is held.
func (d *daemon) line(line []byte, o source.Opened) {
	kind, err := d.p.Line(line, pipeline.Pos{Name: o.Name})
	if kind != audit.KindNone || err != nil { // a record, or what claims to be one
		d.teeLine(line)
	}
	c := &d.p.Counts
	switch {
	case err != nil:
		if n := c.Malformed.N + c.TooLong.N; n <= 10 || n%1000 == 0 {
			d.log.Warn("malformed seccomp record", "err", err, "malformed_total", n)
		}
	case kind == audit.KindSeccomp:
		d.dirty = true
	case kind == audit.KindForged:
		if c.Forged <= 10 || c.Forged%1000 == 0 {
			d.log.Warn("ignored a record-shaped line that userspace wrote to the kernel log", "forged_total", c.Forged)
		}
	case kind == audit.KindSuppressed:
		d.log.Warn("the kernel's printk rate limit dropped records before any log saw them; --source netlink does not lose them",
			"dropped", d.p.Record().Suppressed, "dropped_total", c.Suppressed)
	}
}

// failed handles a source error: it closes the source and, unless ctx is
// done, opens it again with a growing pause, saying so. The closed source's
// counts stay in the totals.
func (d *daemon) failed(ctx context.Context, o source.Opened, err error) source.Opened {
	d.close(o)
	if ctx.Err() != nil {
		return source.Opened{}
	}
	d.log.Error("source failed; opening it again", "source", o.Name, "err", err)
	for pause := time.Second; ; pause = min(2*pause, 30*time.Second) {
		select {
		case <-ctx.Done():
			return source.Opened{}
		case <-time.After(pause):
		}
		n, err := d.open()
		if err == nil {
			d.opened(n, true)
			d.log.Info("source open again", "source", n.Name)
			return n
		}
		d.log.Error("open source again", "err", err, "next_try", min(2*pause, 30*time.Second))
	}
}

// opened makes o the source open now, whose counts the totals take (see
// counts); again counts a reopen.
func (d *daemon) opened(o source.Opened, again bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cur, d.status.source = o.Source, o.Name
	if again {
		d.status.reopens++
	}
}

// close closes the source and adds its final counts to the totals.
func (d *daemon) close(o source.Opened) {
	if err := o.Close(); err != nil {
		d.log.Error("close source", "source", o.Name, "err", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closedStats = d.closedStats.Add(source.StatsOf(o.Source))
	d.cur = nil
	d.p.Counts.Source = d.closedStats
}

// counts returns the pipeline's counts with the sources' counts as they
// are now: those of the sources closed and of the one open. They are read
// here, when shown, not at every line; d.mu is held.
func (d *daemon) counts() *pipeline.Counts {
	d.p.Counts.Source = d.closedStats.Add(source.StatsOf(d.cur))
	return &d.p.Counts
}

// flush builds the profiles under the lock and writes them outside it. On
// failure everything stays in memory and the next flush tries again; it
// returns the profiles it failed to write to the output dir, and why.
func (d *daemon) flush(why string, force bool) (lost []profilegen.Built, lostExplain []byte, err error) {
	built, keys, ok, err := d.build(force)
	if !ok {
		return nil, nil, nil
	}
	var explain []byte
	if err == nil {
		d.mu.Lock() // the reader adds to the Explain under it
		explain = output.ExplainText(d.cfg.Pipeline.Explain, built, d.cfg.Build)
		d.mu.Unlock()
	}
	if err == nil && len(built) > 0 {
		if err = d.openDir(); err == nil {
			err = d.cfg.Output.Write(built, d.cfg.Build, explain)
		}
		if err != nil {
			lost = built
		}
	} else if err == nil && explain != nil {
		err = d.cfg.Output.WriteExplain(explain)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.flushTee()
	if err != nil {
		d.status.flushErr++
		d.dirty = true
		d.log.Error("write profiles; keeping everything in memory, trying again at the next flush",
			"why", why, "dir", d.cfg.Output.Dir, "err", err)
		return lost, explain, err
	}
	d.status.flushOK++
	if len(built) > 0 {
		d.last = built
		if d.cfg.Flushed != nil {
			d.cfg.Flushed(built)
		}
	}
	d.log.Info("profiles written", "why", why, "dir", d.cfg.Output.Dir, "groups", len(built),
		"distinct_calls", keys, "records_kept", d.p.Counts.Kept)
	return nil, nil, nil
}

// fallback writes the profiles and the explanation (--explain) the last
// flush could not write (why: err) into a new directory of the user's
// (output.Writer.Keep), mode 0600, and says where: a recording is never
// thrown away at exit. It returns err,
// wrapping output.ErrKept and naming the directory when the profiles went
// there: the watch then ends with it (exit status 1), as replay and record
// do.
func (d *daemon) fallback(built []profilegen.Built, explain []byte, err error) error {
	if len(built) == 0 && explain == nil {
		return err
	}
	if len(built) == 0 {
		built = nil // Keep writes no profile then
	}
	dir, kerr := d.cfg.Output.Keep(built, d.cfg.Build, explain)
	if kerr != nil {
		d.log.Error("the profiles could not be written to a fallback directory either; they are lost", "err", kerr)
		return fmt.Errorf("%w; and %w", err, kerr)
	}
	d.log.Error("the profiles could not be written where asked; written to a fallback directory instead",
		"dir", d.cfg.Output.Dir, "fallback", dir, "groups", len(built), "explanation", explain != nil)
	return fmt.Errorf("%w; %w: written to %s instead", err, output.ErrKept, dir)
}

// build makes the profiles to write and counts the calls they hold; it
// reports false when nothing changed since the last flush and !force.
func (d *daemon) build(force bool) (built []profilegen.Built, keys int, ok bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !force && !d.dirty {
		return nil, 0, false, nil
	}
	d.applyResume()
	built, left, err := d.p.Build(d.cfg.Build)
	if err == nil {
		built, err = d.resumeNamed(built)
	}
	if left.Groups > 0 && force {
		d.log.Info("profiles left out", "groups", left.Groups, "records", left.Records, "why", left.Why)
	}
	// Groups withheld until their names come are written at the next
	// interval, though no record may come by then.
	d.dirty = left.Pending > 0
	return built, d.p.Set.Len(), true, err
}

// summary logs the counters at exit.
func (d *daemon) summary() {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.counts()
	s := c.Source
	d.log.Info("watch ended", "source", d.status.source, "lines", c.Lines, "records_kept", c.Kept,
		"filtered", c.Filtered, "unattributed", c.Unattributed, "malformed", c.Malformed.N, "forged", c.Forged,
		"printk_suppressed", c.Suppressed, "kernel_lost", s.KernelLost, "enobufs", s.NoBufs,
		"kmsg_overwritten", s.Overwritten, "rotations", s.Reopened, "groups", len(d.p.Set.Groups()))
	d.warnOverflow()
	for _, b := range d.last {
		if u := d.p.Users.Of(b.SourceGroups()...); u.Mixed() {
			d.log.Warn("a group mixes users: a process of any of them widens its profile (--uid, --auid choose)",
				"group", b.Group, "users", u.String())
		}
	}
	if d.cfg.Done != nil {
		counts, users := *c, d.p.Users
		d.cfg.Done(pipeline.Summary{Unit: "line", Counts: &counts, Built: d.last, Overflow: d.p.Set.Overflow(), Users: &users})
	}
	if c.Lost() {
		d.log.Warn("the kernel dropped records this run: the profiles may miss calls; run the workload again",
			"kernel_lost", s.KernelLost, "enobufs", s.NoBufs, "printk_suppressed", c.Suppressed,
			"kmsg_overwritten", s.Overwritten)
	}
}
