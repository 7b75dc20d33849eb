package pipeline

import (
	"strings"
	"testing"
)

// TestNewFilter: the flags' filter, and their errors named by flag.
func TestNewFilter(t *testing.T) {
	f, err := NewFilter("^/usr/bin/", "", 7)
	if err != nil || f.Exe == nil || f.Comm != nil || f.PID != 7 {
		t.Fatalf("NewFilter = %+v, %v", f, err)
	}
	for _, args := range [][2]string{{"(", ""}, {"", "[a"}} {
		flag := "--exe: "
		if args[0] == "" {
			flag = "--comm: "
		}
		if _, err := NewFilter(args[0], args[1], 0); err == nil || !strings.HasPrefix(err.Error(), flag) {
			t.Errorf("NewFilter(%q, %q) = %v; want an error starting %q", args[0], args[1], err, flag)
		}
	}
}
