package profilegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/syscalls"
)

// ErrInvalid: a profile that a runtime refuses to load (an action, an
// operator, an architecture or a flag it does not know, an argument index
// past the sixth, ...). It wraps ErrProfile.
var ErrInvalid = fmt.Errorf("%w: invalid", ErrProfile)

// Problem is one reason a runtime refuses a profile.
type Problem struct {
	Rule    int    // the rule's index in syscalls; -1 for the profile as a whole
	Message string // what is wrong, values quoted
}

func (p Problem) String() string {
	if p.Rule < 0 {
		return p.Message
	}
	return "syscalls[" + strconv.Itoa(p.Rule) + "]: " + p.Message
}

// InvalidError lists every Problem of a profile. It wraps ErrInvalid.
type InvalidError struct{ Problems []Problem }

// maxProblemsShown is how many problems an InvalidError's message lists:
// a hostile profile has as many as it has rules (lint lists them all).
const maxProblemsShown = 5

func (e *InvalidError) Error() string {
	n := min(len(e.Problems), maxProblemsShown)
	msgs := make([]string, n, n+1)
	for i, p := range e.Problems[:n] {
		msgs[i] = p.String()
	}
	if more := len(e.Problems) - n; more > 0 {
		msgs = append(msgs, fmt.Sprintf("and %d more (recorder lint lists them)", more))
	}
	return fmt.Sprintf("%s (%d): %s", ErrInvalid, len(e.Problems), strings.Join(msgs, "; "))
}

func (e *InvalidError) Unwrap() error { return ErrInvalid }

// maxArgIndex is the last argument index: a syscall has six arguments.
const maxArgIndex = 5

// Actions, operators and flags are those of the OCI runtime spec that runc
// (libcontainer/seccomp/config.go) converts; any other is refused there.
var (
	knownActions = map[specs.LinuxSeccompAction]bool{
		specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true, specs.ActTrap: true,
		specs.ActErrno: true, specs.ActTrace: true, specs.ActAllow: true, specs.ActLog: true, specs.ActNotify: true,
	}
	knownOps = map[specs.LinuxSeccompOperator]bool{
		specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true, specs.OpEqualTo: true,
		specs.OpGreaterEqual: true, specs.OpGreaterThan: true, specs.OpMaskedEqual: true,
	}
	knownFlags = map[specs.LinuxSeccompFlag]bool{
		"SECCOMP_FILTER_FLAG_TSYNC": true, specs.LinuxSeccompFlagLog: true,
		specs.LinuxSeccompFlagSpecAllow: true, specs.LinuxSeccompFlagWaitKillableRecv: true,
	}
)

// Validate returns what makes p a profile runc refuses to load, as runc
// checks it (libcontainer/specconv SetupSeccomp and libcontainer/seccomp):
// the default and every rule's action known, SCMP_ACT_NOTIFY not the
// default, nor for write, nor without a listenerPath; errnoRet and
// defaultErrnoRet only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (the runtime
// spec's rule; runc ignores them elsewhere); architectures of the table
// (syscalls.ArchByOCI); flags of the runtime spec; names not empty;
// argument indexes 0 to 5 and operators known. A name libseccomp does not
// know is no problem here: runtimes skip it (lint reports it). nil: no
// problem.
func Validate(p *specs.LinuxSeccomp) []Problem {
	var out []Problem
	add := func(rule int, format string, args ...any) {
		out = append(out, Problem{rule, fmt.Sprintf(format, args...)})
	}
	if p == nil {
		return []Problem{{-1, "no profile"}}
	}
	switch {
	case p.DefaultAction == "":
		add(-1, "no defaultAction")
	case !knownActions[p.DefaultAction]:
		add(-1, "defaultAction %s: no such action", quote(string(p.DefaultAction)))
	case p.DefaultAction == specs.ActNotify:
		add(-1, "defaultAction SCMP_ACT_NOTIFY: a notifying default is refused")
	}
	if p.DefaultErrnoRet != nil && !takesErrno(p.DefaultAction) {
		add(-1, "defaultErrnoRet with defaultAction %s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one", quote(string(p.DefaultAction)))
	}
	for _, a := range p.Architectures {
		if _, ok := syscalls.ArchByOCI(string(a)); !ok {
			add(-1, "architecture %s: no such architecture", quote(string(a)))
		}
	}
	for _, f := range p.Flags {
		if !knownFlags[f] {
			add(-1, "flag %s: no such flag", quote(string(f)))
		}
	}
	for i, r := range p.Syscalls {
		validateRule(i, r, p.ListenerPath != "", add)
	}
	return out
}

func validateRule(i int, r specs.LinuxSyscall, listener bool, add func(int, string, ...any)) {
	switch {
	case !knownActions[r.Action]:
		add(i, "action %s: no such action", quote(string(r.Action)))
	case r.Action == specs.ActNotify && !listener:
		add(i, "action SCMP_ACT_NOTIFY without a listenerPath")
	}
	if r.ErrnoRet != nil && !takesErrno(r.Action) {
		add(i, "errnoRet with action %s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one", quote(string(r.Action)))
	}
	for _, n := range r.Names {
		switch {
		case n == "":
			add(i, "an empty name")
		case n == "write" && r.Action == specs.ActNotify:
			add(i, "SCMP_ACT_NOTIFY for write: refused (the runtime writes to the listener)")
		}
	}
	for j, a := range r.Args {
		if a.Index > maxArgIndex {
			add(i, "args[%d]: index %d: a syscall has arguments 0 to %d", j, a.Index, maxArgIndex)
		}
		if !knownOps[a.Op] {
			add(i, "args[%d]: op %s: no such operator", j, quote(string(a.Op)))
		}
	}
}

func takesErrno(a specs.LinuxSeccompAction) bool { return a == specs.ActErrno || a == specs.ActTrace }

// maxQuoted is how many bytes of a value a message quotes.
const maxQuoted = 64

// quote quotes a value of a hostile profile for a message, cut to
// maxQuoted bytes ("..." after the quote says so).
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// validated returns p, or an *InvalidError of its problems.
func validated(p *specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	if ps := Validate(p); len(ps) > 0 {
		return nil, &InvalidError{ps}
	}
	return p, nil
}
