package runner

import (
	"testing"

	"github.com/recorder-dev/recorder/source"
)

// TestOrderKept: the end marker proves that no record of the program is in
// flight only when the kernel sent every record at its first try.
func TestOrderKept(t *testing.T) {
	const self, other = 100, 200
	for _, tt := range []struct {
		name          string
		before, after source.Stats
		daemonAfter   uint32
		want          bool
	}{
		{"nothing moved", source.Stats{}, source.Stats{}, self, true},
		{"counters as before", source.Stats{NoBufs: 2, KernelLost: 3}, source.Stats{NoBufs: 2, KernelLost: 3}, self, true},
		{"socket full: a record requeued", source.Stats{}, source.Stats{NoBufs: 1}, self, false},
		{"kernel lost records", source.Stats{}, source.Stats{KernelLost: 1}, self, false},
		{"daemon changed: hold queue", source.Stats{}, source.Stats{}, other, false},
		{"dropped and registered again: hold queue", source.Stats{}, source.Stats{Rejoined: 1}, self, false},
	} {
		if got := orderKept(tt.before, tt.after, self, tt.daemonAfter); got != tt.want {
			t.Errorf("%s: orderKept = %v, want %v", tt.name, got, tt.want)
		}
	}
}
