package main

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// daemon holds what watch keeps: the Set of (group, arch, syscall, action)
// seen and counters, never the records.
type daemon struct {
	cfg    *watchConfig
	log    *slog.Logger
	filter *profilegen.Filter
	opt    profilegen.Options
	out    outputs
	merge  map[string]*mergeProfile // by file name, from --merge

	mu          sync.Mutex // guards set, counts and closedStats
	set         *profilegen.Set
	counts      watchCounts
	closedStats audit.Stats            // what the sources closed so far counted
	open        func() (opened, error) // opens the source; a test replaces it

	tee     *bufio.Writer // guarded by mu
	teeFile *os.File

	dirty bool // something to write since the last good flush
}

// watchCounts are the daemon's counters, read by the metrics endpoint.
type watchCounts struct {
	source     string
	lines      uint64
	kept       uint64
	filtered   uint64
	forged     uint64
	malformed  uint64
	suppressed uint64 // records the printk rate limit dropped
	otherAudit uint64
	flushOK    uint64
	flushErr   uint64
	reopens    uint64
	src        audit.Stats // all sources' counts, the closed ones' included
}

// read takes lines from the source until ctx ends, reopening it when it
// fails. It returns once ctx is done and the source is closed. A panic
// closes the source before it goes on, so that the audit state the netlink
// source changed is restored even then.
func (d *daemon) read(ctx context.Context, o opened) {
	defer func() {
		if r := recover(); r != nil {
			if o.src != nil {
				o.src.Close()
			}
			panic(r)
		}
	}()
	var rec audit.Record
	for {
		line, err := o.src.Next(ctx)
		if err != nil {
			if o = d.failed(ctx, o, err); o.src == nil {
				return
			}
			continue
		}
		kind, perr := audit.Parse(line, &rec)
		d.mu.Lock()
		if kind != audit.KindNone || perr != nil { // a record, or what claims to be one
			d.teeLine(line)
		}
		d.count(kind, perr, &rec)
		d.counts.src = addStats(d.closedStats, statsOf(o.src))
		d.mu.Unlock()
	}
}

// statsOf returns what src counted, if it counts.
func statsOf(src audit.Source) audit.Stats {
	if st, ok := src.(audit.StatsSource); ok {
		return st.Stats()
	}
	return audit.Stats{}
}

func addStats(a, b audit.Stats) audit.Stats {
	return audit.Stats{KernelLost: a.KernelLost + b.KernelLost, NoBufs: a.NoBufs + b.NoBufs,
		Overwritten: a.Overwritten + b.Overwritten, Reopened: a.Reopened + b.Reopened, Drained: a.Drained + b.Drained,
		Rejoined: a.Rejoined + b.Rejoined}
}

// count adds one parsed line to the set and the counters; d.mu is held.
func (d *daemon) count(kind audit.Kind, perr error, rec *audit.Record) {
	c := &d.counts
	c.lines++
	switch {
	case perr != nil:
		c.malformed++
		if c.malformed <= 10 || c.malformed%1000 == 0 {
			d.log.Warn("malformed seccomp record", "err", perr, "malformed_total", c.malformed)
		}
	case kind == audit.KindSeccomp:
		if !d.filter.Match(rec) {
			c.filtered++
			return
		}
		c.kept++
		d.set.Add(rec)
		d.dirty = true
	case kind == audit.KindForged:
		c.forged++
		if c.forged <= 10 || c.forged%1000 == 0 {
			d.log.Warn("ignored a record-shaped line that userspace wrote to the kernel log", "forged_total", c.forged)
		}
	case kind == audit.KindSuppressed:
		c.suppressed += rec.Suppressed
		d.log.Warn("the kernel's printk rate limit dropped records before any log saw them; --source netlink does not lose them",
			"dropped", rec.Suppressed, "dropped_total", c.suppressed)
	case kind == audit.KindOther:
		c.otherAudit++
	}
}

// failed handles a source error: it closes the source and, unless ctx is
// done, opens it again with a growing pause, saying so. The closed source's
// counts stay in the totals.
func (d *daemon) failed(ctx context.Context, o opened, err error) opened {
	d.close(o)
	if ctx.Err() != nil {
		return opened{}
	}
	d.log.Error("source failed; opening it again", "source", o.name, "err", err)
	for pause := time.Second; ; pause = min(2*pause, 30*time.Second) {
		select {
		case <-ctx.Done():
			return opened{}
		case <-time.After(pause):
		}
		n, err := d.open()
		if err == nil {
			d.mu.Lock()
			d.counts.reopens++
			d.counts.source = n.name
			d.mu.Unlock()
			d.log.Info("source open again", "source", n.name)
			return n
		}
		d.log.Error("open source again", "err", err, "next_try", min(2*pause, 30*time.Second))
	}
}

// close closes the source and adds its final counts to the totals.
func (d *daemon) close(o opened) {
	if err := o.src.Close(); err != nil {
		d.log.Error("close source", "source", o.name, "err", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closedStats = addStats(d.closedStats, statsOf(o.src))
	d.counts.src = d.closedStats
}

func (d *daemon) sourceOptions() sourceOptions {
	return sourceOptions{fromStart: d.cfg.fromStart, backlogLimit: d.cfg.backlogLimit, log: d.log}
}

// openSource opens the source the command line names.
func (d *daemon) openSource() (opened, error) { return openSource(d.cfg.source, d.sourceOptions()) }

// flush builds the profiles under the lock and writes them outside it. On
// failure everything stays in memory and the next flush tries again.
func (d *daemon) flush(why string, force bool) {
	reports, keys, ok, err := d.build(force)
	if !ok {
		return
	}
	if err == nil && len(reports) > 0 {
		err = d.out.writeDir(reports)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.flushTee()
	if err != nil {
		d.counts.flushErr++
		d.dirty = true
		d.log.Error("write profiles; keeping everything in memory, trying again at the next flush",
			"why", why, "dir", d.cfg.outputDir, "err", err)
		return
	}
	d.counts.flushOK++
	d.log.Info("profiles written", "why", why, "dir", d.cfg.outputDir, "groups", len(reports),
		"distinct_calls", keys, "records_kept", d.counts.kept)
}

// build makes the profiles to write and counts the calls they hold; it
// reports false when nothing changed since the last flush and !force.
func (d *daemon) build(force bool) (reports []groupReport, keys int, ok bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !force && !d.dirty {
		return nil, 0, false, nil
	}
	d.applyMerge()
	reports, err = buildAll(d.set, d.opt)
	d.dirty = false
	return reports, d.set.Len(), true, err
}

// summary logs the counters at exit.
func (d *daemon) summary() {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.counts
	d.log.Info("watch ended", "source", c.source, "lines", c.lines, "records_kept", c.kept,
		"filtered", c.filtered, "malformed", c.malformed, "forged", c.forged,
		"printk_suppressed", c.suppressed, "kernel_lost", c.src.KernelLost, "enobufs", c.src.NoBufs,
		"kmsg_overwritten", c.src.Overwritten, "rotations", c.src.Reopened, "groups", len(d.set.Groups()))
	if c.src.KernelLost > 0 || c.src.NoBufs > 0 || c.suppressed > 0 || c.src.Overwritten > 0 {
		d.log.Warn("the kernel dropped records this run: the profiles may miss calls; run the workload again",
			"kernel_lost", c.src.KernelLost, "enobufs", c.src.NoBufs, "printk_suppressed", c.suppressed,
			"kmsg_overwritten", c.src.Overwritten)
	}
}
