package pipeline

import (
	"fmt"
	"io"
	"strings"

	"github.com/recorder-dev/recorder/profilegen"
)

// writeOverflow warns of the records that went to the overflow group.
func writeOverflow(w io.Writer, o profilegen.Overflow) {
	if o.Records == 0 {
		return
	}
	first := make([]string, len(o.First))
	for i, g := range o.First {
		first[i] = Quote(g)
	}
	fmt.Fprintf(w, "overflow: %s of groups past the limit of %s went to the one profile %s (the first: %s): raise --max-groups, or choose records with --exe, --comm or --pid\n",
		Plural(o.Records, "record"), Plural(uint64(o.Limit), "group"), Quote(profilegen.OverflowGroup), strings.Join(first, ", "))
}

// writeUnknown lists the unknown numbers of every group, MaxUnknown at
// most, then says how many more there are.
func (s Summary) writeUnknown(w io.Writer) {
	max := s.MaxUnknown
	if max == 0 {
		max = DefaultMaxUnknownLines
	}
	var shown, more, moreRecords uint64
	for _, b := range s.Built {
		for _, u := range b.Report.Unknown {
			if max > 0 && shown >= uint64(max) {
				more++
				moreRecords += u.Count
				continue
			}
			shown++
			fmt.Fprintf(w, "unknown syscall: %s number %d in %s (%s, %s): libseccomp has no name for it; not in the profile\n",
				u.Arch, u.Nr, Quote(b.Group), Plural(u.Count, "record"), u.Action)
		}
	}
	if more > 0 {
		fmt.Fprintf(w, "unknown syscall: ... and %s (%s), not listed: --max-unknown-lines lists more\n", Plural(more, "more number"), Plural(moreRecords, "record"))
	}
	if n := s.Overflow.UnknownRecords; n > 0 {
		fmt.Fprintf(w, "unknown syscall: ... and %s of further unknown numbers, counted but not kept (past %s)\n",
			Plural(n, "record"), Plural(uint64(s.Overflow.UnknownLimit), "distinct number"))
	}
}

// writeInputErr says what an input's failure did to the profile.
func (s Summary) writeInputErr(w io.Writer) {
	switch {
	case s.InputErr == nil:
	case s.Partial:
		fmt.Fprintln(w, "partial: an input failed; as --partial asked, the profile holds only what was read before the failure,\n"+
			"  and what a corrupt input gave may be made up: check it before use")
	default:
		fmt.Fprintln(w, "no profile written: an input failed, and a profile of part of it may miss calls or, from a corrupt file, allow calls never made;\n"+
			"  --partial writes the profile of what was read")
	}
}
