package pipeline

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
	"github.com/recorder-dev/recorder/syscalls"
)

// Bounds of what an Explain keeps.
const (
	// StartupWindow: a call is startup-only when every record of it came
	// within this long of the first record of its process. A dynamic
	// program's loader and libc set-up take a few milliseconds, a Go
	// runtime's tens, a JVM's a second or more; a record stamp has
	// millisecond resolution.
	StartupWindow = time.Second
	// MaxNames is how many distinct executables, and comms, a call keeps.
	MaxNames = 4
	// MaxProcs is how many processes an Explain remembers the first record
	// of; when it is full it starts over, and says so (ProcResets).
	MaxProcs = 1 << 16
	// maxLine bounds the first record's line kept per call.
	maxLine = 2048
)

// Explain keeps, for each group and call a pipeline saw, what tells why the
// call is in the group's profile: how many records, the first and last
// time (the records' audit stamps), the executables and comms that made
// it, the audit serial and the line of the first record, and how long
// after its process's first record it was made. It keeps the groups and
// calls the pipeline's Set keeps, under the group the Set counts them in
// (profilegen.OverflowGroup past Limits.Groups), so memory grows with
// them and with processes (MaxProcs), never with records; a record of a
// known call and process costs no allocation. Give it to a pipeline in
// Config.Explain; it is not safe for concurrent use (ReadFrom then parses
// on one core).
type Explain struct {
	calls map[string]map[profilegen.Key]*CallInfo
	procs map[int32]*proc
	names map[string]string // exes and comms, each kept once
	// ProcResets counts the times the table of processes was full and
	// started over: a process met before a reset and seen again after it
	// counts as starting then, so startup-only may be wrong for its calls.
	ProcResets uint64
}

// proc is a process as Explain tells them apart: a pid and its executable
// (an exec, or the pid used again, starts a new one).
type proc struct {
	exe   string
	first int64 // ms since the epoch of its first record
}

// CallInfo is what an Explain knows of one call of one group.
type CallInfo struct {
	Records     uint64
	First, Last int64  // ms since the epoch (audit stamps); 0 when no record had a time
	Serial      uint64 // audit serial of the first record: a sample to look up (ausearch -a)
	At          Pos    // where the first record came from
	Line        string // the first record's line (cut to 2 KiB; empty for records not read from a log)
	Exes, Comms []string
	// OtherExes and OtherComms count the records whose executable or comm
	// was not kept (MaxNames were already).
	OtherExes, OtherComms uint64
	// SinceStart is the longest time, in ms, between a record of the call
	// and its process's first record.
	SinceStart int64
	// Untimed counts the records with no time (journald lines have no
	// audit stamp): startup-only cannot be told for them.
	Untimed uint64
}

// StartupOnly reports whether every record came within StartupWindow of
// its process's first record; ok is false when some record had no time.
func (c *CallInfo) StartupOnly() (only, ok bool) {
	return c.SinceStart <= StartupWindow.Milliseconds(), c.Untimed == 0
}

// NewExplain returns an empty Explain.
func NewExplain() *Explain {
	return &Explain{calls: map[string]map[profilegen.Key]*CallInfo{}, procs: map[int32]*proc{}, names: map[string]string{}}
}

// Call returns what e knows of the call k of group, nil when none (or e is
// nil).
func (e *Explain) Call(group string, k profilegen.Key) *CallInfo {
	if e == nil {
		return nil
	}
	return e.calls[group][k]
}

// Keys returns the calls e knows of group.
func (e *Explain) Keys(group string) []profilegen.Key {
	return slices.Collect(maps.Keys(e.calls[group]))
}

// add counts r, n times, for the call of group: the pipeline calls it for
// every record its Set keeps, with the group the Set counted it in, the
// line's place and text (nil for records not read from a log).
func (e *Explain) add(group []byte, r *audit.Record, n uint64, at Pos, line []byte) {
	g := e.calls[string(group)]
	if g == nil {
		g = map[profilegen.Key]*CallInfo{}
		e.calls[string(group)] = g
	}
	k := profilegen.Key{Arch: r.Arch, Syscall: r.Syscall, Action: r.Action}
	c := g[k]
	if c == nil {
		c = &CallInfo{Serial: r.Serial, At: at, Line: string(line[:min(len(line), maxLine)])}
		g[k] = c
	}
	c.Records += n
	c.Exes, c.OtherExes = e.note(c.Exes, c.OtherExes, r.Exe, n)
	c.Comms, c.OtherComms = e.note(c.Comms, c.OtherComms, r.Comm, n)
	if r.Sec == 0 {
		c.Untimed += n
		return
	}
	t := r.Sec*1000 + int64(r.Msec)
	if c.First == 0 || t < c.First {
		c.First = t
	}
	c.Last = max(c.Last, t)
	p := e.procs[r.PID]
	if p == nil || p.exe != string(r.Exe) {
		if p == nil && len(e.procs) >= MaxProcs {
			clear(e.procs)
			e.ProcResets++
		}
		p = &proc{exe: e.intern(r.Exe), first: t}
		e.procs[r.PID] = p
	}
	p.first = min(p.first, t)
	c.SinceStart = max(c.SinceStart, t-p.first)
}

// note adds name to the kept names when there is room, or counts it apart.
func (e *Explain) note(kept []string, other uint64, name []byte, n uint64) ([]string, uint64) {
	for _, k := range kept {
		if k == string(name) {
			return kept, other
		}
	}
	if len(kept) < MaxNames {
		return append(kept, e.intern(name)), other
	}
	return kept, other + n
}

// intern returns b as a string allocated once per distinct text, while
// the table holds fewer than MaxProcs texts.
func (e *Explain) intern(b []byte) string {
	if s, ok := e.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(e.names) < MaxProcs {
		e.names[s] = s
	}
	return s
}

// WriteTo writes, for each profile built (the groups of e), one line per
// syscall it allows and why, tab-separated: the group, the syscall, its
// ABI and the action of its records, why it is in the profile (recorded;
// or always, the base, merged for calls no record showed), and for a
// recorded call the count of records, the first and last time, the audit
// serial and place of the first record, whether it is startup-only, and
// the executables and comms. A profile a Finisher made of several groups
// (Built.Sources) tells their records summed. Text from records is quoted
// when it is not plain (see Quote).
func (e *Explain) WriteTo(w io.Writer, built []profilegen.Built, opt profilegen.Options) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Why each syscall is in the profile of each group, written by recorder.\n")
	fmt.Fprintf(&b, "# recorded: records of the call were read; always: exit and exit_group; base NAME: --base; merged: --merge, or an earlier profile.\n")
	fmt.Fprintf(&b, "# Times are the records' audit stamps (UTC). startup-only: yes when every record came within %d ms of its\n", StartupWindow.Milliseconds())
	fmt.Fprintf(&b, "# process's first record (a process is a pid and its executable: an exec starts a new one); ? when records had no time.\n")
	fmt.Fprintf(&b, "# Executables and comms: the first %d of each; +N counts the records of others.\n", MaxNames)
	if e.ProcResets > 0 {
		fmt.Fprintf(&b, "# The table of processes was full %d times (%d processes) and started over: startup-only may be wrong.\n", e.ProcResets, MaxProcs)
	}
	b.WriteString("# group\tsyscall\tarch\twhy\trecords\tfirst\tlast\tserial\tfirst at\tstartup-only\texes\tcomms\n")
	for _, bt := range built {
		type row struct {
			name string
			key  profilegen.Key
			arch string
			c    *CallInfo
		}
		var rows []row
		recorded := map[string]bool{}
		for k, c := range e.callsOf(bt.SourceGroups()) {
			a, nr, ok := syscalls.ABI(k.Arch, k.Syscall)
			if !ok {
				continue
			}
			name, err := syscalls.Name(a, nr)
			if err != nil || !slices.Contains(bt.Report.Names, name) || k.Action.Denies() && !opt.AllowDenied {
				continue
			}
			rows = append(rows, row{name, k, a.OCI, c})
			recorded[name] = true
		}
		for _, n := range bt.Report.Names {
			if !recorded[n] {
				rows = append(rows, row{name: n})
			}
		}
		slices.SortFunc(rows, func(x, y row) int {
			return cmp.Or(cmp.Compare(x.name, y.name), cmp.Compare(x.arch, y.arch), cmp.Compare(x.key.Action, y.key.Action))
		})
		for _, r := range rows {
			if r.c == nil {
				fmt.Fprintf(&b, "%s\t%s\t-\t%s\t0\t-\t-\t-\t-\t-\t-\t-\n", Quote(bt.Group), r.name, why(r.name, bt, opt))
				continue
			}
			c, serial, first := r.c, "-", "-"
			if c.Serial != 0 { // 0: the record had no stamp
				serial = strconv.FormatUint(c.Serial, 10)
			}
			if c.At.Name != "" { // "": not read from a log (record's netlink)
				first = Quote(c.At.String())
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\trecorded %s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", Quote(bt.Group), r.name, r.arch, r.key.Action,
				c.Records, stamp(c.First), stamp(c.Last), serial, first, startup(c), names(c.Exes, c.OtherExes), names(c.Comms, c.OtherComms))
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// callsOf returns what e knows of the calls of groups, one profile's
// (Built.SourceGroups): a group's own, or, for several, each call's
// CallInfo merged over them.
func (e *Explain) callsOf(groups []string) map[profilegen.Key]*CallInfo {
	if len(groups) == 1 {
		return e.calls[groups[0]]
	}
	out := map[profilegen.Key]*CallInfo{}
	for _, g := range groups {
		for k, c := range e.calls[g] {
			if m := out[k]; m != nil {
				m.merge(c)
				continue
			}
			m := *c
			m.Exes, m.Comms = slices.Clone(c.Exes), slices.Clone(c.Comms)
			out[k] = &m
		}
	}
	return out
}

// merge adds what o knows of a call of another group to c: the counts
// summed, the earliest first record's serial, place and line, and the
// names of both (up to MaxNames of each group: the records of a name one
// group did not keep cannot be told apart).
func (c *CallInfo) merge(o *CallInfo) {
	if o.First != 0 && (c.First == 0 || o.First < c.First) {
		c.First, c.Serial, c.At, c.Line = o.First, o.Serial, o.At, o.Line
	}
	c.Records += o.Records
	c.Last = max(c.Last, o.Last)
	for _, n := range o.Exes {
		if !slices.Contains(c.Exes, n) {
			c.Exes = append(c.Exes, n)
		}
	}
	for _, n := range o.Comms {
		if !slices.Contains(c.Comms, n) {
			c.Comms = append(c.Comms, n)
		}
	}
	c.OtherExes += o.OtherExes
	c.OtherComms += o.OtherComms
	c.SinceStart = max(c.SinceStart, o.SinceStart)
	c.Untimed += o.Untimed
}

// why says why a name no record showed is in a profile.
func why(name string, bt profilegen.Built, opt profilegen.Options) string {
	switch {
	case name == "exit" || name == "exit_group":
		return "always"
	case bt.Added != nil && slices.Contains(bt.Added.Names, name):
		return "runtime " + Quote(bt.Added.Name)
	case slices.Contains(opt.Base.Names, name):
		return "base " + Quote(opt.Base.Name)
	}
	return "merged"
}

func stamp(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func startup(c *CallInfo) string {
	only, ok := c.StartupOnly()
	switch {
	case !ok:
		return "?"
	case only:
		return "yes"
	}
	return "no"
}

func names(kept []string, other uint64) string {
	q := make([]string, len(kept))
	for i, k := range kept {
		q[i] = Quote(k)
	}
	if other > 0 {
		q = append(q, "+"+strconv.FormatUint(other, 10))
	}
	return strings.Join(q, " ")
}

// WriteFile writes what WriteTo writes to the output path
// (safefile.WriteOutput): stdout for "-" or /dev/stdout, nowhere for
// /dev/null, else a file, whole or not at all.
func (e *Explain) WriteFile(path string, stdout io.Writer, built []profilegen.Built, opt profilegen.Options) error {
	var b strings.Builder
	e.WriteTo(&b, built, opt)
	if err := safefile.WriteOutput(path, stdout, []byte(b.String())); err != nil {
		return fmt.Errorf("write the explanation: %w", err)
	}
	return nil
}
