package containers

import (
	"os"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

// TestDocExample: the record doc.go shows is a line the netlink source
// gives ("type=1326 audit(…): …", as its Next returns), a record of runc's
// init.
func TestDocExample(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		l, ok := strings.CutPrefix(l, "//\t")
		if !ok || !strings.Contains(l, "audit(") {
			continue
		}
		n++
		var r audit.Record
		if k, err := audit.Parse([]byte(l), &r); k != audit.KindSeccomp || err != nil || string(r.Comm) != "runc:[2:INIT]" {
			t.Errorf("doc.go's %q: %v, %v, comm %q; want a seccomp record of runc's init", l, k, err, r.Comm)
		}
	}
	if n == 0 {
		t.Fatal("doc.go shows no record")
	}
}
