package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/golden"
	"github.com/recorder-dev/recorder/profilegen"
)

// at returns a record of a call (x86_64, LOG) by pid at ms past a second.
func at(pid int32, exe, comm string, nr int64, sec int64, msec uint32, serial uint64) *audit.Record {
	return &audit.Record{PID: pid, Exe: []byte(exe), Comm: []byte(comm), Arch: 0xc000003e, Syscall: nr,
		Action: audit.ActionLog, Sec: sec, Msec: msec, Serial: serial}
}

// TestExplainCall: counts, times, sample serial, names and startup-only.
// The records are hand-made: the times a test needs (a call 1.5 s into a
// process) are not in the captured fixtures, whose workloads ran for
// milliseconds.
func TestExplainCall(t *testing.T) {
	ex := NewExplain()
	p := New(Config{GroupBy: GroupNone, Explain: ex})
	const t0 = 1795933970
	p.Add(at(10, "/usr/bin/app", "app", 0, t0, 0, 100), 1)       // read: the process's first record
	p.Add(at(10, "/usr/bin/app", "app", 1, t0, 400, 101), 2)     // write at 400 ms
	p.Add(at(10, "/usr/bin/app", "app", 0, t0+1, 500, 102), 1)   // read again at 1.5 s
	p.Add(at(11, "/usr/bin/app", "worker", 1, t0+5, 0, 103), 1)  // write by a new process, at its start
	p.Add(at(10, "/usr/bin/other", "other", 3, t0+9, 0, 104), 1) // close: pid 10 exec'd other
	p.Add(at(12, "/x", "j", 5, 0, 0, 0), 1)                      // fstat without a time (journald)
	key := func(nr int64) profilegen.Key {
		return profilegen.Key{Arch: 0xc000003e, Syscall: nr, Action: audit.ActionLog}
	}
	for _, tt := range []struct {
		nr            int64
		records       uint64
		first, last   int64
		serial        uint64
		exes, comms   []string
		only, timed   bool
		sinceStartMax int64
	}{
		{0, 2, t0 * 1000, (t0+1)*1000 + 500, 100, []string{"/usr/bin/app"}, []string{"app"}, false, true, 1500},
		{1, 3, t0*1000 + 400, (t0 + 5) * 1000, 101, []string{"/usr/bin/app"}, []string{"app", "worker"}, true, true, 400},
		{3, 1, (t0 + 9) * 1000, (t0 + 9) * 1000, 104, []string{"/usr/bin/other"}, []string{"other"}, true, true, 0},
		{5, 1, 0, 0, 0, []string{"/x"}, []string{"j"}, true, false, 0},
	} {
		c := ex.Call(NoneGroup, key(tt.nr))
		if c == nil {
			t.Fatalf("syscall %d: no info", tt.nr)
		}
		only, timed := c.StartupOnly()
		if c.Records != tt.records || c.First != tt.first || c.Last != tt.last || c.Serial != tt.serial ||
			!slices.Equal(c.Exes, tt.exes) || !slices.Equal(c.Comms, tt.comms) || only != tt.only || timed != tt.timed || c.SinceStart != tt.sinceStartMax {
			t.Errorf("syscall %d: %+v; startup-only %v, %v", tt.nr, c, only, timed)
		}
	}
	if ex.Call("nope", key(0)) != nil || (*Explain)(nil).Call(NoneGroup, key(0)) != nil {
		t.Error("info for what was not seen")
	}
}

// TestExplainBounded: past MaxNames, names are counted, not kept; past
// MaxProcs processes, the table starts over and says so.
func TestExplainBounded(t *testing.T) {
	ex := NewExplain()
	p := New(Config{GroupBy: GroupNone, Explain: ex})
	for i := range MaxProcs + 10 {
		name := fmt.Sprintf("p%d", i%(MaxNames+3))
		p.Add(at(int32(i+1), "/bin/"+name, name, 0, 1795933970, 0, uint64(i)), 1)
	}
	c := ex.Call(NoneGroup, profilegen.Key{Arch: 0xc000003e, Syscall: 0, Action: audit.ActionLog})
	var others uint64 // records of p4, p5, p6: the names past MaxNames
	for i := range MaxProcs + 10 {
		if i%(MaxNames+3) >= MaxNames {
			others++
		}
	}
	want := []string{"p0", "p1", "p2", "p3"}
	if !slices.Equal(c.Comms, want) || len(c.Exes) != MaxNames || c.OtherExes != others || c.OtherComms != others || c.Records != MaxProcs+10 {
		t.Errorf("names %q %q, others %d %d (want %d), records %d", c.Exes, c.Comms, c.OtherExes, c.OtherComms, others, c.Records)
	}
	if ex.ProcResets != 1 || len(ex.procs) > MaxProcs || len(ex.names) > MaxProcs {
		t.Errorf("%d resets, %d processes and %d names kept", ex.ProcResets, len(ex.procs), len(ex.names))
	}
}

// TestExplainAllocs: a record of a known call and process costs nothing.
func TestExplainAllocs(t *testing.T) {
	p := New(Config{Explain: NewExplain()})
	line := []byte(lsLine)
	p.Line(line, Pos{"log", 1})
	if n := testing.AllocsPerRun(1000, func() { p.Line(line, Pos{"log", 2}) }); n != 0 {
		t.Errorf("%v allocations per known record with Explain, want 0", n)
	}
}

// TestExplainReadFrom: ReadFrom with an Explain parses on one core, in
// order, and gives what Line gives line by line: the first record's line
// and place, the last time.
func TestExplainReadFrom(t *testing.T) {
	data, err := os.ReadFile("../testdata/logs/syslog-traditional.log")
	if err != nil {
		t.Fatal(err)
	}
	want := NewExplain()
	seq := New(Config{Explain: want})
	for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		seq.Line(l, Pos{"log", i + 1})
	}
	BlockSize = 4096 // many blocks
	defer func() { BlockSize = 0 }()
	got := NewExplain()
	par := New(Config{Explain: got})
	if _, err := par.ReadFrom(context.Background(), "log", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	n := 0
	for g, keys := range want.calls {
		for k, w := range keys {
			n++
			if c := got.Call(g, k); c == nil || fmt.Sprint(*c) != fmt.Sprint(*w) {
				t.Errorf("%s %+v: ReadFrom %+v; Line by line %+v", g, k, c, w)
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d calls compared", n)
	}
}

// TestExplainGolden writes the explanation of a captured log's profiles.
func TestExplainGolden(t *testing.T) {
	ex := NewExplain()
	p := New(Config{Explain: ex})
	inputs, err := OpenInputs([]string{"../testdata/logs/syslog-traditional.log", "../testdata/logs/journald.log"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer CloseInputs(inputs)
	if err := p.ReadAll(context.Background(), inputs); err != nil {
		t.Fatal(err)
	}
	base, _ := profilegen.LookupBase("minimal")
	opt := profilegen.Options{Base: base, Companions: true, Durable: true}
	p.Set.AddProfile("cat", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, // a merged call for one group
		Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActAllow}}})
	built, err := profilegen.BuildAll(p.Set, opt)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ex.WriteTo(&out, built, opt)
	golden.Check(t, "testdata/explain.golden", out.String())
}

// BenchmarkLine and BenchmarkLineExplain: the cost of Explain per record
// of a known call.
func BenchmarkLine(b *testing.B)        { benchLine(b, nil) }
func BenchmarkLineExplain(b *testing.B) { benchLine(b, NewExplain()) }

func benchLine(b *testing.B, ex *Explain) {
	p := New(Config{Explain: ex})
	line := []byte(lsLine)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Line(line, Pos{"log", i})
	}
}

// TestExplainFollowsLimits: Explain keeps what the Set keeps, no more: the
// records of the groups past Limits.Groups under OverflowGroup, and no
// unknown number past Limits.Unknown (whose records the Set only counts),
// whether the lines come one by one or through ReadFrom. Hand-made lines
// (captured ls records given other executables and numbers): ten
// programs and a hundred unknown numbers are not in the fixtures.
func TestExplainFollowsLimits(t *testing.T) {
	var lines []string
	for i := range 10 {
		for _, nr := range []int{0, 1, 1000 + i*10, 1001 + i*10} {
			l := strings.Replace(lsLine, `exe="/usr/bin/ls"`, fmt.Sprintf(`exe="/usr/bin/p%d"`, i), 1)
			lines = append(lines, strings.Replace(l, "syscall=12 ", fmt.Sprintf("syscall=%d ", nr), 1))
		}
	}
	data := strings.Join(lines, "\n") + "\n"
	lim := profilegen.Limits{Groups: 2, Unknown: 3}
	oneByOne := func() (*Pipeline, *Explain) {
		ex := NewExplain()
		p := New(Config{Explain: ex, Limits: &lim})
		for i, l := range lines {
			p.Line([]byte(l), Pos{"log", i + 1})
		}
		return p, ex
	}
	readFrom := func() (*Pipeline, *Explain) {
		BlockSize = 512 // several lines a block, many blocks
		defer func() { BlockSize = 0 }()
		ex := NewExplain()
		p := New(Config{Explain: ex, Limits: &lim})
		if _, err := p.ReadFrom(context.Background(), "log", strings.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return p, ex
	}
	for name, read := range map[string]func() (*Pipeline, *Explain){"Line": oneByOne, "ReadFrom": readFrom} {
		p, ex := read()
		groups := p.Set.Groups()
		if !slices.Contains(groups, profilegen.OverflowGroup) || len(groups) != 3 {
			t.Fatalf("%s: groups %q; want 2 and the overflow", name, groups)
		}
		if got := slices.Sorted(maps.Keys(ex.calls)); !slices.Equal(got, groups) {
			t.Errorf("%s: Explain keeps groups %q; the Set %q", name, got, groups)
		}
		keys := 0
		for _, g := range groups {
			seen := p.Set.Keys(g)
			keys += len(seen)
			if len(ex.calls[g]) != len(seen) {
				t.Errorf("%s: group %q: Explain keeps %d calls, the Set %d", name, g, len(ex.calls[g]), len(seen))
			}
			for k, s := range seen {
				if c := ex.Call(g, k); c == nil || c.Records != s.Count {
					t.Errorf("%s: group %q call %+v: Explain %+v; the Set counts %d", name, g, k, c, s.Count)
				}
			}
		}
		if keys != 2*3+lim.Unknown {
			t.Errorf("%s: the Set keeps %d calls, want %d", name, keys, 2*3+lim.Unknown)
		}
		built, err := profilegen.BuildAll(p.Set, profilegen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		ex.WriteTo(&out, built, profilegen.Options{})
		for _, row := range strings.Split(out.String(), "\n") {
			f := strings.Split(row, "\t")
			if f[0] == Quote(profilegen.OverflowGroup) && (f[1] == "read" || f[1] == "write") && !strings.HasPrefix(f[3], "recorded ") {
				t.Errorf("%s: a row of the overflow profile says no record showed its call: %q", name, row)
			}
		}
	}
}

// stormLine is a record of make bench's storm as the netlink source
// returns it, read on the test machine (watch --tee during make bench's
// storm).
const stormLine = `type=1326 audit(1796421580.947:72535375): auid=0 uid=0 gid=0 ses=412 pid=23684 comm="storm" exe="/work/wt/perf/bin/storm" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7ff01a497829 code=0x7ffc0000`

// BenchmarkLineStorm is watch's and record's work per record in the
// pipeline (watch -g none, watch's default grouping by exe, record's
// Select, and --explain): target 0 allocations per record.
func BenchmarkLineStorm(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"none", Config{GroupBy: GroupNone}},
		{"exe", Config{}},
		{"select", Config{Select: func(k audit.Kind, r *audit.Record) bool { return k == audit.KindSeccomp && r.Ses == 412 }}},
		{"explain", Config{GroupBy: GroupNone, Explain: NewExplain()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := New(bc.cfg)
			line := []byte(stormLine)
			b.ReportAllocs()
			for b.Loop() {
				p.Line(line, Pos{Name: "netlink"})
			}
			if p.Counts.Kept == 0 {
				b.Fatal("nothing kept")
			}
		})
	}
}

// TestLineStormAllocs: a storm record down the pipeline allocates nothing,
// with or without --explain.
func TestLineStormAllocs(t *testing.T) {
	for _, cfg := range []Config{{GroupBy: GroupNone}, {}, {Explain: NewExplain()}} {
		p := New(cfg)
		line := []byte(stormLine)
		p.Line(line, Pos{Name: "netlink"})
		if n := testing.AllocsPerRun(1000, func() { p.Line(line, Pos{Name: "netlink"}) }); n != 0 || p.Counts.Kept != 1002 {
			t.Errorf("group by %v, explain %v: %v allocations per record (kept %d), want 0", p.cfg.GroupBy, cfg.Explain != nil, n, p.Counts.Kept)
		}
	}
}
