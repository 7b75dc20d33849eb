package profilegen

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/recorder-dev/recorder/audit"
)

// GroupBy tells how records are split into profiles.
type GroupBy int

const (
	// GroupExe groups by the executable's base name ("/usr/bin/nginx"
	// -> "nginx", " (deleted)" dropped), or by comm when the record has no
	// executable (exe empty or "(null)"). It is the default.
	GroupExe GroupBy = iota
	// GroupComm groups by the process's comm (which it may change itself).
	GroupComm
	// GroupPID groups by process id, in decimal.
	GroupPID
	// GroupNone puts every record in the one group NoneGroup.
	GroupNone
)

// NoneGroup is the only group of GroupNone.
const NoneGroup = "all"

// UnnamedGroup is the group of a record with neither exe nor comm.
const UnnamedGroup = "(unnamed)"

var groupNames = [...]string{GroupExe: "exe", GroupComm: "comm", GroupPID: "pid", GroupNone: "none"}

// ParseGroupBy parses "exe", "comm", "pid" or "none".
func ParseGroupBy(s string) (GroupBy, error) {
	for g, name := range groupNames {
		if s == name {
			return GroupBy(g), nil
		}
	}
	return 0, fmt.Errorf("group by %q: want exe, comm, pid or none", s)
}

// String returns the name ParseGroupBy accepts.
func (g GroupBy) String() string {
	if g >= 0 && int(g) < len(groupNames) {
		return groupNames[g]
	}
	return "GroupBy(" + strconv.Itoa(int(g)) + ")"
}

var (
	nullExe = []byte("(null)")
	deleted = []byte(" (deleted)")
)

// AppendKey appends the name of r's group to dst. It does not allocate when
// dst has room. The name is the record's own text: hostile, see FileName.
func (g GroupBy) AppendKey(dst []byte, r *audit.Record) []byte {
	switch g {
	case GroupComm:
		return appendName(dst, r.Comm)
	case GroupPID:
		return strconv.AppendInt(dst, int64(r.PID), 10)
	case GroupNone:
		return append(dst, NoneGroup...)
	}
	return appendName(dst, exeBase(r.Exe, r.Comm))
}

// exeBase returns the base name of exe, or comm when there is none.
func exeBase(exe, comm []byte) []byte {
	if bytes.Equal(exe, nullExe) {
		return comm
	}
	exe = bytes.TrimSuffix(exe, deleted)
	if i := bytes.LastIndexByte(exe, '/'); i >= 0 {
		exe = exe[i+1:]
	}
	if len(exe) == 0 {
		return comm
	}
	return exe
}

func appendName(dst, name []byte) []byte {
	if len(name) == 0 {
		return append(dst, UnnamedGroup...)
	}
	return append(dst, name...)
}
