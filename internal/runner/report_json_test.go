package runner

import (
	"encoding/json"
	"testing"

	"github.com/recorder-dev/recorder/pipeline"
)

// TestDeniedCallJSON: a denied call of run's report is the summary's
// denied call with its fix after it, one flat object, keys in this order.
func TestDeniedCallJSON(t *testing.T) {
	d := DeniedCallJSON{pipeline.DeniedJSON{Name: "reboot", Arch: "SCMP_ARCH_X86_64", Action: "SCMP_ACT_ERRNO", Records: 2, PID: 7, Comm: "x"}, "add reboot"}
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"reboot","arch":"SCMP_ARCH_X86_64","action":"SCMP_ACT_ERRNO","records":2,"pid":7,"comm":"x","fix":"add reboot"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
