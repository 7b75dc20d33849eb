package profilegen

import (
	"bytes"

	"github.com/recorder-dev/recorder/audit"
)

// Package pipeline names the group of a record (it imports this package, so
// these tests cannot use it). These are the groupings the tests need, as
// pipeline defines them.
type groupBy func(r *audit.Record) []byte

// NoneGroup is pipeline.NoneGroup.
const NoneGroup = "all"

var (
	groupExe groupBy = func(r *audit.Record) []byte {
		exe := bytes.TrimSuffix(r.Exe, []byte(" (deleted)"))
		if i := bytes.LastIndexByte(exe, '/'); i >= 0 {
			exe = exe[i+1:]
		}
		if len(exe) == 0 || string(r.Exe) == "(null)" {
			return r.Comm
		}
		return exe
	}
	groupComm groupBy = func(r *audit.Record) []byte { return r.Comm }
	groupNone groupBy = func(*audit.Record) []byte { return []byte(NoneGroup) }
)

// testGroupings is the grouping of each Set a test made with newSet.
var testGroupings = map[*Set]groupBy{}

func newSet(g groupBy) *Set {
	s := NewSet()
	testGroupings[s] = g
	return s
}

// add adds r to s in the group s's grouping names.
func add(s *Set, r *audit.Record) { s.Add(testGroupings[s](r), r) }
