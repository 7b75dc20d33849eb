//go:build !linux

package containers

import (
	"errors"
	"time"
)

// bootTime: containers are attributed on Linux only.
func bootTime() (time.Time, error) {
	return time.Time{}, errors.New("container attribution needs Linux")
}
