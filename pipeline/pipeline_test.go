package pipeline

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

// Lines of the captures in ../testdata/logs: a record of ls
// (syslog-rfc3339.log), a record-shaped line userspace wrote to /dev/kmsg
// (kmsg.log), a rate-limit notice (suppressed.log), a SYSCALL record
// (audit-node.log), a plain log line, and a record damaged by hand
// (mixed-garbage.log).
const (
	lsLine     = `2026-11-29T06:32:50.080953+00:00 vm kernel: [  402.039562] audit: type=1326 audit(1795933970.075:402199): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=14257 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=12 compat=0 ip=0x7f1460e19c47 code=0x7ffc0000`
	forgedLine = `13,2840,408745708,-;audit: type=1326 audit(1795933976.123:999999): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1 comm="forged" exe="/forged" sig=0 arch=c000003e syscall=999 compat=0 ip=0x0 code=0x7ffc0000`
	suppressed = `2026-11-29T06:33:10.024489+00:00 vm kernel: [  421.982058] kauditd_printk_skb: 200026 callbacks suppressed`
	otherLine  = `node=vm type=SYSCALL msg=audit(1795933981.007:403487): arch=c000003e syscall=44 success=yes exit=60 a0=3 a1=7ffd060b20d0 a2=3c a3=0 items=0 ppid=14104 pid=15190 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="auditd" exe="/usr/sbin/auditd" key=(null)`
	plainLine  = `2026-11-29T06:32:50.075516+00:00 vm capture: begin workload: /bin/ls /`
	badLine    = `2026-11-29T06:32:50.080961+00:00 vm kernel: [  402.039581] audit: type=1326 audit(1795933970.075:402216): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=14257 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=abc compat=0 ip=0x7f1460e1ab74 code=0x7ffc0000`
)

// TestLine counts each kind of line once and keeps the record.
func TestLine(t *testing.T) {
	p := New(Config{})
	for i, l := range []string{lsLine, forgedLine, suppressed, otherLine, plainLine, badLine, lsLine} {
		p.Line([]byte(l), Pos{"log", i + 1})
	}
	c := p.Counts
	if c.Lines != 7 || c.Kept != 2 || c.Forged != 1 || c.Suppressed != 200026 || c.SuppressedLines != 1 ||
		c.OtherAudit != 1 || c.NotAudit != 1 || c.Malformed.N != 1 || !slices.Equal(c.Malformed.Where, []string{"log:6"}) {
		t.Errorf("counts %+v", c)
	}
	if got := p.Set.Groups(); !slices.Equal(got, []string{"/usr/bin/ls"}) {
		t.Errorf("groups %q, want /usr/bin/ls", got)
	}
	if k := p.Set.Keys("/usr/bin/ls"); len(k) != 1 {
		t.Errorf("ls holds %v, want one call", k)
	}
}

// TestLineTooLong: a line past the audit limit is counted, not parsed.
func TestLineTooLong(t *testing.T) {
	p := New(Config{})
	long := lsLine + strings.Repeat(" x=y", audit.DefaultMaxLineLength/4)
	if _, err := p.Line([]byte(long), Pos{"log", 9}); !errors.Is(err, audit.ErrLineTooLong) {
		t.Errorf("err %v, want ErrLineTooLong", err)
	}
	if p.Counts.TooLong.N != 1 || p.Counts.Kept != 0 || p.Counts.TooLong.String() != "log:9" {
		t.Errorf("counts %+v", p.Counts)
	}
}

// TestEnrichFilterGroup: attributes are set before the filter and the
// grouping see the record, and do not leak into the next record.
func TestEnrichFilterGroup(t *testing.T) {
	var seen []bool
	first := true
	e := EnrichFunc(func(r *Record) {
		_, had := r.Attr("tag")
		seen = append(seen, had)
		if first {
			r.SetAttr("tag", "one")
			r.SetAttr("tag", "first") // replaces
			first = false
		}
	})
	p := New(Config{Enrichers: []Enricher{e}, GroupBy: GroupByAttr("tag", "tag", "untagged"),
		Filter: &Filter{Comm: regexp.MustCompile(`^ls$`)}})
	p.Line([]byte(lsLine), Pos{})
	p.Line([]byte(lsLine), Pos{})
	p.Add(&audit.Record{Comm: []byte("cat"), Arch: 0xc000003e, Syscall: 0, Action: audit.ActionLog}, 5)
	if !slices.Equal(seen, []bool{false, false, false}) {
		t.Errorf("an attribute leaked into the next record: %v", seen)
	}
	if got := p.Set.Groups(); !slices.Equal(got, []string{"first", "untagged"}) {
		t.Errorf("groups %q", got)
	}
	if p.Counts.Kept != 2 || p.Counts.Filtered != 5 || p.Counts.Lines != 7 {
		t.Errorf("counts %+v", p.Counts)
	}
}

// TestLineAllocs: a record whose group and call are known costs nothing.
func TestLineAllocs(t *testing.T) {
	p := New(Config{Enrichers: []Enricher{EnrichFunc(func(r *Record) { r.SetAttr("k", "v") })}})
	line := []byte(lsLine)
	p.Line(line, Pos{})
	if n := testing.AllocsPerRun(1000, func() { p.Line(line, Pos{}) }); n != 0 {
		t.Errorf("%v allocations per known record, want 0", n)
	}
}

// TestMergeKeepsOrder: the bad lines named are the first ones, whichever
// pipeline saw them.
func TestMergeKeepsOrder(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	for i := range 3 {
		a.Line([]byte(badLine), Pos{"a", i + 1})
		b.Line([]byte(badLine), Pos{"b", i + 1})
	}
	b.Line([]byte(lsLine), Pos{"b", 4})
	a.Merge(b)
	want := []string{"a:1", "a:2", "a:3", "b:1", "b:2"}
	if a.Counts.Malformed.N != 6 || !slices.Equal(a.Counts.Malformed.Where, want) || a.Counts.Kept != 1 || a.Set.Len() != 1 {
		t.Errorf("merged %+v, want the first five bad lines %q", a.Counts, want)
	}
}

// TestTouch makes the group of a record that made no call.
func TestTouch(t *testing.T) {
	p := New(Config{Filter: &Filter{PID: 99}})
	p.Touch(&audit.Record{Exe: []byte("/srv/echo"), PID: 1})
	if got := p.Set.Groups(); !slices.Equal(got, []string{"/srv/echo"}) || p.Set.Len() != 0 || p.Counts.Lines != 0 {
		t.Errorf("groups %q, %d calls, %d lines", got, p.Set.Len(), p.Counts.Lines)
	}
}

// TestSelect: a line Select does not choose is not counted at all; a
// malformed line, which Select never sees, is, and a socket's (no place)
// shows no place in the summary.
func TestSelect(t *testing.T) {
	var seen []audit.Kind
	p := New(Config{Select: func(k audit.Kind, r *audit.Record) bool {
		seen = append(seen, k)
		return k == audit.KindSeccomp && r.PID == 14257
	}})
	other := strings.Replace(lsLine, "pid=14257", "pid=1", 1)
	for _, l := range []string{lsLine, other, otherLine, badLine} {
		p.Line([]byte(l), Pos{})
	}
	if p.Counts.Lines != 2 || p.Counts.Kept != 1 || p.Counts.OtherAudit != 0 || p.Counts.Malformed.N != 1 || len(seen) != 3 {
		t.Errorf("counts %+v, Select saw %v; want 2 lines (1 kept, 1 malformed), Select on the 3 parsed", p.Counts, seen)
	}
	var sum strings.Builder
	Summary{Counts: &p.Counts}.WriteTo(&sum)
	if !strings.Contains(sum.String(), "malformed: 1 seccomp record line could not be parsed; the first: ") {
		t.Errorf("summary:\n%s", sum.String())
	}
}
