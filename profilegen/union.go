package profilegen

import (
	"fmt"
	"maps"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// Union merges profiles made by Build into one that allows every call any of
// them allows, on every architecture any of them lists (with their
// companions when opt.Companions is set), plus exit, exit_group,
// opt.Base's names and what opt.Merge's profiles allow, and with
// opt.Durable the DurableRule of the union. It takes profiles of Build's
// shape only: defaultAction SCMP_ACT_ERRNO, unconditional SCMP_ACT_ALLOW
// rules and a DurableRule (left out: the union gets its own); any other is
// an error wrapping ErrProfile, and no profile is returned.
func Union(opt Options, ps ...*specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	names := make(map[string]struct{})
	archSet := make(map[string]struct{})
	for _, n := range slices.Concat(always, opt.Base.Names) {
		names[n] = struct{}{}
	}
	m := opt.merged()
	maps.Copy(names, m.names)
	maps.Copy(archSet, m.arches)
	for i, p := range ps {
		if err := mergeable(p); err != nil {
			return nil, fmt.Errorf("union of profiles: profile %d: %w", i, err)
		}
		for _, a := range p.Architectures {
			archSet[string(a)] = struct{}{}
		}
		for _, r := range p.Syscalls {
			if IsDurableRule(r) {
				continue
			}
			for _, n := range r.Names {
				names[n] = struct{}{}
			}
		}
	}
	u := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: OrderArches(archSet, opt.Companions),
		Syscalls:      []specs.LinuxSyscall{{Names: slices.Sorted(maps.Keys(names)), Action: specs.ActAllow}},
	}
	if opt.Durable {
		withDurable(u)
	}
	return u, nil
}

func mergeable(p *specs.LinuxSeccomp) error {
	if p == nil {
		return fmt.Errorf("%w: nil", ErrProfile)
	}
	if p.DefaultAction != specs.ActErrno || p.DefaultErrnoRet != nil || len(p.Flags) > 0 || p.ListenerPath != "" {
		return fmt.Errorf("%w: not a profile of Build's shape", ErrProfile)
	}
	for _, r := range p.Syscalls {
		if (r.Action != specs.ActAllow || len(r.Args) > 0 || r.ErrnoRet != nil) && !IsDurableRule(r) {
			return fmt.Errorf("%w: rule %s with conditions cannot be merged", ErrProfile, r.Action)
		}
	}
	return nil
}
