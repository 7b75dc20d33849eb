package profiletool

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/syscalls"
)

// Checked is one call of the records, and what the profile does with it.
type Checked struct {
	Name    string // libseccomp's name; "" when the number has none
	Arch    string // OCI name, or "arch=" and its hex value when the table has no such ABI
	Nr      int64  // the number, for a call without a name
	Verdict Verdict
	Records uint64
	First   *pipeline.CallInfo // the call's first record, for its line and names
}

// CheckReport is what Check found.
type CheckReport struct {
	Profile string
	p       *specs.LinuxSeccomp
	Records uint64 // records checked
	Calls   int    // distinct calls (ABI and name) checked
	Denied  []Checked
	MayDeny []Checked // conditional rules decide: records hold no arguments
	Unknown []Checked // numbers the table cannot name: not checked
	counts  *pipeline.Counts
}

// Failed reports whether a call would be denied, or, with strict, may be.
func (r *CheckReport) Failed(strict bool) bool {
	return len(r.Denied) > 0 || strict && len(r.MayDeny) > 0
}

// Check tells what p (named name in the report) would do with each call
// the pipeline pl saw, every group and action together: a call is matched
// by its name on its ABI (syscalls.ABI and Name). The pipeline's
// Explain, when it has one, gives each call's first record. Records hold
// no arguments: a call that conditional rules decide is MayDeny, never
// Denied nor allowed.
func Check(name string, p *specs.LinuxSeccomp, pl *pipeline.Pipeline) *CheckReport {
	rep := &CheckReport{Profile: name, p: p, counts: &pl.Counts}
	s, ex := pl.Set, pl.Config().Explain
	type callKey struct {
		arch string
		name string
		nr   int64
	}
	calls := map[callKey]*Checked{}
	for _, g := range s.Groups() {
		for k, seen := range s.Keys(g) {
			rep.Records += seen.Count
			ck := callKey{arch: fmt.Sprintf("arch=%08x", k.Arch), nr: k.Syscall}
			a, nr, ok := syscalls.ABI(k.Arch, k.Syscall)
			if ok {
				ck.arch, ck.nr = a.OCI, nr
				if n, err := syscalls.Name(a, nr); err == nil {
					ck.name, ck.nr = n, 0
				}
			}
			c := calls[ck]
			if c == nil {
				c = &Checked{Name: ck.name, Arch: ck.arch, Nr: ck.nr}
				calls[ck] = c
			}
			c.Records += seen.Count
			if info := ex.Call(g, k); info != nil && (c.First == nil || earlier(info, c.First)) {
				c.First = info
			}
		}
	}
	rep.Calls = len(calls)
	ev := newEvaluator(p)
	for _, c := range calls {
		if c.Name == "" {
			rep.Unknown = append(rep.Unknown, *c)
			continue
		}
		c.Verdict = ev.eval(c.Arch, c.Name)
		switch c.Verdict.Outcome {
		case Denied:
			rep.Denied = append(rep.Denied, *c)
		case MayDeny:
			rep.MayDeny = append(rep.MayDeny, *c)
		}
	}
	for _, l := range [][]Checked{rep.Denied, rep.MayDeny, rep.Unknown} {
		slices.SortFunc(l, func(a, b Checked) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Nr, b.Nr))
		})
	}
	return rep
}

// earlier reports whether a's first record came before b's: by time, else
// by place.
func earlier(a, b *pipeline.CallInfo) bool {
	return cmp.Or(cmp.Compare(a.First, b.First), cmp.Compare(a.At.Name, b.At.Name), cmp.Compare(a.At.Line, b.At.Line)) < 0
}

// WriteTo writes the report: a line of counts, then each call that would
// be denied, that may be, and that could not be checked, with its count
// and its first record's line.
func (r *CheckReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "checked %s of %s against %s: ", pipeline.Plural(r.Records, "record"), pipeline.Plural(uint64(r.Calls), "syscall"), pipeline.Quote(r.Profile))
	switch {
	case len(r.Denied) > 0:
		fmt.Fprintf(&b, "%s would be denied\n", pipeline.Plural(uint64(len(r.Denied)), "syscall"))
	case len(r.MayDeny) > 0:
		fmt.Fprintf(&b, "nothing would be denied for sure\n")
	default:
		fmt.Fprintf(&b, "nothing would be denied\n")
	}
	for _, c := range r.Denied {
		fmt.Fprintf(&b, "denied: %s (%s): %s, %s\n", c.Name, c.Arch, pipeline.Plural(c.Records, "record"), c.Verdict.Describe(r.p))
		writeFirst(&b, c.First)
	}
	for _, c := range r.MayDeny {
		fmt.Fprintf(&b, "may deny: %s (%s): %s; the records hold no arguments: %s\n", c.Name, c.Arch, pipeline.Plural(c.Records, "record"), c.Verdict.Describe(r.p))
		writeFirst(&b, c.First)
	}
	for _, c := range r.Unknown {
		fmt.Fprintf(&b, "not checked: syscall %d of %s (%s): libseccomp's table has no name for it\n", c.Nr, c.Arch, pipeline.Plural(c.Records, "record"))
		writeFirst(&b, c.First)
	}
	if r.Records == 0 {
		writeNothingChecked(&b, r.counts)
	}
	if m := r.counts.Malformed; m.N > 0 {
		fmt.Fprintf(&b, "warning: %s could not be parsed (%s): their calls were not checked\n", pipeline.Plural(m.N, "seccomp record line"), m.String())
	}
	if r.counts.Lost() {
		fmt.Fprintf(&b, "warning: the kernel dropped records before they reached the log: calls may be missing from the check\n")
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// writeNothingChecked says why no record was checked: what the filter
// dropped, or that the logs held none.
func writeNothingChecked(b *strings.Builder, c *pipeline.Counts) {
	if c.Filtered == 0 {
		fmt.Fprintf(b, "nothing checked: no seccomp record in %s\n", pipeline.Plural(c.Lines, "line"))
		return
	}
	fmt.Fprintf(b, "nothing checked: the filter dropped all %s; they were:\n", pipeline.Plural(c.Filtered, "seccomp record"))
	for _, f := range []struct {
		name string
		t    *pipeline.Tally
	}{{"comm", &c.Seen.Comm}, {"exe", &c.Seen.Exe}} {
		if line := f.t.String(); line != "" {
			fmt.Fprintf(b, "  %-9s %s\n", f.name, line)
		}
	}
}

func writeFirst(b *strings.Builder, c *pipeline.CallInfo) {
	if c == nil {
		return
	}
	if c.Line != "" {
		fmt.Fprintf(b, "  first: %s: %s\n", c.At, strings.ToValidUTF8(strings.Map(printable, c.Line), "?"))
		return
	}
	fmt.Fprintf(b, "  first: audit serial %d, comm %s, exe %s\n", c.Serial, pipeline.Quote(first(c.Comms)), pipeline.Quote(first(c.Exes)))
}

// printable replaces control bytes of a hostile line (a process picks its
// comm, and the kernel hex-encodes only what it must) so that the line
// cannot move the terminal's cursor.
func printable(r rune) rune {
	if r < ' ' || r == 0x7f {
		return '?'
	}
	return r
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
