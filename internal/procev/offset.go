package procev

import "time"

// offsetSamples is how many brackets bootOffset reads.
const offsetSamples = 8

// bootOffset is the wall clock less the boot clock, read as wall, boot,
// wall, several times, from the bracket whose two wall readings are
// closest. A single pair of readings is off by however long the thread was
// preempted between them: under load that is milliseconds, more than the
// Tracker's Slack, and every record of a short-lived process then falls
// outside its life (seen: 51,645 of a fork storm's 90,031 records
// unattributed, in a full test run on two busy cores). Zero when the boot
// clock cannot be read.
func bootOffset(wall func() int64, boot func() (int64, bool)) time.Duration {
	best, gap := int64(0), int64(-1)
	for range offsetSamples {
		w1 := wall()
		b, ok := boot()
		if !ok {
			return 0
		}
		w2 := wall()
		if d := w2 - w1; gap < 0 || d < gap {
			gap, best = d, w1+d/2-b
		}
	}
	return time.Duration(best)
}
