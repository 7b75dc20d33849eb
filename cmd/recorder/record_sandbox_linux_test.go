package main

import (
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

// TestOrderKept: the end marker proves that no record of the program is in
// flight only when the kernel sent every record at its first try.
func TestOrderKept(t *testing.T) {
	const self, other = 100, 200
	for _, tt := range []struct {
		name          string
		before, after audit.Stats
		daemonAfter   uint32
		want          bool
	}{
		{"nothing moved", audit.Stats{}, audit.Stats{}, self, true},
		{"counters as before", audit.Stats{NoBufs: 2, KernelLost: 3}, audit.Stats{NoBufs: 2, KernelLost: 3}, self, true},
		{"socket full: a record requeued", audit.Stats{}, audit.Stats{NoBufs: 1}, self, false},
		{"kernel lost records", audit.Stats{}, audit.Stats{KernelLost: 1}, self, false},
		{"daemon changed: hold queue", audit.Stats{}, audit.Stats{}, other, false},
		{"dropped and registered again: hold queue", audit.Stats{}, audit.Stats{Rejoined: 1}, self, false},
	} {
		if got := orderKept(tt.before, tt.after, self, tt.daemonAfter); got != tt.want {
			t.Errorf("%s: orderKept = %v, want %v", tt.name, got, tt.want)
		}
	}
}
