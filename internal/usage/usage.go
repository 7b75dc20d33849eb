package usage

import (
	"strings"

	"github.com/spf13/pflag"
)

// flagColumn is the widest flag column of the help; a longer flag puts
// its text on the next line.
const flagColumn = 30

// Flags lists fs's flags for the help, wrapped to width: "-o, --output
// FILE", a metavar only where the flag takes a value ("--json[=FILE]"
// where it may), and its default when that is not the zero value.
func Flags(fs *pflag.FlagSet, width int) string {
	var b strings.Builder
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		switch {
		case f.Value.Type() == "bool":
		case f.NoOptDefVal != "":
			left += "[=" + varname + "]"
		default:
			left += " " + varname
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" && d != "0s" {
			usage += " (default " + d + ")"
		}
		b.WriteString(left)
		pad := flagColumn + 2
		if len(left) >= flagColumn {
			b.WriteString("\n" + strings.Repeat(" ", pad))
		} else {
			b.WriteString(strings.Repeat(" ", pad-len(left)))
		}
		b.WriteString(wrap(usage, width-pad, strings.Repeat(" ", pad)))
		b.WriteByte('\n')
	})
	return b.String()
}

// wrap breaks text into lines of at most width bytes at spaces (a longer
// word keeps its own line), indenting every line but the first.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		switch {
		case i == 0:
		case n+1+len(w) > width:
			b.WriteString("\n" + indent)
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
