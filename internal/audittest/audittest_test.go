//go:build linux

package audittest

import (
	"os"
	"strings"
	"testing"

	libaudit "github.com/elastic/go-libaudit/v2"
)

// TestKeepRestores changes the backlog limit and the enabled flag inside a
// subtest under Keep: both are back when the subtest ends.
func TestKeepRestores(t *testing.T) {
	NeedRoot(t)
	prev := Status(t)
	t.Run("change", func(t *testing.T) {
		Keep(t)
		c, err := libaudit.NewAuditClient(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SetBacklogLimit(prev.BacklogLimit+123, libaudit.WaitForReply); err != nil {
			t.Fatal(err)
		}
		if err := c.SetEnabled(prev.Enabled == 0, libaudit.WaitForReply); err != nil {
			t.Fatal(err)
		}
		if st := Status(t); st.BacklogLimit != prev.BacklogLimit+123 || (st.Enabled == 0) != (prev.Enabled != 0) {
			t.Fatalf("status not changed: %+v", st)
		}
	})
	if st := Status(t); st.BacklogLimit != prev.BacklogLimit || st.Enabled != prev.Enabled {
		t.Errorf("after the subtest: backlog_limit %d enabled %d, want %d %d", st.BacklogLimit, st.Enabled, prev.BacklogLimit, prev.Enabled)
	}
}

// TestRunLogged runs a program in a fresh session: each run gets a new one.
func TestRunLogged(t *testing.T) {
	NeedRoot(t)
	a, b := RunLogged(t, nil, "true"), RunLogged(t, []string{"X=1"}, "true")
	if a == b || a == 1<<32-1 {
		t.Errorf("sessions %d and %d, want two fresh ones", a, b)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		pid  uint32
		want string
	}{
		{0, ""},
		{uint32(os.Getpid()), " (this test process)"},
		{1<<31 - 2, " (gone)"},
	}
	for _, tt := range tests {
		if got := describe(tt.pid); got != tt.want {
			t.Errorf("describe(%d) = %q, want %q", tt.pid, got, tt.want)
		}
	}
	if got := describe(uint32(os.Getppid())); !strings.HasPrefix(got, " (") || got == " (gone)" {
		t.Errorf("describe(parent) = %q, want its command name", got)
	}
}
