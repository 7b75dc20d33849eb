package pipeline

import (
	"fmt"
	"regexp"
	"strconv"
)

// Select is what the flags that choose records say, as every command
// (replay, watch, record, check) takes them: --exe and --comm regular
// expressions, --pid, --uid and --auid ("" for any; a number, or "unset"
// for auid's 4294967295).
type Select struct {
	Exe, Comm string
	PID       int32
	UID, AUID string
}

// auidUnset is the auid of a process of no login session.
const auidUnset = 1<<32 - 1

// NewFilter returns the Filter of s: the records of s.PID (0: any) whose
// executable path and comm match the regular expressions s.Exe and s.Comm
// and whose uid= and auid= are s.UID and s.AUID (each when not empty). A
// bad value is an error naming its flag (--exe, --comm, --uid, --auid): a
// usage error of the command.
func NewFilter(s Select) (*Filter, error) {
	f := &Filter{PID: s.PID}
	for _, re := range []struct {
		flag, expr string
		to         **regexp.Regexp
	}{{"--exe", s.Exe, &f.Exe}, {"--comm", s.Comm, &f.Comm}} {
		if re.expr == "" {
			continue
		}
		var err error
		if *re.to, err = regexp.Compile(re.expr); err != nil {
			return nil, fmt.Errorf("%s: %w", re.flag, err)
		}
	}
	for _, id := range []struct {
		flag, val string
		to        **uint32
	}{{"--uid", s.UID, &f.UID}, {"--auid", s.AUID, &f.AUID}} {
		if id.val == "" {
			continue
		}
		n, err := parseID(id.val, id.flag == "--auid")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id.flag, err)
		}
		*id.to = &n
	}
	return f, nil
}

// parseID reads a uid (a decimal number below 2^32), or "unset" when
// unset is allowed (an auid).
func parseID(s string, unset bool) (uint32, error) {
	if unset && s == "unset" {
		return auidUnset, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a user id (a number)", s)
	}
	return uint32(n), nil
}
