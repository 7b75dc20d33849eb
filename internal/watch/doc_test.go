package watch

import (
	"os"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

// docRecords returns the example record lines of a doc.go: its indented
// comment lines that hold "audit(".
func docRecords(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l, ok := strings.CutPrefix(l, "//\t"); ok && strings.Contains(l, "audit(") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s shows no record", file)
	}
	return lines
}

// TestDocExample: the line doc.go shows is one a source gives (the netlink
// source's Next returns "type=1326 audit(…): …"), and is a record.
func TestDocExample(t *testing.T) {
	for _, l := range docRecords(t, "doc.go") {
		var r audit.Record
		if k, err := audit.Parse([]byte(l), &r); k != audit.KindSeccomp || err != nil {
			t.Errorf("doc.go's %q: %v, %v; want a seccomp record", l, k, err)
		}
	}
}
