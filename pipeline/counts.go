package pipeline

import (
	"strconv"
	"strings"

	"github.com/recorder-dev/recorder/audit"
)

// Counts is what a pipeline read, kept and skipped: the one set of counters
// every command reports (its summary, a daemon's log and metrics).
type Counts struct {
	Lines    uint64 // lines read (records, for a pipeline fed parsed records)
	Kept     uint64 // seccomp records that passed the filter
	Filtered uint64 // seccomp records the filter dropped
	Seen     Seen   // what they were: exes, comms, containers (bounded)
	// First and Last are the times, in ms since the epoch, of the earliest
	// and latest record kept that had a time (0: none had).
	First, Last int64
	NotAudit    uint64 // lines that are no audit record
	OtherAudit  uint64 // audit records of other types
	Forged      uint64 // record-shaped /dev/kmsg lines userspace wrote
	// Unattributed is how many records an enricher could not attribute
	// (Record.MarkUnattributed): their process was gone before its
	// container could be looked up.
	Unattributed uint64
	// Suppressed is how many records the kernel's printk rate limit dropped,
	// told by SuppressedLines "kauditd_printk_skb: N callbacks suppressed".
	Suppressed, SuppressedLines uint64
	Malformed                   BadLines // seccomp record lines that could not be parsed
	TooLong                     BadLines // lines longer than audit.DefaultMaxLineLength, skipped
	Source                      SourceStats
}

// maxShown is how many places BadLines keeps for each kind of bad line.
const maxShown = 5

// BadLines counts lines of one kind and keeps where the first few are.
type BadLines struct {
	N     uint64
	Where []string // "FILE:LINE" of the first maxShown
	First error    // what was wrong with the first
}

// Pos is where a line comes from, for the summary: a file and a line
// number (0 for a live source, whose lines are not numbered).
type Pos struct {
	Name string
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.Name
	}
	return p.Name + ":" + strconv.Itoa(p.Line)
}

func (b *BadLines) add(at Pos, err error) {
	b.N++
	if len(b.Where) < maxShown && at.Name != "" { // "": a socket's message, which has no place to show
		b.Where = append(b.Where, at.String())
	}
	if b.First == nil {
		b.First = err
	}
}

func (b *BadLines) merge(o *BadLines) {
	b.N += o.N
	b.Where = append(b.Where, o.Where[:min(len(o.Where), maxShown-len(b.Where))]...)
	if b.First == nil {
		b.First = o.First
	}
}

// String lists where the bad lines are, "..." closing an incomplete list.
func (b *BadLines) String() string {
	s := strings.Join(b.Where, ", ")
	if b.N > uint64(len(b.Where)) {
		s += ", ..."
	}
	return s
}

// count counts a line parsed as kind (a seccomp record is counted by take).
func (c *Counts) count(kind audit.Kind, r *audit.Record) {
	switch kind {
	case audit.KindSuppressed:
		c.Suppressed += r.Suppressed
		c.SuppressedLines++
	case audit.KindForged:
		c.Forged++
	case audit.KindOther:
		c.OtherAudit++
	case audit.KindNone:
		c.NotAudit++
	}
}

// Merge adds the counts of o, which counted what came after c's lines.
func (c *Counts) Merge(o *Counts) {
	c.Lines += o.Lines
	c.Kept += o.Kept
	c.Filtered += o.Filtered
	c.Seen.merge(&o.Seen)
	c.span(o.First)
	c.span(o.Last)
	c.NotAudit += o.NotAudit
	c.OtherAudit += o.OtherAudit
	c.Forged += o.Forged
	c.Unattributed += o.Unattributed
	c.Suppressed += o.Suppressed
	c.SuppressedLines += o.SuppressedLines
	c.Malformed.merge(&o.Malformed)
	c.TooLong.merge(&o.TooLong)
	c.Source = c.Source.Add(o.Source)
}

// Lost reports whether the kernel or a source dropped records: the
// profiles may then miss calls.
func (c *Counts) Lost() bool {
	s := c.Source
	return c.Suppressed > 0 || s.KernelLost > 0 || s.NoBufs > 0 || s.Overwritten > 0
}

// span widens First and Last to the time ms (0: no time).
func (c *Counts) span(ms int64) {
	if ms == 0 {
		return
	}
	if c.First == 0 || ms < c.First {
		c.First = ms
	}
	c.Last = max(c.Last, ms)
}
