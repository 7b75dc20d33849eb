package pipeline

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/recorder-dev/recorder/internal/usage"
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

// SelectError is a value of a Select that NewFilter cannot take: Field
// names it ("Exe", "Comm", "UID", "AUID"); the command words it with its
// flag. Err wraps a usage.Error.
type SelectError struct {
	Field string
	Err   error
}

func (e *SelectError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *SelectError) Unwrap() error { return e.Err }

// auidUnset is the auid of a process of no login session.
const auidUnset = 1<<32 - 1

// NewFilter returns the Filter of s: the records of s.PID (0: any) whose
// executable path and comm match the regular expressions s.Exe and s.Comm
// and whose uid= and auid= are s.UID and s.AUID (each when not empty). A
// bad value is a *SelectError naming its field, which wraps a usage.Error.
func NewFilter(s Select) (*Filter, error) {
	f := &Filter{PID: s.PID}
	for _, re := range []struct {
		field, expr string
		to          **regexp.Regexp
	}{{"Exe", s.Exe, &f.Exe}, {"Comm", s.Comm, &f.Comm}} {
		if re.expr == "" {
			continue
		}
		var err error
		if *re.to, err = regexp.Compile(re.expr); err != nil {
			return nil, &SelectError{re.field, usage.Wrap(err)}
		}
	}
	for _, id := range []struct {
		field, val string
		to         **uint32
	}{{"UID", s.UID, &f.UID}, {"AUID", s.AUID, &f.AUID}} {
		if id.val == "" {
			continue
		}
		n, err := parseID(id.val, id.field == "AUID")
		if err != nil {
			return nil, &SelectError{id.field, usage.Wrap(err)}
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
