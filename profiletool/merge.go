package profiletool

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// ErrIncompatible: profiles that cannot be merged without changing what one
// of them means.
var ErrIncompatible = errors.New("profiles cannot be merged")

// Merge returns the union of profiles: a call any of them lets through is
// let through, as the one that allows it most does (ALLOW over LOG), on
// every architecture any of them lists (ordered as profilegen orders
// them). A call every profile denies keeps a rule that denies it some way
// other than the default (the durable rule's ENOSYS, a KILL); a call a
// conditional rule decides keeps its conditions, and a conditional rule
// that denies is kept only when every other profile denies the call too.
// The rules come in this order: the unconditional ones, one per action
// (ALLOW, LOG, then the others by name) with sorted names, then the
// conditional ones in the order met. Rules that repeat the default action
// are left out.
//
// The union of the durable profiles of two recordings is the durable
// profile of both: their ENOSYS rules hold the fallbacks no one allowed,
// and they are left out when the union's architectures disagree on
// ENOSYS's number, as profilegen leaves them out.
//
// The error wraps ErrIncompatible when the default actions (or
// listenerPath, listenerMetadata) differ, when two profiles deny one call
// with different unconditional actions, or when one allows a call on
// conditions that another's unconditional denying rule would override.
func Merge(ps ...*specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	if len(ps) == 0 || slices.Contains(ps, nil) {
		return nil, fmt.Errorf("merge: %w: no profile", profilegen.ErrProfile)
	}
	first := ps[0]
	def := defaultAct(first)
	out := &specs.LinuxSeccomp{DefaultAction: first.DefaultAction, DefaultErrnoRet: first.DefaultErrnoRet,
		ListenerPath: first.ListenerPath, ListenerMetadata: first.ListenerMetadata}
	arches := map[string]struct{}{}
	for i, p := range ps {
		if d := defaultAct(p); d != def {
			return nil, fmt.Errorf("%w: default actions differ: %s in profile 1, %s in profile %d", ErrIncompatible, def, d, i+1)
		}
		if p.ListenerPath != first.ListenerPath || p.ListenerMetadata != first.ListenerMetadata {
			return nil, fmt.Errorf("%w: profile %d hands calls to another listener (listenerPath, listenerMetadata)", ErrIncompatible, i+1)
		}
		for _, f := range p.Flags {
			if !slices.Contains(out.Flags, f) {
				out.Flags = append(out.Flags, f)
			}
		}
		for _, a := range p.Architectures {
			arches[string(a)] = struct{}{}
		}
	}
	out.Architectures = profilegen.OrderArches(arches, false)
	ps = dropWrongENOSYS(ps, out.Architectures)

	uncond, err := mergeUnconditional(ps, def)
	if err != nil {
		return nil, err
	}
	byAct := map[Act][]string{}
	for n, a := range uncond {
		byAct[a] = append(byAct[a], n)
	}
	for _, a := range slices.SortedFunc(maps.Keys(byAct), actOrder) {
		out.Syscalls = append(out.Syscalls, actRule(a, slices.Sorted(slices.Values(byAct[a]))))
	}
	cond, err := mergeConditional(ps, uncond, def)
	if err != nil {
		return nil, err
	}
	out.Syscalls = append(out.Syscalls, cond...)
	return out, nil
}

// dropWrongENOSYS returns ps without the ENOSYS rules (of durable
// profiles, profilegen.IsDurableRule) whose errnoRet is not ENOSYS on
// every architecture of the union: one would answer another errno there
// (MIPS's ENOSYS is 89, 38 elsewhere). profilegen leaves the rule out of
// such profiles too.
func dropWrongENOSYS(ps []*specs.LinuxSeccomp, arches []specs.Arch) []*specs.LinuxSeccomp {
	out := make([]*specs.LinuxSeccomp, len(ps))
	for i, p := range ps {
		c := *p
		c.Syscalls = slices.DeleteFunc(slices.Clone(p.Syscalls), func(r specs.LinuxSyscall) bool {
			return profilegen.IsDurableRule(r) && slices.ContainsFunc(arches, func(a specs.Arch) bool {
				e, ok := profilegen.ENOSYS(string(a))
				return ok && e != *r.ErrnoRet
			})
		})
		out[i] = &c
	}
	return out
}

// firstUnconditional returns, per name, the action of the first
// unconditional rule of p that names it: the one libseccomp applies.
func firstUnconditional(p *specs.LinuxSeccomp) map[string]Act {
	m := map[string]Act{}
	for _, r := range p.Syscalls {
		if len(r.Args) > 0 {
			continue
		}
		for _, n := range r.Names {
			if _, ok := m[n]; !ok {
				m[n] = ruleAct(r)
			}
		}
	}
	return m
}

// mergeUnconditional returns the union's unconditional action per name,
// leaving out what the default action does anyway.
func mergeUnconditional(ps []*specs.LinuxSeccomp, def Act) (map[string]Act, error) {
	firsts := make([]map[string]Act, len(ps))
	names := map[string]bool{}
	for i, p := range ps {
		firsts[i] = firstUnconditional(p)
		for n := range firsts[i] {
			names[n] = true
		}
	}
	out := map[string]Act{}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		var allow, deny *Act
		denyFrom := 0
		for i := range ps {
			a, ok := firsts[i][n]
			if !ok || a == def {
				a = def // the profile leaves the call to the default
			}
			switch {
			case a.Allows():
				if allow == nil || a.Action == specs.ActAllow {
					allow = &a
				}
			case a == def:
			case deny != nil && *deny != a:
				return nil, fmt.Errorf("%w: %s is %s in profile %d and %s in profile %d", ErrIncompatible, pipeline.Quote(n), *deny, denyFrom, a, i+1)
			default:
				deny, denyFrom = &a, i+1
			}
		}
		switch {
		case allow != nil && *allow != def:
			out[n] = *allow
		case allow == nil && deny != nil:
			out[n] = *deny
		}
	}
	return out, nil
}

// mergeConditional returns the conditional rules of ps that still count in
// the union whose unconditional actions are uncond: those of calls with
// no unconditional rule, identical rules made one.
func mergeConditional(ps []*specs.LinuxSeccomp, uncond map[string]Act, def Act) ([]specs.LinuxSyscall, error) {
	var out []specs.LinuxSyscall
	index := map[string]int{} // rule key -> index in out
	for i, p := range ps {
		own := firstUnconditional(p)
		for _, r := range p.Syscalls {
			if len(r.Args) == 0 {
				continue
			}
			a := ruleAct(r)
			var names []string
			for _, n := range r.Names {
				u, decided := uncond[n]
				_, dead := own[n] // p's own unconditional rule overrides the conditions
				switch {
				case dead:
					continue
				case decided && u.Allows():
					continue // allowed whatever the arguments
				case decided && a.Allows():
					return nil, fmt.Errorf("%w: %s is allowed on conditions in profile %d, and %s without conditions in another: that rule would override the conditions", ErrIncompatible, pipeline.Quote(n), i+1, u)
				case !a.Allows() && !deniedByAll(ps, i, n, r):
					continue // another profile lets the call through on these arguments
				}
				names = append(names, n)
			}
			if len(names) == 0 {
				continue
			}
			key := condKey(r)
			if j, ok := index[key]; ok {
				for _, n := range names {
					if !slices.Contains(out[j].Names, n) {
						out[j].Names = append(out[j].Names, n)
					}
				}
				continue
			}
			index[key] = len(out)
			rule := cloneRule(r)
			rule.Names = names
			out = append(out, rule)
		}
	}
	for i := range out {
		slices.Sort(out[i].Names)
	}
	return out, nil
}

// deniedByAll reports whether every profile but ps[self] denies name when
// the conditions of r hold: with an unconditional denying rule, an
// identical conditional rule, or a denying default and no rule that allows
// the call on conditions.
func deniedByAll(ps []*specs.LinuxSeccomp, self int, name string, r specs.LinuxSyscall) bool {
	for i, p := range ps {
		if i == self {
			continue
		}
		v := Evaluate(p, "", name)
		if v.Outcome == Denied {
			continue
		}
		same := slices.ContainsFunc(v.Conditional, func(j int) bool {
			c := p.Syscalls[j]
			return ruleAct(c) == ruleAct(r) && reflect.DeepEqual(c.Args, r.Args)
		})
		if !same {
			return false
		}
	}
	return true
}

// condKey identifies a conditional rule by its action and conditions.
func condKey(r specs.LinuxSyscall) string {
	args, _ := json.Marshal(r.Args)
	return ruleAct(r).String() + string(args)
}

// actOrder orders actions for rules: ALLOW, LOG, then by name.
func actOrder(a, b Act) int {
	rank := func(a Act) int {
		switch a.Action {
		case specs.ActAllow:
			return 0
		case specs.ActLog:
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Action, b.Action), cmp.Compare(a.Ret, b.Ret))
}

// actRule returns the unconditional rule of a for names; EPERM errno is
// left unset, as profilegen writes it.
func actRule(a Act, names []string) specs.LinuxSyscall {
	r := specs.LinuxSyscall{Names: names, Action: a.Action}
	if (a.Action == specs.ActErrno && a.Ret != eperm) || (a.Action == specs.ActTrace && a.Ret != 0) {
		ret := a.Ret
		r.ErrnoRet = &ret
	}
	return r
}
