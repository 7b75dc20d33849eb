package usage

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestFlags(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.StringP("output", "o", "-", "write to `FILE`")
	fs.Bool("quiet", false, "print nothing")
	fs.String("json", "", "as JSON to `FILE`")
	fs.Lookup("json").NoOptDefVal = "-"
	fs.String("a-rather-long-flag-name", "", "the `METAVARIABLE` of a flag so long that its text starts on the next line, and wraps")
	fs.SortFlags = false
	got := Flags(fs, 60)
	want := `  -o, --output FILE             write to FILE (default -)
      --quiet                   print nothing
      --json[=FILE]             as JSON to FILE
      --a-rather-long-flag-name METAVARIABLE
                                the METAVARIABLE of a flag
                                so long that its text starts
                                on the next line, and wraps
`
	if got != want {
		t.Errorf("Flags:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 60 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
}
