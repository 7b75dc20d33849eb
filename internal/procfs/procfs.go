package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// ErrStat: a /proc/PID/stat text is not as the kernel writes it.
var ErrStat = errors.New("unreadable /proc/PID/stat")

// startField is the field of /proc/PID/stat that holds the start time, in
// clock ticks after boot (proc(5): starttime).
const startField = 22

// ParseStart returns the start time of a /proc/PID/stat text (field 22,
// clock ticks after boot), or an error wrapping ErrStat.
func ParseStart(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: no comm", ErrStat)
	}
	rest := stat[i+1:]
	for field := 3; ; field++ { // the state, the first field after the comm
		for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\n') {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return 0, fmt.Errorf("%w: %d fields", ErrStat, field-1)
		}
		end := bytes.IndexAny(rest, " \n")
		if end < 0 {
			end = len(rest)
		}
		if field == startField {
			n, ok := decimal(rest[:end])
			if !ok {
				return 0, fmt.Errorf("%w: start time %q", ErrStat, rest[:end])
			}
			return n, nil
		}
		rest = rest[end:]
	}
}

// decimal parses an unsigned decimal number that fits 64 bits.
func decimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// StartTime reads the start time of process pid from /proc (clock ticks
// after boot).
func StartTime(pid int) (uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	n, err := ParseStart(data)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return n, nil
}
