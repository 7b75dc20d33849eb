package watch

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
)

// TestMetricsHostileGroup: a group named by a comm that is not UTF-8 and
// holds quotes and newlines still makes a valid exposition.
func TestMetricsHostileGroup(t *testing.T) {
	d := &daemon{log: slog.New(slog.DiscardHandler), p: pipeline.New(pipeline.Config{GroupBy: pipeline.GroupComm})}
	d.status = status{source: "kmsg", flushErr: 2}
	d.p.Counts.Lines = 7
	addRecords(d.p, "a\"b\n\xff", audit.ActionLog, 3)
	addRecords(d.p, "ok", audit.ActionErrno, 1)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metricsCollector{d})
	want := `
# HELP recorder_records_total Seccomp records kept, by source, action and profile group.
# TYPE recorder_records_total counter
recorder_records_total{action="ERRNO",group="ok",source="kmsg"} 1
recorder_records_total{action="LOG",group="a\"b\n\ufffd",source="kmsg"} 3
# HELP recorder_flushes_total Profile writes to the output dir, by result.
# TYPE recorder_flushes_total counter
recorder_flushes_total{result="error"} 2
recorder_flushes_total{result="ok"} 0
`
	want = strings.Replace(want, `\ufffd`, "\uFFFD", 1)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "recorder_records_total", "recorder_flushes_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 16 {
		t.Errorf("%d metrics (err %v), want 16 (with recorder_records_unattributed_total)", n, err)
	}
}

// TestMetricsGroupsCollide: two groups whose names differ only in bytes
// that are not UTF-8 get the same label; their counts are added up, and the
// scrape does not fail on a duplicate series.
func TestMetricsGroupsCollide(t *testing.T) {
	d := &daemon{log: slog.New(slog.DiscardHandler), p: pipeline.New(pipeline.Config{GroupBy: pipeline.GroupComm})}
	d.status = status{source: "kmsg"}
	addRecords(d.p, "x\xff", audit.ActionLog, 3)
	addRecords(d.p, "x\xfe", audit.ActionLog, 4)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metricsCollector{d})
	want := "# HELP recorder_records_total Seccomp records kept, by source, action and profile group.\n" +
		"# TYPE recorder_records_total counter\n" +
		"recorder_records_total{action=\"LOG\",group=\"x\uFFFD\",source=\"kmsg\"} 7\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "recorder_records_total"); err != nil {
		t.Error(err)
	}
}

// addRecords adds n records of comm with action, of two syscalls (the
// counts of a group and action add up across its calls).
func addRecords(p *pipeline.Pipeline, comm string, a audit.Action, n int) {
	for i := range n {
		p.Add(&audit.Record{Comm: []byte(comm), Arch: 0xc000003e, Syscall: int64(i % 2), Action: a}, 1)
	}
}

// TestMetricsCollectNoCopy: a scrape reads the set in place, under the
// daemon's lock, which the reader takes per line: what it allocates does
// not grow with the calls each group holds (it used to copy every group's
// map of calls).
func TestMetricsCollectNoCopy(t *testing.T) {
	scrape := func(keys int) uint64 {
		d := &daemon{log: slog.New(slog.DiscardHandler), p: pipeline.New(pipeline.Config{GroupBy: pipeline.GroupComm})}
		for g := range 50 {
			for nr := range keys {
				d.p.Add(&audit.Record{Comm: []byte(fmt.Sprintf("prog%d", g)), Arch: 0xc000003e, Syscall: int64(nr), Action: audit.ActionLog}, 1)
			}
		}
		return collectBytes(t, d)
	}
	few, many := scrape(1), scrape(300)
	if many > few+few/2 {
		t.Errorf("a scrape allocates %d bytes with 300 calls per group, %d with 1: it copies the calls", many, few)
	}
}

// collectBytes returns the bytes one Collect allocates, on average.
func collectBytes(t testing.TB, d *daemon) uint64 {
	ch := make(chan prometheus.Metric, 1024)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	c := metricsCollector{d}
	c.Collect(ch) // the labels are made once
	const runs = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		c.Collect(ch)
	}
	runtime.ReadMemStats(&after)
	close(ch)
	<-done
	return (after.TotalAlloc - before.TotalAlloc) / runs
}

// BenchmarkMetricsCollect scrapes a node's worth of groups (4096, the
// default --max-groups) of 40 calls each.
func BenchmarkMetricsCollect(b *testing.B) {
	d := &daemon{log: slog.New(slog.DiscardHandler), p: pipeline.New(pipeline.Config{GroupBy: pipeline.GroupComm})}
	for g := range 4096 {
		for nr := range 40 {
			d.p.Add(&audit.Record{Comm: []byte(fmt.Sprintf("prog%d", g)), Arch: 0xc000003e, Syscall: int64(nr), Action: audit.ActionLog}, 1)
		}
	}
	ch := make(chan prometheus.Metric, 1024)
	go func() {
		for range ch {
		}
	}()
	defer close(ch)
	c := metricsCollector{d}
	b.ReportAllocs()
	for b.Loop() {
		c.Collect(ch)
	}
}

// BenchmarkMetricsLocked is the part of a scrape that holds the daemon's
// lock, for the groups of BenchmarkMetricsCollect.
func BenchmarkMetricsLocked(b *testing.B) {
	d := &daemon{log: slog.New(slog.DiscardHandler), cfg: Config{MetricsMaxGroups: 100},
		p: pipeline.New(pipeline.Config{GroupBy: pipeline.GroupComm})}
	for g := range 4096 {
		for nr := range 40 {
			d.p.Add(&audit.Record{Comm: []byte(fmt.Sprintf("prog%d", g)), Arch: 0xc000003e, Syscall: int64(nr), Action: audit.ActionLog}, 1)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		d.mu.Lock()
		d.recordsByLabel()
		d.mu.Unlock()
	}
}

// TestMetricsCollectors: Config.Collectors (a publisher's metrics) are
// served with the daemon's; one that clashes with them fails the start.
func TestMetricsCollectors(t *testing.T) {
	extra := prometheus.NewCounter(prometheus.CounterOpts{Name: "recorder_publish_test_total", Help: "A collector of Config.Collectors."})
	extra.Add(3)
	var log strings.Builder
	d := &daemon{log: slog.New(slog.NewTextHandler(&log, nil)), p: pipeline.New(pipeline.Config{}), cfg: Config{Collectors: []prometheus.Collector{extra}}}
	stop, err := d.serveMetrics("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, addr, _ := strings.Cut(log.String(), "addr=")
	addr, _, _ = strings.Cut(addr, " ")
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "\nrecorder_publish_test_total 3\n") || !strings.Contains(string(body), "recorder_lines_total") {
		t.Errorf("/metrics lacks the extra collector's series or the daemon's:\n%s", body)
	}
	clash := prometheus.NewCounter(prometheus.CounterOpts{Name: "recorder_lines_total", Help: "clashes"})
	d.cfg.Collectors = []prometheus.Collector{clash}
	if stop, err := d.serveMetrics("127.0.0.1:0"); err == nil {
		stop()
		t.Error("a collector that clashes with the daemon's metrics was served")
	}
}
