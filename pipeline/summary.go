package pipeline

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// Summary is what a command tells when it is done: counts first, then what
// needs the user's attention (bad lines, unknown numbers, denied calls,
// records the kernel dropped). It is the one renderer of Counts and of the
// reports of the profiles built.
type Summary struct {
	Unit   string // what Counts.Lines counts: "line" (the default) or "record"
	Counts *Counts
	Built  []profilegen.Built
	Left   LeftOut // groups the Finisher left out
	// Overflow is what the Set's limits left out (Set.Overflow).
	Overflow profilegen.Overflow
	// MaxUnknown is how many unknown-number lines are shown before "... and
	// N more"; 0 is DefaultMaxUnknownLines, < 0 shows them all.
	MaxUnknown int
	// InputErr is the error that ended an input. With Partial, the profile
	// written holds what was read before it; without, none was written.
	InputErr error
	Partial  bool
	// NotWritten says no profile was written because nothing matched
	// (ErrNothingKept); else one holding the base set alone was.
	NotWritten bool
	// Output, when it writes one file per group (Dir), names each group's
	// file (and SeccompProfile object) after its line.
	Output *profilegen.Output
	// Hint says where the records probably are when none was found
	// (Where): "auditd runs: ...".
	Hint string
	// Users are the uids of each group's records (Pipeline.Users); nil:
	// not known. A built profile's are UsersOf.
	Users *Users
}

// UsersOf returns the uids the records of b's groups came from, most
// records first (at most MaxUsers, and the rest counted).
func (s Summary) UsersOf(b profilegen.Built) UserList { return s.Users.Of(b.SourceGroups()...) }

// DefaultMaxUnknownLines is how many unknown syscall numbers a summary
// lists by default.
const DefaultMaxUnknownLines = 20

// WriteTo writes the summary to w.
func (s Summary) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	s.write(cw)
	return cw.n, cw.err
}

func (s Summary) write(w io.Writer) {
	c, unit := s.Counts, s.Unit
	if unit == "" {
		unit = "line"
	}
	fmt.Fprintf(w, "read %s: %s kept", Plural(c.Lines, unit), Plural(c.Kept, "seccomp record"))
	if len(s.Built) > 0 {
		fmt.Fprintf(w, " in %s", Plural(uint64(len(s.Built)), "group"))
	}
	fmt.Fprintln(w)
	for _, b := range s.Built {
		fmt.Fprintf(w, "  %-24s %s%s\n", Quote(b.Group), actionCounts(b.Report), s.names(b.Group))
		if b.Added != nil && len(b.Added.Names) > 0 {
			fmt.Fprintf(w, "  %-24s + %s no record showed, from runtime %s: %s\n", "", Plural(uint64(len(b.Added.Names)), "call"), Quote(b.Added.Name), strings.Join(b.Added.Names, " "))
		}
	}
	writeSkipped(w, c)
	writeLeft(w, c, s.Left)
	writeOverflow(w, s.Overflow)
	s.writeUnknown(w)
	for _, b := range s.Built {
		writeViolations(w, b)
	}
	for _, b := range s.Built {
		if u := s.UsersOf(b); u.Mixed() {
			fmt.Fprintf(w, "warning: %s mixes users: %s: a process of any of them widens its profile (--uid, --auid choose)\n", Quote(b.Group), u)
		}
	}
	if c.Kept == 0 {
		s.writeNothing(w)
	}
	if c.Suppressed > 0 {
		fmt.Fprintf(w, "lost: the kernel dropped %s records before they reached the log (%d \"kauditd_printk_skb: N callbacks suppressed\" lines): the profile may miss syscalls.\n"+
			"  Record with 'recorder watch --source netlink', or run 'sysctl -w kernel.printk_ratelimit=0' while recording.\n",
			Count(c.Suppressed), c.SuppressedLines)
	}
	s.writeInputErr(w)
}

// names is what follows a group's line with an output directory: its
// file's name, and its object's when the format is SPO.
func (s Summary) names(group string) string {
	if s.Output == nil || s.Output.Dir == "" {
		return ""
	}
	file, object := s.Output.Names(group)
	if object != "" {
		return "  -> " + file + " (" + object + ")"
	}
	return "  -> " + file
}

func writeSkipped(w io.Writer, c *Counts) {
	var parts []string
	add := func(n uint64, what string) {
		if n > 0 {
			parts = append(parts, Count(n)+" "+what)
		}
	}
	add(c.NotAudit, "not audit records")
	add(c.OtherAudit, "audit records of other types")
	add(c.Filtered, "records filtered out")
	add(c.Forged, "forged kernel lines (written by userspace: a syslog tag other than kernel, or a /dev/kmsg line of a user facility)")
	add(c.SuppressedLines, "rate-limit notices")
	if len(parts) > 0 {
		fmt.Fprintf(w, "skipped: %s\n", strings.Join(parts, ", "))
	}
	if c.Malformed.N > 0 {
		where := ""
		if len(c.Malformed.Where) > 0 {
			where = " (" + c.Malformed.String() + ")"
		}
		fmt.Fprintf(w, "malformed: %s could not be parsed%s; the first: %v\n", Plural(c.Malformed.N, "seccomp record line"), where, c.Malformed.First)
	}
	if c.TooLong.N > 0 {
		fmt.Fprintf(w, "too long: %s skipped unread (%s)\n", Plural(c.TooLong.N, "line"), c.TooLong.String())
	}
}

// Count formats n with thousands separators.
func Count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Plural says "1 line" or "12,345 lines".
func Plural(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return Count(n) + " " + word + "s"
}

// Quote shows text from a record (hostile: a process picks its comm) as it
// is when it is plain, and Go-quoted when it holds spaces, quotes or
// control or non-ASCII bytes, so it cannot move the terminal's cursor.
func Quote(s string) string {
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
			parts = append(parts, a.String()+" "+Count(n))
		}
	}
	return strings.Join(parts, "  ")
}

func writeViolations(w io.Writer, b profilegen.Built) {
	for _, v := range b.Report.Violations {
		fmt.Fprintf(w, "denied: %s (%s) in %s: %s with %s, first by pid %d comm %s; not allowed (--allow-denied adds it)\n",
			v.Name, v.Arch, Quote(b.Group), Plural(v.Count, "record"), v.Action.OCI(), v.PID, Quote(v.Comm))
	}
}

// countWriter counts what passes and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
