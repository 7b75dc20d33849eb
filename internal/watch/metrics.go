package watch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/usage"
)

// serveMetrics serves Prometheus metrics at addr/metrics until stopped.
func (d *daemon) serveMetrics(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usage.Wrap(&MetricsAddrError{err})
	}
	ln = netutil.LimitListener(ln, metricsConns())
	reg := prometheus.NewRegistry()
	reg.MustRegister(metricsCollector{d}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range d.cfg.Collectors {
		if err := reg.Register(c); err != nil {
			ln.Close()
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{d}}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 30 * time.Second, MaxHeaderBytes: 8 << 10}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			d.log.Error("metrics server", "err", err)
		}
	}()
	d.log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}

// maxMetricsConns is how many connections the metrics server holds at once
// at most. A scraper needs one or two; the others wait in the kernel's
// accept queue, holding none of the daemon's descriptors, and whoever holds
// a connection idle loses it after IdleTimeout (ReadHeaderTimeout when it
// never sent a request). Many idle connections from another user once took
// the daemon to its file limit: every flush failed, and a live record went
// unattributed, as /proc could no longer be opened.
const maxMetricsConns = 64

// metricsConns is maxMetricsConns, or an eighth of the file limit when that
// is lower: most descriptors stay the daemon's (Go raises the soft limit
// to the hard one at start).
func metricsConns() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur/8 < maxMetricsConns {
		return max(1, int(lim.Cur/8))
	}
	return maxMetricsConns
}

// MetricsAddrError: Config.MetricsAddr cannot be listened on (in a
// usage.Error); the command words it with its flag.
type MetricsAddrError struct{ Err error }

func (e *MetricsAddrError) Error() string { return "metrics address: " + e.Err.Error() }
func (e *MetricsAddrError) Unwrap() error { return e.Err }

// The daemon's metrics. Counters are read from the daemon's own counts at
// scrape time, so the hot path counts with plain integers under its lock.
var (
	mLines      = counterDesc("recorder_lines_total", "Lines read from the source.")
	mRecords    = counterDesc("recorder_records_total", "Seccomp records kept, by source, action and profile group.", "action", "group")
	mFiltered   = counterDesc("recorder_records_filtered_total", "Seccomp records dropped by --exe, --comm or --pid.")
	mMalformed  = counterDesc("recorder_parse_errors_total", "Malformed seccomp records.")
	mUnattrib   = counterDesc("recorder_records_unattributed_total", "Seccomp records whose process was gone before its container could be looked up.")
	mForged     = counterDesc("recorder_forged_lines_total", "Record-shaped lines userspace wrote to /dev/kmsg, ignored.")
	mSuppressed = counterDesc("recorder_printk_suppressed_total", "Records the kernel's printk rate limit dropped (kauditd_printk_skb).")
	mLost       = counterDesc("recorder_kernel_lost_total", "Growth of the kernel audit lost counter since start.")
	mNoBufs     = counterDesc("recorder_enobufs_total", "ENOBUFS on the netlink socket: records dropped by the socket buffer.")
	mOverwrite  = counterDesc("recorder_kmsg_overwritten_total", "Times /dev/kmsg lines were overwritten before they were read.")
	mReopens    = counterDesc("recorder_source_reopens_total", "Times the source was opened again after a failure or rotation.")
	mRejoins    = counterDesc("recorder_netlink_rejoins_total", "Times the kernel dropped the netlink source as its audit daemon and it registered again.")
	mFlushes    = prometheus.NewDesc("recorder_flushes_total", "Profile writes to the output dir, by result.", []string{"result"}, nil)
	mDistinct   = prometheus.NewDesc("recorder_distinct_calls", "Distinct (group, arch, syscall, action) kept in memory.", nil, nil)
)

func counterDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append([]string{"source"}, labels...), nil)
}

// metricsCollector reads the daemon's counters at each scrape.
type metricsCollector struct{ d *daemon }

func (c metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mLines, mRecords, mFiltered, mUnattrib, mMalformed, mForged, mSuppressed, mLost, mNoBufs, mOverwrite, mReopens, mRejoins, mFlushes, mDistinct} {
		ch <- d
	}
}

// Collect reads the counts under d.mu, which the reader takes per line,
// and makes the metrics after it lets go.
func (m metricsCollector) Collect(ch chan<- prometheus.Metric) {
	d := m.d
	d.mu.Lock()
	c, st := *d.counts(), d.status
	records := d.recordsByLabel()
	distinct := d.p.Set.Len()
	d.mu.Unlock()
	counter := func(desc *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	src := st.source
	counter(mLines, c.Lines, src)
	for k, v := range records {
		counter(mRecords, v, src, k.action.String(), k.group)
	}
	counter(mFiltered, c.Filtered, src)
	counter(mUnattrib, c.Unattributed, src)
	counter(mMalformed, c.Malformed.N+c.TooLong.N, src)
	counter(mForged, c.Forged, src)
	counter(mSuppressed, c.Suppressed, src)
	counter(mLost, c.Source.KernelLost, src)
	counter(mNoBufs, c.Source.NoBufs, src)
	counter(mOverwrite, c.Source.Overwritten, src)
	counter(mReopens, st.reopens+c.Source.Reopened, src)
	counter(mRejoins, c.Source.Rejoined, src)
	counter(mFlushes, st.flushOK, "ok")
	counter(mFlushes, st.flushErr, "error")
	ch <- prometheus.MustNewConstMetric(mDistinct, prometheus.GaugeValue, float64(distinct))
}

// groupAction is a series of recorder_records_total.
type groupAction struct {
	group  string
	action audit.Action
}

// OtherLabel is the group label of the records of the groups past
// Config.MetricsMaxGroups.
const OtherLabel = "other"

// recordsByLabel returns the records kept by group label and action, as the
// set counts them (the hot path counts nothing twice); d.mu is held. A
// group is named by a process's own comm or exe: hostile text, made valid
// UTF-8 as Prometheus requires. Groups that differ only in invalid bytes
// then share a label, and their counts are added up: two series with the
// same labels would fail the whole scrape. The first MetricsMaxGroups
// groups seen at a scrape keep a label of their own for good (a series
// must not move); the records of later ones are under OtherLabel, so that
// the series stay bounded (--group-by pid makes a group per process).
func (d *daemon) recordsByLabel() map[groupAction]uint64 {
	if d.labels == nil {
		d.labels = make(map[string]bool)
	}
	out := make(map[groupAction]uint64)
	for _, g := range d.p.Set.Groups() {
		if !d.labels[g] {
			if max := d.cfg.MetricsMaxGroups; max > 0 && len(d.labels) >= max {
				d.addLabel(out, OtherLabel, g)
				continue
			}
			d.labels[g] = true
		}
		d.addLabel(out, strings.ToValidUTF8(g, "\uFFFD"), g)
	}
	return out
}

// addLabel adds the records of group g, by action, under label, reading
// the set in place: this runs under d.mu.
func (d *daemon) addLabel(out map[groupAction]uint64, label, g string) {
	var byAction [16]uint64 // by audit.Action, all of which are below 16
	for k, seen := range d.p.Set.Range(g) {
		if int(k.Action) < len(byAction) {
			byAction[k.Action] += seen.Count
		} else {
			out[groupAction{label, k.Action}] += seen.Count
		}
	}
	for a, n := range byAction {
		if n > 0 {
			out[groupAction{label, audit.Action(a)}] += n
		}
	}
}

// slogPrinter passes promhttp's errors to the daemon's log.
type slogPrinter struct{ d *daemon }

func (p slogPrinter) Println(v ...any) { p.d.log.Error("metrics", "err", fmt.Sprint(v...)) }
