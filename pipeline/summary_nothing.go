package pipeline

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNothingKept is the outcome of a pipeline that kept no seccomp record:
// a profile of it would allow the base set alone, and kill the workload.
var ErrNothingKept = errors.New("nothing matched: no seccomp record kept")

// ErrLost is the outcome of a pipeline whose source or kernel dropped
// records (Counts.Lost): its profiles may miss calls.
var ErrLost = errors.New("the kernel dropped records")

// maxSeenShown is how many names of each field the summary lists.
const maxSeenShown = 8

// writeNothing says that no record was kept: what the filter dropped, by
// name, or where the records probably are; and whether a profile was
// written.
func (s Summary) writeNothing(w io.Writer) {
	c := s.Counts
	if c.Filtered > 0 {
		fmt.Fprintf(w, "nothing matched: the filter dropped all %s; they were:\n", Plural(c.Filtered, "seccomp record"))
		for _, f := range []struct {
			name string
			t    *Tally
		}{{"comm", &c.Seen.Comm}, {"exe", &c.Seen.Exe}, {"container", &c.Seen.Container}} {
			if line := f.t.String(); line != "" {
				fmt.Fprintf(w, "  %-9s %s\n", f.name, line)
			}
		}
	} else {
		fmt.Fprintln(w, "nothing found: no seccomp record was read")
	}
	if s.Hint != "" {
		fmt.Fprintf(w, "  %s\n", s.Hint)
	}
	if s.NotWritten {
		fmt.Fprintln(w, "no profile written: it would allow only the base set, and kill the workload (--allow-empty writes it)")
	} else {
		fmt.Fprintln(w, "warning: the profile holds only the base set")
	}
}

// String lists the tally's names with their counts, most first, up to
// maxSeenShown, and the records of the others.
func (t *Tally) String() string {
	top, rest := t.Top(maxSeenShown)
	if len(top) == 0 {
		return ""
	}
	parts := make([]string, len(top))
	for i, nc := range top {
		parts[i] = fmt.Sprintf("%s (%s)", Quote(nc.Name), Count(nc.Count))
	}
	line := strings.Join(parts, ", ")
	if rest > 0 {
		line += fmt.Sprintf(", and %s of others", Plural(rest, "record"))
	}
	return line
}

// Outcome returns what c's counts make of a command's end: ErrNothingKept
// when no record was kept, ErrLost when records were lost, else nil.
func (c *Counts) Outcome() error {
	switch {
	case c.Kept == 0:
		return ErrNothingKept
	case c.Lost():
		return ErrLost
	}
	return nil
}
