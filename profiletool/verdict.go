package profiletool

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
)

// Act is an action with its return value: SCMP_ACT_ERRNO with EPERM and
// with ENOSYS are different Acts. ERRNO without errnoRet is EPERM, as runc
// loads it.
type Act struct {
	Action specs.LinuxSeccompAction
	Ret    uint // errnoRet of ERRNO (EPERM when unset) and TRACE
}

const eperm = 1

// actOf returns the Act of an action and its errnoRet.
func actOf(a specs.LinuxSeccompAction, ret *uint) Act {
	act := Act{Action: a}
	switch {
	case ret != nil && (a == specs.ActErrno || a == specs.ActTrace):
		act.Ret = *ret
	case a == specs.ActErrno:
		act.Ret = eperm
	case a == specs.ActKill:
		act.Action = specs.ActKillThread // SCMP_ACT_KILL is KILL_THREAD's old name
	}
	return act
}

// ruleAct returns the Act of rule r.
func ruleAct(r specs.LinuxSyscall) Act { return actOf(r.Action, r.ErrnoRet) }

// defaultAct returns the Act of p's default action.
func defaultAct(p *specs.LinuxSeccomp) Act { return actOf(p.DefaultAction, p.DefaultErrnoRet) }

// Allows reports whether the action lets the call through: ALLOW and LOG.
func (a Act) Allows() bool { return a.Action == specs.ActAllow || a.Action == specs.ActLog }

// String returns the action as profiles name it, with its errno when it
// is not EPERM: "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_ERRNO(38)".
// An action that is not plain text (a profile is hostile) is quoted
// (pipeline.Quote).
func (a Act) String() string {
	if (a.Action == specs.ActErrno && a.Ret != eperm) || (a.Action == specs.ActTrace && a.Ret != 0) {
		return string(a.Action) + "(" + strconv.FormatUint(uint64(a.Ret), 10) + ")"
	}
	return pipeline.Quote(string(a.Action))
}

// Outcome is what a profile does with a call, as far as a record (which
// holds no arguments) can tell.
type Outcome int

const (
	// Allowed: an unconditional ALLOW or LOG rule, or an allowing default
	// that no conditional rule narrows.
	Allowed Outcome = iota
	// Denied: a denying rule or default, and no conditional rule that
	// could allow the call; or an ABI the profile does not list.
	Denied
	// MayDeny: conditional rules decide, on arguments a record does not
	// hold.
	MayDeny
)

func (o Outcome) String() string {
	return [...]string{"allowed", "denied", "may deny"}[o]
}

// Verdict is what Evaluate found.
type Verdict struct {
	Outcome Outcome
	// Act is what the call gets: that of the deciding rule, or the
	// default's (with MayDeny: what it gets when no condition matches).
	Act  Act
	Rule int // index in syscalls of the deciding rule; -1 for the default action; -2 for an ABI the profile does not list
	// Conditional are the indexes of the conditional rules that name the
	// call, when they count.
	Conditional []int
}

// Verdict rule numbers that are not rules.
const (
	ByDefault  = -1
	ArchNotSet = -2
)

// Evaluate tells what p does with the call name of the ABI whose OCI name
// is arch ("" for the runtime's native ABI, which a profile without
// architectures is loaded for). It follows libseccomp: the first
// unconditional rule that names the call decides; conditional rules count
// only without one; then the default action. A call of an ABI that p does
// not list (when it lists some) is Denied: the filter does not take it.
func Evaluate(p *specs.LinuxSeccomp, arch, name string) Verdict {
	return newEvaluator(p).eval(arch, name)
}

// evaluator evaluates many calls of one profile: it indexes the rules by
// name once, so that a profile of many names and rules costs linear time.
type evaluator struct {
	p     *specs.LinuxSeccomp
	rules map[string][]int // the rules that name each call, in order
}

func newEvaluator(p *specs.LinuxSeccomp) *evaluator {
	e := &evaluator{p: p, rules: map[string][]int{}}
	for i, r := range p.Syscalls {
		for _, n := range r.Names {
			if l := e.rules[n]; len(l) == 0 || l[len(l)-1] != i {
				e.rules[n] = append(l, i)
			}
		}
	}
	return e
}

func (e *evaluator) eval(arch, name string) Verdict {
	p := e.p
	def := defaultAct(p)
	if arch != "" && len(p.Architectures) > 0 && !slices.Contains(p.Architectures, specs.Arch(arch)) {
		return Verdict{Outcome: Denied, Act: def, Rule: ArchNotSet}
	}
	var cond []int
	for _, i := range e.rules[name] {
		r := p.Syscalls[i]
		if len(r.Args) > 0 {
			cond = append(cond, i)
			continue
		}
		a := ruleAct(r)
		if a.Allows() {
			return Verdict{Outcome: Allowed, Act: a, Rule: i}
		}
		return Verdict{Outcome: Denied, Act: a, Rule: i}
	}
	v := Verdict{Outcome: Denied, Act: def, Rule: ByDefault}
	if def.Allows() {
		v.Outcome = Allowed
	}
	for _, i := range cond {
		if ruleAct(p.Syscalls[i]).Allows() != def.Allows() {
			v.Outcome, v.Conditional = MayDeny, cond
			break
		}
	}
	return v
}

// Describe says where v comes from, such as "SCMP_ACT_ERRNO (default
// action)" or "SCMP_ACT_ALLOW if arg0 == 1 (syscalls[3]); else
// SCMP_ACT_ERRNO (default action)".
func (v Verdict) Describe(p *specs.LinuxSeccomp) string {
	var s string
	switch v.Rule {
	case ByDefault:
		s = v.Act.String() + " (default action)"
	case ArchNotSet:
		s = "architecture not in the profile"
	default:
		s = fmt.Sprintf("%s (syscalls[%d])", v.Act, v.Rule)
	}
	if v.Outcome != MayDeny {
		return s
	}
	var conds string
	for _, i := range v.Conditional {
		r := p.Syscalls[i]
		conds += fmt.Sprintf("%s if %s (syscalls[%d]); ", ruleAct(r), argsText(r.Args), i)
	}
	return conds + "else " + s
}

// argsText writes a rule's conditions as C-like text: "arg0 == 1 && arg1 & 0x7e020000 == 0".
func argsText(args []specs.LinuxSeccompArg) string {
	var s string
	for i, a := range args {
		if i > 0 {
			s += " && "
		}
		v := "0x" + strconv.FormatUint(a.Value, 16)
		if a.Value < 10 {
			v = strconv.FormatUint(a.Value, 10)
		}
		switch a.Op {
		case specs.OpNotEqual:
			s += fmt.Sprintf("arg%d != %s", a.Index, v)
		case specs.OpLessThan:
			s += fmt.Sprintf("arg%d < %s", a.Index, v)
		case specs.OpLessEqual:
			s += fmt.Sprintf("arg%d <= %s", a.Index, v)
		case specs.OpEqualTo:
			s += fmt.Sprintf("arg%d == %s", a.Index, v)
		case specs.OpGreaterEqual:
			s += fmt.Sprintf("arg%d >= %s", a.Index, v)
		case specs.OpGreaterThan:
			s += fmt.Sprintf("arg%d > %s", a.Index, v)
		case specs.OpMaskedEqual:
			s += fmt.Sprintf("arg%d & %s == %#x", a.Index, v, a.ValueTwo)
		default:
			s += fmt.Sprintf("arg%d %s %s", a.Index, pipeline.Quote(string(a.Op)), v)
		}
	}
	return s
}
