//go:build linux

package watch

import (
	"path/filepath"
	"testing"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/source"
)

// stormLine is a record of make bench's storm as the netlink source
// returns it, read on the test machine (watch --tee during the storm).
const stormLine = `type=1326 audit(1796421580.947:72535375): auid=0 uid=0 gid=0 ses=412 pid=23684 comm="storm" exe="/work/wt/perf/bin/storm" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7ff01a497829 code=0x7ffc0000`

// BenchmarkDaemonLine is watch's work per record once the source handed
// it the line (the lock, taken once a batch of 256 lines as read takes it
// in a storm, and the pipeline of watch -g none), alone and with --tee (a
// copy of the line into the tee file's buffer) and --explain: what those
// cost per record in user space. Target: 0 allocations.
func BenchmarkDaemonLine(b *testing.B) {
	for _, bc := range []struct {
		name    string
		tee     bool
		explain bool
	}{{"plain", false, false}, {"tee", true, false}, {"explain", false, true}} {
		b.Run(bc.name, func(b *testing.B) {
			var log audittest.Buffer
			d := testDaemon(b, &log, func(c *Config) {
				c.Pipeline.GroupBy = pipeline.GroupNone
				if bc.tee {
					c.Tee = filepath.Join(b.TempDir(), "tee.log")
				}
				if bc.explain {
					c.Pipeline.Explain = pipeline.NewExplain()
				}
			})
			defer d.closeTee()
			o := source.Opened{Name: "netlink"}
			line := []byte(stormLine)
			b.ReportAllocs()
			n := 0
			d.mu.Lock()
			for b.Loop() {
				if n++; n%256 == 0 {
					d.mu.Unlock()
					d.mu.Lock()
				}
				d.line(line, o)
			}
			d.mu.Unlock()
			if d.p.Counts.Kept == 0 {
				b.Fatal("nothing kept")
			}
		})
	}
}
