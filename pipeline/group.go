package pipeline

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/recorder-dev/recorder/profilegen"
)

// GroupBy names the group, and so the profile, a record goes into. The
// name is the record's own text (a process picks its comm): hostile, see
// profilegen.FileName.
type GroupBy interface {
	// AppendGroup appends the name of r's group to dst. It should not
	// allocate when dst has room.
	AppendGroup(dst []byte, r *Record) []byte
	// String returns the name ParseGroupBy accepts.
	String() string
}

// The built-in groupings.
var (
	// GroupExe groups by the executable's full path ("/usr/bin/nginx",
	// " (deleted)" dropped), or by comm when the record has no executable
	// (exe empty or "(null)"). It is the default. A program anyone can drop
	// in /tmp (/tmp/x/ls) never shares a profile with a system one
	// (/usr/bin/ls); profilegen.FileName names the file of a path group
	// after its base name, made unique.
	GroupExe GroupBy = exeGroup{}
	// GroupExeName groups by the executable's base name ("nginx"), or by
	// comm: what GroupExe did before. Programs of one name share a profile
	// wherever they are.
	GroupExeName GroupBy = exeNameGroup{}
	// GroupComm groups by the process's comm (which it may change itself).
	GroupComm GroupBy = commGroup{}
	// GroupPID groups by process id, in decimal.
	GroupPID GroupBy = pidGroup{}
	// GroupNone puts every record in the one group NoneGroup.
	GroupNone GroupBy = noneGroup{}
)

// NoneGroup is the only group of GroupNone.
const NoneGroup = profilegen.UnionGroup

// UnnamedGroup is the group of a record with neither exe nor comm.
const UnnamedGroup = "(unnamed)"

// builtin are the groupings ParseGroupBy knows besides those added with
// RegisterGroupBy.
var builtin = []GroupBy{GroupExe, GroupExeName, GroupComm, GroupPID, GroupNone}

// ParseGroupBy returns the grouping named s: exe, exe-name, comm, pid or none, or
// one given to RegisterGroupBy.
func ParseGroupBy(s string) (GroupBy, error) {
	var names []string
	for _, g := range slices.Concat(builtin, registered) {
		if s == g.String() {
			return g, nil
		}
		names = append(names, g.String())
	}
	return nil, fmt.Errorf("group by %q: want %s", s, strings.Join(names, ", "))
}

// registered are groupings added by RegisterGroupBy (by an enricher's package).
var registered []GroupBy

// RegisterGroupBy makes ParseGroupBy know g by its String. It is meant for
// package init functions, such as that of an enricher that adds the
// attribute g groups by.
func RegisterGroupBy(g GroupBy) { registered = append(registered, g) }

type exeGroup struct{}

func (exeGroup) String() string { return "exe" }
func (exeGroup) AppendGroup(dst []byte, r *Record) []byte {
	return appendName(dst, exePath(r.Exe, r.Comm))
}

type exeNameGroup struct{}

func (exeNameGroup) String() string { return "exe-name" }
func (exeNameGroup) AppendGroup(dst []byte, r *Record) []byte {
	return appendName(dst, exeBase(r.Exe, r.Comm))
}

type commGroup struct{}

func (commGroup) String() string { return "comm" }
func (commGroup) AppendGroup(dst []byte, r *Record) []byte {
	return appendName(dst, r.Comm)
}

type pidGroup struct{}

func (pidGroup) String() string { return "pid" }
func (pidGroup) AppendGroup(dst []byte, r *Record) []byte {
	return strconv.AppendInt(dst, int64(r.PID), 10)
}

type noneGroup struct{}

func (noneGroup) String() string                           { return "none" }
func (noneGroup) AppendGroup(dst []byte, _ *Record) []byte { return append(dst, NoneGroup...) }

// GroupByAttr groups by the attribute key that an Enricher sets; records
// without it go to the group missing. name is what String returns (and
// what ParseGroupBy takes once registered).
func GroupByAttr(name, key, missing string) GroupBy { return attrGroup{name, key, missing} }

type attrGroup struct{ name, key, missing string }

func (g attrGroup) String() string { return g.name }
func (g attrGroup) AppendGroup(dst []byte, r *Record) []byte {
	if v, ok := r.Attr(g.key); ok && v != "" {
		return append(dst, v...)
	}
	return append(dst, g.missing...)
}

var (
	nullExe = []byte("(null)")
	deleted = []byte(" (deleted)")
)

// exePath returns exe without " (deleted)", or comm when there is none.
func exePath(exe, comm []byte) []byte {
	if bytes.Equal(exe, nullExe) {
		return comm
	}
	exe = bytes.TrimSuffix(exe, deleted)
	if len(exe) == 0 {
		return comm
	}
	return exe
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
