package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The metrics endpoint speaks the Prometheus text exposition format (0.0.4).
// It is written here rather than with prometheus/client_golang, whose
// dependencies (client_model, common, procfs, protobuf, ...) go.sum lacks.

// serveMetrics serves /metrics on addr until ctx ends.
func (d *daemon) serveMetrics(ctx context.Context, addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		d.writeMetrics(w)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
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

// writeMetrics writes the counters; it holds d.mu while it does.
func (d *daemon) writeMetrics(w io.Writer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &d.counts
	src := `source="` + escapeLabel(c.source) + `"`
	metric(w, "recorder_lines_total", "counter", "Lines read from the source.", src, c.lines)
	fmt.Fprintf(w, "# HELP recorder_records_total Seccomp records kept, by source, action and profile group.\n# TYPE recorder_records_total counter\n")
	keys := make([]groupAction, 0, len(c.byGroup))
	for k := range c.byGroup {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupAction) int {
		return strings.Compare(a.group+"\x00"+a.action.String(), b.group+"\x00"+b.action.String())
	})
	for _, k := range keys {
		fmt.Fprintf(w, "recorder_records_total{%s,action=\"%s\",group=\"%s\"} %d\n", src, k.action, escapeLabel(k.group), c.byGroup[k])
	}
	metric(w, "recorder_records_filtered_total", "counter", "Seccomp records dropped by --exe, --comm or --pid.", src, c.filtered)
	metric(w, "recorder_parse_errors_total", "counter", "Malformed seccomp records.", src, c.malformed)
	metric(w, "recorder_forged_lines_total", "counter", "Record-shaped lines userspace wrote to /dev/kmsg, ignored.", src, c.forged)
	metric(w, "recorder_printk_suppressed_total", "counter", "Records the kernel's printk rate limit dropped (kauditd_printk_skb).", src, c.suppressed)
	metric(w, "recorder_kernel_lost_total", "counter", "Growth of the kernel audit lost counter since start.", src, c.src.KernelLost)
	metric(w, "recorder_enobufs_total", "counter", "ENOBUFS on the netlink socket: records dropped by the socket buffer.", src, c.src.NoBufs)
	metric(w, "recorder_kmsg_overwritten_total", "counter", "Times /dev/kmsg lines were overwritten before they were read.", src, c.src.Overwritten)
	metric(w, "recorder_source_reopens_total", "counter", "Times the source was opened again after a failure or rotation.", src, c.reopens+c.src.Reopened)
	fmt.Fprintf(w, "# HELP recorder_flushes_total Profile writes to the output dir, by result.\n# TYPE recorder_flushes_total counter\n")
	fmt.Fprintf(w, "recorder_flushes_total{result=\"ok\"} %d\nrecorder_flushes_total{result=\"error\"} %d\n", c.flushOK, c.flushErr)
	metric(w, "recorder_distinct_calls", "gauge", "Distinct (group, arch, syscall, action) kept in memory.", "", uint64(d.set.Len()))
}

func metric(w io.Writer, name, typ, help, labels string, v uint64) {
	if labels != "" {
		labels = "{" + labels + "}"
	}
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s%s %d\n", name, help, name, typ, name, labels, v)
}

// escapeLabel escapes a label value: a group name comes from a process's own
// comm or exe and is hostile.
func escapeLabel(s string) string {
	return labelEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
