package profilegen

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/syscalls"
)

// ErrNoGroup: Build was asked for a group the Set does not hold.
var ErrNoGroup = errors.New("no such group")

// Options tell Build what to add to the observed calls.
type Options struct {
	Base        Base
	Companions  bool // also list the observed ABIs' companions (see Companions)
	AllowDenied bool // also allow calls seen only with denying actions
	// Merge are existing profiles (--merge FILE) whose SCMP_ACT_ALLOW rules
	// and architectures every profile written gets: Build adds the names of
	// their unconditional ALLOW rules, and Output.Write their conditional
	// ones, conditions kept, through MergeRules.
	Merge []*specs.LinuxSeccomp
	// MergeRules merges what Merge's profiles allow, conditions kept, into
	// a profile about to be written (profiletool.MergeAllowed, the algebra
	// of recorder merge, which this package cannot import). Output.Write
	// refuses to drop a condition: with Merge's profiles holding
	// conditional ALLOW rules and no MergeRules, it fails.
	MergeRules func(p *specs.LinuxSeccomp, merge []*specs.LinuxSeccomp) (*specs.LinuxSeccomp, error)
	// Durable adds the rule that answers the fallback-guarded calls the
	// profile does not allow with ENOSYS (see DurableRule).
	Durable bool
}

// merged returns what opt.Merge's profiles allow.
func (opt Options) merged() *known {
	k := newKnown()
	for _, p := range opt.Merge {
		k.add(p)
	}
	return k
}

// always are allowed in every profile: a process that cannot exit spins.
var always = []string{"exit", "exit_group"}

// Report is what Build saw for a group, for the summary.
type Report struct {
	Group   string
	Records uint64                  // records of the group
	Actions map[audit.Action]uint64 // records per action
	// Names are those the profile allows, sorted; Observed those of them
	// that records showed allowed or logged (or denied, with AllowDenied).
	Names, Observed []string
	Violations      []Violation      // calls a filter denied, sorted
	Unknown         []UnknownSyscall // numbers without a name, sorted
}

// Violation is a call a filter denied (ERRNO, KILL_*, TRAP, TRACE,
// USER_NOTIF, or an action of unknown code).
type Violation struct {
	Name   string
	Arch   string // OCI name
	Action audit.Action
	Count  uint64
	PID    int32  // of the first record seen
	Comm   string // of the first record seen
}

// UnknownSyscall is a number that could not be named: libseccomp does not
// know it, or its arch= is not in the table. The call is not in the profile.
type UnknownSyscall struct {
	Arch   string // OCI name, or arch= in hex ("00000000": the record had none)
	Nr     int64
	Action audit.Action
	Count  uint64
}

// Build makes the profile of group: defaultAction SCMP_ACT_ERRNO, the
// observed ABIs as architectures (and their companions with
// opt.Companions), and one SCMP_ACT_ALLOW rule with, sorted, the names seen
// allowed or logged, exit and exit_group, the base's names and those given
// to AddProfile or in opt.Merge, and with opt.Durable the DurableRule.
// Names of all ABIs share the rule: a runtime resolves each
// name per ABI and skips those an ABI lacks. Build does not change s. On
// error it returns no profile.
func Build(s *Set, group string, opt Options) (*specs.LinuxSeccomp, *Report, error) {
	keys, hasKeys := s.groups[group]
	kp, hasProfile := s.profiles[group]
	if !hasKeys && !hasProfile {
		return nil, nil, fmt.Errorf("build %q: %w", group, ErrNoGroup)
	}
	rep := &Report{Group: group, Actions: make(map[audit.Action]uint64)}
	names := make(map[string]struct{})
	archSet := make(map[string]struct{})
	if err := observe(keys, opt, rep, names, archSet); err != nil {
		return nil, nil, fmt.Errorf("build %q: %w", group, err)
	}
	rep.Observed = slices.Sorted(maps.Keys(names))
	for _, n := range slices.Concat(always, opt.Base.Names) {
		names[n] = struct{}{}
	}
	for _, k := range []*known{kp, opt.merged()} {
		if k != nil {
			maps.Copy(names, k.names)
			maps.Copy(archSet, k.arches)
		}
	}
	rep.Names = slices.Sorted(maps.Keys(names))
	SortReport(rep)
	p := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: OrderArches(archSet, opt.Companions),
		Syscalls:      []specs.LinuxSyscall{{Names: rep.Names, Action: specs.ActAllow}},
	}
	if opt.Durable {
		withDurable(p)
	}
	return p, rep, nil
}

// observe names each key of a group and sorts it into names (to allow),
// violations and unknown numbers.
func observe(keys map[Key]*Seen, opt Options, rep *Report, names, archSet map[string]struct{}) error {
	violations := make(map[Violation]*Violation)
	for k, seen := range keys {
		rep.Records += seen.Count
		rep.Actions[k.Action] += seen.Count
		a, nr, ok := syscalls.ABI(k.Arch, k.Syscall)
		if !ok {
			rep.Unknown = append(rep.Unknown, UnknownSyscall{fmt.Sprintf("%08x", k.Arch), k.Syscall, k.Action, seen.Count})
			continue
		}
		archSet[a.OCI] = struct{}{}
		name, err := syscalls.Name(a, nr)
		if errors.Is(err, syscalls.ErrUnknownSyscall) {
			rep.Unknown = append(rep.Unknown, UnknownSyscall{a.OCI, nr, k.Action, seen.Count})
			continue
		}
		if err != nil {
			return err
		}
		denied := k.Action.Denies()
		if !denied || opt.AllowDenied {
			names[name] = struct{}{}
		}
		if denied {
			addViolation(violations, Violation{Name: name, Arch: a.OCI, Action: k.Action}, seen)
		}
	}
	for _, v := range violations {
		rep.Violations = append(rep.Violations, *v)
	}
	return nil
}

// addViolation counts seen under v (two numbers of one ABI could share a
// name in libseccomp's tables). The first pid and comm kept
// are those of the smallest pid, so that the report does not depend on map
// order.
func addViolation(m map[Violation]*Violation, v Violation, seen *Seen) {
	key := Violation{Name: v.Name, Arch: v.Arch, Action: v.Action}
	e := m[key]
	if e == nil {
		v.Count, v.PID, v.Comm = seen.Count, seen.PID, seen.Comm
		m[key] = &v
		return
	}
	e.Count += seen.Count
	if seen.PID < e.PID {
		e.PID, e.Comm = seen.PID, seen.Comm
	}
}

// SortReport sorts a report's violations (by name, architecture, action)
// and unknown numbers (by architecture, number, action), as Build does.
func SortReport(rep *Report) {
	slices.SortFunc(rep.Violations, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Action, b.Action))
	})
	slices.SortFunc(rep.Unknown, func(a, b UnknownSyscall) int {
		return cmp.Or(cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Nr, b.Nr), cmp.Compare(a.Action, b.Action))
	})
}

// MergeReports returns the report of the groups of reps taken as one,
// named group, as Build would make it of their records together: counts
// summed, names unioned, a violation or an unknown number seen in several
// counted once with the counts summed (keeping the pid and comm of the
// smallest pid), sorted as SortReport does. reps are not changed.
func MergeReports(group string, reps ...*Report) *Report {
	out := &Report{Group: group, Actions: make(map[audit.Action]uint64)}
	violations := make(map[Violation]*Violation)
	unknown := make(map[UnknownSyscall]*UnknownSyscall)
	for _, r := range reps {
		out.Records += r.Records
		for a, n := range r.Actions {
			out.Actions[a] += n
		}
		out.Names = append(out.Names, r.Names...)
		out.Observed = append(out.Observed, r.Observed...)
		for _, v := range r.Violations {
			addViolation(violations, v, &Seen{Count: v.Count, PID: v.PID, Comm: v.Comm})
		}
		for _, u := range r.Unknown {
			k := UnknownSyscall{Arch: u.Arch, Nr: u.Nr, Action: u.Action}
			if e := unknown[k]; e != nil {
				e.Count += u.Count
			} else {
				unknown[k] = &u
			}
		}
	}
	out.Names = slices.Compact(slices.Sorted(slices.Values(out.Names)))
	out.Observed = slices.Compact(slices.Sorted(slices.Values(out.Observed)))
	for _, v := range violations {
		out.Violations = append(out.Violations, *v)
	}
	for _, u := range unknown {
		out.Unknown = append(out.Unknown, *u)
	}
	SortReport(out)
	return out
}
