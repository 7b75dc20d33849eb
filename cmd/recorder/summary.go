package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// maxShown is how many line numbers the summary names for each kind of bad line.
const maxShown = 5

// summary counts what a replay read, kept and skipped.
type summary struct {
	unit            string // what lines counts: "line" or "record"
	lines           uint64
	kept            uint64
	filtered        uint64
	notAudit        uint64
	otherAudit      uint64
	forged          uint64
	suppressed      uint64 // records the printk rate limit dropped
	suppressedLines uint64
	malformed       badLines
	tooLong         badLines
}

// badLines counts lines of one kind and keeps where the first few are.
type badLines struct {
	n     uint64
	where []string
	first error // what was wrong with the first
}

func (b *badLines) add(name string, line int, err error) {
	b.n++
	if len(b.where) < maxShown {
		b.where = append(b.where, name+":"+strconv.Itoa(line))
	}
	if b.first == nil {
		b.first = err
	}
}

func (b *badLines) merge(o *badLines) {
	b.n += o.n
	b.where = append(b.where, o.where[:min(len(o.where), maxShown-len(b.where))]...)
	if b.first == nil {
		b.first = o.first
	}
}

func (b *badLines) String() string {
	s := strings.Join(b.where, ", ")
	if b.n > uint64(len(b.where)) {
		s += ", ..."
	}
	return s
}

// newSummary counts what is read in units of unit: "line" for replay,
// "record" for record.
func newSummary(unit string) *summary { return &summary{unit: unit} }

func (s *summary) parseError(name string, pe *audit.ParseError) {
	s.lines++
	if errors.Is(pe, audit.ErrLineTooLong) {
		s.tooLong.add(name, pe.Line, pe.Err)
		return
	}
	s.malformed.add(name, pe.Line, pe.Err)
}

// record counts one parsed line and adds its record, if the filter keeps it,
// to the set.
func (s *summary) record(kind audit.Kind, rec *audit.Record, filter *profilegen.Filter, set *profilegen.Set) {
	s.lines++
	switch kind {
	case audit.KindSeccomp:
		if !filter.Match(rec) {
			s.filtered++
			return
		}
		s.kept++
		set.Add(rec)
	case audit.KindSuppressed:
		s.suppressed += rec.Suppressed
		s.suppressedLines++
	case audit.KindForged:
		s.forged++
	case audit.KindOther:
		s.otherAudit++
	default:
		s.notAudit++
	}
}

// merge adds the counts of o, which summarises the lines after s's.
func (s *summary) merge(o *summary) {
	s.lines += o.lines
	s.kept += o.kept
	s.filtered += o.filtered
	s.notAudit += o.notAudit
	s.otherAudit += o.otherAudit
	s.forged += o.forged
	s.suppressed += o.suppressed
	s.suppressedLines += o.suppressedLines
	s.malformed.merge(&o.malformed)
	s.tooLong.merge(&o.tooLong)
}

// print writes the summary: counts first, then what needs the user's attention.
func (s *summary) print(w io.Writer, groups []groupReport) {
	fmt.Fprintf(w, "read %s: %s kept", plural(s.lines, s.unit), plural(s.kept, "seccomp record"))
	if len(groups) > 0 {
		fmt.Fprintf(w, " in %s", plural(uint64(len(groups)), "group"))
	}
	fmt.Fprintln(w)
	for _, g := range groups {
		fmt.Fprintf(w, "  %-24s %s\n", quoteText(g.group), actionCounts(g.report))
	}
	s.printSkipped(w)
	for _, g := range groups {
		printUnknown(w, g)
	}
	for _, g := range groups {
		printViolations(w, g)
	}
	if s.kept == 0 {
		fmt.Fprintln(w, "warning: no seccomp records were found: the profile holds only the base set")
	}
	if s.suppressed > 0 {
		fmt.Fprintf(w, "lost: the kernel dropped %s records before they reached the log (%d \"kauditd_printk_skb: N callbacks suppressed\" lines): the profile may miss syscalls.\n"+
			"  Record with 'recorder watch --source netlink', or run 'sysctl -w kernel.printk_ratelimit=0' while recording.\n",
			count(s.suppressed), s.suppressedLines)
	}
}

func (s *summary) printSkipped(w io.Writer) {
	var parts []string
	add := func(n uint64, what string) {
		if n > 0 {
			parts = append(parts, count(n)+" "+what)
		}
	}
	add(s.notAudit, "not audit records")
	add(s.otherAudit, "audit records of other types")
	add(s.filtered, "records filtered out")
	add(s.forged, "forged kernel lines (written to /dev/kmsg by userspace)")
	add(s.suppressedLines, "rate-limit notices")
	if len(parts) > 0 {
		fmt.Fprintf(w, "skipped: %s\n", strings.Join(parts, ", "))
	}
	if s.malformed.n > 0 {
		fmt.Fprintf(w, "malformed: %s could not be parsed (%s); the first: %v\n", plural(s.malformed.n, "seccomp record line"), s.malformed.String(), s.malformed.first)
	}
	if s.tooLong.n > 0 {
		fmt.Fprintf(w, "too long: %s skipped unread (%s)\n", plural(s.tooLong.n, "line"), s.tooLong.String())
	}
}

// count formats n with thousands separators.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// plural says "1 line" or "12,345 lines".
func plural(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return count(n) + " " + word + "s"
}

// quoteText shows text from a record (hostile: a process picks its comm) as
// it is when it is plain, and Go-quoted when it holds spaces, quotes or
// control or non-ASCII bytes, so it cannot move the terminal's cursor.
func quoteText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.QuoteToASCII(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// actionCounts lists a group's records per action, in a fixed order.
func actionCounts(rep *profilegen.Report) string {
	var parts []string
	for a := audit.ActionUnknown; a <= audit.ActionAllow; a++ {
		if n := rep.Actions[a]; n > 0 {
			parts = append(parts, a.String()+" "+count(n))
		}
	}
	return strings.Join(parts, "  ")
}

func printUnknown(w io.Writer, g groupReport) {
	for _, u := range g.report.Unknown {
		fmt.Fprintf(w, "unknown syscall: %s number %d in %s (%s, %s): libseccomp has no name for it; not in the profile\n",
			u.Arch, u.Nr, quoteText(g.group), plural(u.Count, "record"), u.Action)
	}
}

func printViolations(w io.Writer, g groupReport) {
	for _, v := range g.report.Violations {
		fmt.Fprintf(w, "denied: %s (%s) in %s: %s with %s, first by pid %d comm %s; not allowed (--allow-denied adds it)\n",
			v.Name, v.Arch, quoteText(g.group), plural(v.Count, "record"), v.Action.OCI(), v.PID, quoteText(v.Comm))
	}
}
