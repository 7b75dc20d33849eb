//go:build linux

package watch

import (
	"errors"

	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/attacker"
	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
	"github.com/recorder-dev/recorder/source"
)

// TestMetricsGroupCap is reproducer 3's "watch --metrics-addr keeps a series
// per group forever (--group-by pid: one per pid ever seen)": past
// MetricsMaxGroups the records are under the label "other"; the groups that
// had a label keep it when new groups come.
func TestMetricsGroupCap(t *testing.T) {
	d := &daemon{log: slog.New(slog.DiscardHandler), cfg: Config{MetricsMaxGroups: 50},
		p: pipeline.New(pipeline.Config{GroupBy: pipeline.GroupPID})}
	d.status = status{source: "netlink"}
	addPIDs := func(from, to int) {
		for pid := from; pid < to; pid++ {
			d.p.Add(&audit.Record{PID: int32(pid), Arch: 0xc000003e, Syscall: 39, Action: audit.ActionLog}, 2)
		}
	}
	addPIDs(1000, 1300)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metricsCollector{d})
	series := func() (int, bool) {
		body, err := testutil.CollectAndFormat(metricsCollector{d}, textPlain, "recorder_records_total")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(body), "recorder_records_total{"), strings.Contains(string(body), `group="other"`)
	}
	if n, other := series(); n != 51 || !other {
		t.Errorf("%d series (other: %v), want 50 groups and other", n, other)
	}
	want := `recorder_records_total{action="LOG",group="other",source="netlink"} 500`
	if body, _ := testutil.CollectAndFormat(metricsCollector{d}, textPlain, "recorder_records_total"); !strings.Contains(string(body), want) {
		t.Errorf("metrics lack %s:\n%.400s", want, body)
	}
	labelled := len(d.labels)
	addPIDs(1, 500) // pids that sort before the labelled ones
	if n, _ := series(); n != 51 || len(d.labels) != labelled {
		t.Errorf("after more groups: %d series, %d labels; want 51 and %d", n, len(d.labels), labelled)
	}
	if _, err := reg.Gather(); err != nil {
		t.Error(err)
	}
}

// TestWatchRefusesUnsafeDir: an output dir any user can write is refused
// at the start, saying why (a user could plant links there between two
// flushes).
func TestWatchRefusesUnsafeDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profiles")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	_, err := newDaemon(Config{Output: profilegen.Output{Dir: dir}, FlushInterval: time.Second})
	if !errors.Is(err, safefile.ErrUnsafeDir) || !strings.Contains(err.Error(), "any user can write") {
		t.Errorf("err = %v, want ErrUnsafeDir", err)
	}
}

// TestWatchTeePlanted is reproducer 1 for --tee: a link, a FIFO or a device
// at the tee's path is refused at the start, at once; a regular file is
// appended to.
func TestWatchTeePlanted(t *testing.T) {
	dir := attacker.RefusePlanted(t, func(path string) error {
		_, err := newDaemon(Config{Output: profilegen.Output{Dir: t.TempDir()}, Tee: path, FlushInterval: time.Second})
		return err
	}, func(err error) bool {
		var oe *OptionError
		return errors.As(err, &oe) && oe.Option == "Tee"
	})
	var log audittest.Buffer
	tee := filepath.Join(dir, "tee.log")
	os.WriteFile(tee, []byte("before\n"), 0o644)
	d := testDaemon(t, &log, func(c *Config) { c.Tee = tee })
	d.mu.Lock()
	d.teeLine([]byte("after"))
	d.mu.Unlock()
	d.closeTee()
	if got, _ := os.ReadFile(tee); string(got) != "before\nafter\n" {
		t.Errorf("tee holds %q", got)
	}
}

// TestWatchTeeIsSource: a --tee that is the file the source follows
// (by its name, through a link to it or to its directory, or a hard link;
// existing or not yet) is refused at the start: each flush would append the
// lines read to the file they are read from, which then grows forever.
// Another file in the same directory is taken.
func TestWatchTeeIsSource(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "syslog")
	if err := os.WriteFile(log, []byte("line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink(log, filepath.Join(dir, "syslog-link"))
	os.Link(log, filepath.Join(dir, "syslog-hard"))
	os.Symlink("later", filepath.Join(dir, "later-link"))
	dirlink := filepath.Join(t.TempDir(), "dirlink")
	os.Symlink(dir, dirlink)
	for _, c := range []struct{ name, follow, tee string }{
		{"same path", log, log},
		{"source is a link to the tee", filepath.Join(dir, "syslog-link"), log},
		{"hard link", log, filepath.Join(dir, "syslog-hard")},
		{"another spelling", log, filepath.Join(dirlink, "syslog")},
		{"not there yet", filepath.Join(dir, "later"), filepath.Join(dir, "later")},
		{"not there yet, another spelling", filepath.Join(dir, "later"), filepath.Join(dirlink, "later")},
		{"not there yet, through a link", filepath.Join(dir, "later-link"), filepath.Join(dir, "later")},
	} {
		_, err := newDaemon(Config{Output: profilegen.Output{Dir: t.TempDir()}, FlushInterval: time.Second,
			Source: source.Spec{Mode: "syslog", Path: c.follow}, Tee: c.tee})
		var oe *OptionError
		if !errors.Is(err, pipeline.ErrOutputIsInput) || !errors.As(err, &oe) || oe.Option != "Tee" {
			t.Errorf("%s: err = %v, want ErrOutputIsInput", c.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "later")); !os.IsNotExist(err) {
		t.Errorf("a refused --tee made the file the source will follow: %v", err)
	}
	for _, spec := range []source.Spec{{Mode: "syslog", Path: log}, {Mode: "auditlog", Path: log}, {Mode: "kmsg"}} {
		d, err := newDaemon(Config{Output: profilegen.Output{Dir: t.TempDir()}, FlushInterval: time.Second,
			Source: spec, Tee: filepath.Join(dir, "tee.log")})
		if err != nil {
			t.Errorf("%s: %v", spec.Mode, err)
			continue
		}
		d.closeTee()
	}
}

// TestWatchRemovesTemps: the temporary files a killed watch left in the
// output dir are removed at the next start.
func TestWatchRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, ".ls.json.recorder-tmp-12345")
	os.WriteFile(left, []byte(`{"defaultAc`), 0o600)
	var log audittest.Buffer
	testDaemon(t, &log, func(c *Config) { c.Output.Dir = dir })
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v\n%s", err, log.String())
	}

}

// textPlain is expfmt.TypeTextPlain, without making prometheus/common a
// direct dependency.
const textPlain = 4
