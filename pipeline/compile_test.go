package pipeline

import (
	"errors"
	"testing"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/usage"
)

// TestNewFilter: the flags' filter, and their errors named by flag.
func TestNewFilter(t *testing.T) {
	f, err := NewFilter(Select{Exe: "^/usr/bin/", PID: 7})
	if err != nil || f.Exe == nil || f.Comm != nil || f.PID != 7 || f.UID != nil || f.AUID != nil {
		t.Fatalf("NewFilter = %+v, %v", f, err)
	}
	for _, tc := range []struct {
		s     Select
		field string
	}{
		{Select{Exe: "("}, "Exe"},
		{Select{Comm: "[a"}, "Comm"},
		{Select{UID: "root"}, "UID"},
		{Select{UID: "-1"}, "UID"},
		{Select{UID: "4294967296"}, "UID"},
		{Select{UID: "unset"}, "UID"},
		{Select{AUID: "x"}, "AUID"},
	} {
		_, err := NewFilter(tc.s)
		var se *SelectError
		if !errors.As(err, &se) || se.Field != tc.field || !errors.As(err, new(usage.Error)) {
			t.Errorf("NewFilter(%+v) = %v; want a *SelectError of %s, a usage.Error", tc.s, err, tc.field)
		}
	}
}

// TestFilterUsers: --uid and --auid keep the records of one user, and
// "unset" is the auid of no login session.
func TestFilterUsers(t *testing.T) {
	rec := func(uid, auid uint32) *Record { return &Record{Record: audit.Record{UID: uid, AUID: auid}} }
	for _, tc := range []struct {
		s    Select
		r    *Record
		want bool
	}{
		{Select{UID: "0"}, rec(0, 1000), true},
		{Select{UID: "0"}, rec(1000, 1000), false},
		{Select{AUID: "1000"}, rec(0, 1000), true},
		{Select{AUID: "unset"}, rec(0, 1<<32-1), true},
		{Select{AUID: "unset"}, rec(0, 0), false},
		{Select{UID: "0", AUID: "unset"}, rec(0, 1000), false},
		{Select{}, rec(1000, 5), true},
	} {
		f, err := NewFilter(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(tc.r); got != tc.want {
			t.Errorf("%+v matches uid %d auid %d: %v; want %v", tc.s, tc.r.UID, tc.r.AUID, got, tc.want)
		}
	}
}
