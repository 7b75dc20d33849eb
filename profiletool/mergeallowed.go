package profiletool

import (
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profilegen"
)

// MergeAllowed returns the Merge of p, a profile about to be written, with
// what each of merge allows (--merge FILE, record --under's profile): their
// SCMP_ACT_ALLOW rules, conditions kept, on their architectures, as
// recorder merge merges them. A merged profile's other rules (LOG, the
// denials of a recording profile) are not what it allows, and are left
// out, as is a conditional ALLOW that the file's own unconditional rule for
// the call overrides. A call p's durable rule answers with ENOSYS and a
// merged profile allows on conditions is taken out of that rule: the
// conditions decide it. It is profilegen.Options.MergeRules.
func MergeAllowed(p *specs.LinuxSeccomp, merge []*specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	ps := []*specs.LinuxSeccomp{p}
	cond := map[string]bool{}
	for _, m := range merge {
		a := allowedPart(m)
		for _, r := range a.Syscalls {
			for _, n := range r.Names {
				cond[n] = cond[n] || len(r.Args) > 0
			}
		}
		ps = append(ps, a)
	}
	ps[0] = withoutDurable(p, cond)
	return Merge(ps...)
}

// allowedPart returns the SCMP_ACT_ALLOW rules of p that count (a
// conditional one overridden by p's own unconditional rule for the call
// does not), in a profile of Build's default action.
func allowedPart(p *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	own := firstUnconditional(p)
	out := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: slices.Clone(p.Architectures)}
	for _, r := range p.Syscalls {
		if r.Action != specs.ActAllow {
			continue
		}
		r = cloneRule(r)
		if len(r.Args) > 0 {
			r.Names = slices.DeleteFunc(r.Names, func(n string) bool { _, dead := own[n]; return dead })
		}
		if len(r.Names) > 0 {
			out.Syscalls = append(out.Syscalls, r)
		}
	}
	return out
}

// withoutDurable returns p without the names of drop in its durable rule.
func withoutDurable(p *specs.LinuxSeccomp, drop map[string]bool) *specs.LinuxSeccomp {
	c := *p
	c.Syscalls = nil
	for _, r := range p.Syscalls {
		if profilegen.IsDurableRule(r) {
			r = cloneRule(r)
			r.Names = slices.DeleteFunc(r.Names, func(n string) bool { return drop[n] })
			if len(r.Names) == 0 {
				continue
			}
		}
		c.Syscalls = append(c.Syscalls, r)
	}
	return &c
}
