package procev

import (
	"testing"
	"time"
)

// TestBootOffsetPreempted: a thread preempted between its readings of the
// two clocks (here 30 ms, in all but one bracket) does not move the offset
// past the bracket that was not.
func TestBootOffsetPreempted(t *testing.T) {
	const truth = 1_700_000_000 * int64(time.Second)
	for _, calm := range []int{0, 3, offsetSamples - 1} {
		var now int64 // the boot clock, ns; the wall clock is truth ahead
		reads := 0
		wall := func() int64 { now += 100; return now + truth }
		boot := func() (int64, bool) {
			if reads++; reads-1 != calm {
				now += int64(30 * time.Millisecond) // preempted before the boot clock was read
			}
			now += 50
			return now, true
		}
		got := time.Duration(bootOffset(wall, boot))
		if d := got - time.Duration(truth); d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("calm bracket %d: offset off by %v", calm, d)
		}
	}
	if got := bootOffset(func() int64 { return 1 }, func() (int64, bool) { return 0, false }); got != 0 {
		t.Errorf("unreadable boot clock: %v, want 0", got)
	}
}
