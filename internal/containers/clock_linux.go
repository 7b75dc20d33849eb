package containers

import (
	"time"

	"golang.org/x/sys/unix"
)

// bootTime is the wall-clock time of boot: now less CLOCK_BOOTTIME, the
// clock /proc/PID/stat's start times count.
func bootTime() (time.Time, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}, err
	}
	return time.Now().Add(-time.Duration(ts.Nano())), nil
}
