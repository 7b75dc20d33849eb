package pipeline

import (
	"bytes"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// upper is a Finisher that names groups in capitals and leaves out "drop".
type upper struct{}

func (upper) Name(g string) string { return strings.ToUpper(g) }
func (upper) Finish(built []profilegen.Built, _ profilegen.Options) ([]profilegen.Built, LeftOut, error) {
	var out []profilegen.Built
	var left LeftOut
	for _, b := range built {
		if b.Group == "drop" {
			left.Groups++
			left.Records += b.Report.Records
			left.Why = "dropped"
			continue
		}
		b.Group = strings.ToUpper(b.Group)
		out = append(out, b)
	}
	return out, left, nil
}

func TestBuildFinishAndUnattributed(t *testing.T) {
	enrich := EnrichFunc(func(r *Record) {
		switch r.PID {
		case 1:
			r.SetAttr("c", "keep")
		case 2:
			r.SetAttr("c", "drop")
		default:
			r.MarkUnattributed()
		}
	})
	p := New(Config{Enrichers: []Enricher{enrich}, GroupBy: GroupByAttr("c", "c", "none"), Finish: upper{},
		Filter: &Filter{Attrs: []AttrMatch{{Key: "c", Prefix: "ke"}, {Key: "c", Prefix: "k"}}}})
	for pid := int32(1); pid <= 3; pid++ {
		p.Add(&audit.Record{PID: pid, Arch: 0xc000003e, Syscall: 0, Action: audit.ActionLog}, 2)
	}
	if p.Counts.Unattributed != 2 || p.Counts.Kept != 2 || p.Counts.Filtered != 4 {
		t.Errorf("counts %+v", p.Counts)
	}
	p.cfg.Filter = nil // now let every group through
	p.Add(&audit.Record{PID: 2, Arch: 0xc000003e, Syscall: 0, Action: audit.ActionLog}, 3)
	built, left, err := p.Build(profilegen.Options{})
	if err != nil || len(built) != 1 || built[0].Group != "KEEP" || left.Groups != 1 || left.Records != 3 {
		t.Fatalf("Build = %v, %+v, %v", built, left, err)
	}
	if p.Name("keep") != "KEEP" {
		t.Errorf("Name = %q", p.Name("keep"))
	}
	var out bytes.Buffer
	Summary{Counts: &p.Counts, Built: built, Left: left}.WriteTo(&out)
	for _, want := range []string{"unattributed: 2 records whose process was gone", "left out: 1 group (3 records): dropped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

// TestFilterAttrsNoAlloc: matching attributes allocates nothing.
func TestFilterAttrsNoAlloc(t *testing.T) {
	f := &Filter{Attrs: []AttrMatch{{Key: "container", Prefix: "3f4e"}}}
	r := &Record{}
	r.SetAttr("container", "3f4e0a1c")
	var m matcher
	if n := testing.AllocsPerRun(100, func() { f.Match(r); m.match(f, r) }); n != 0 || !f.Match(r) || !m.match(f, r) {
		t.Errorf("%v allocations, match %v", n, f.Match(r))
	}
}
