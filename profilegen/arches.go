package profilegen

import (
	"cmp"
	"maps"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/syscalls"
)

// OrderArches orders a set of architectures (OCI names) as profiles list
// them: those with companions first, each followed by its companions (all
// of them when with is set, else those in the set), then the others, each
// part sorted.
func OrderArches(set map[string]struct{}, with bool) []specs.Arch {
	primary := slices.SortedFunc(maps.Keys(set), func(a, b string) int {
		ca, cb := hasCompanions(a), hasCompanions(b)
		if ca != cb {
			if ca {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	var out []specs.Arch
	for _, a := range primary {
		out = appendArch(out, a)
		for _, c := range companions(a) {
			if _, ok := set[c]; ok || with {
				out = appendArch(out, c)
			}
		}
	}
	return out
}

func appendArch(list []specs.Arch, a string) []specs.Arch {
	if slices.Contains(list, specs.Arch(a)) {
		return list
	}
	return append(list, specs.Arch(a))
}

// companions returns the OCI names of the ABIs usually allowed next to the
// OCI architecture oci (see syscalls.Arch.Companions), so that a profile
// recorded on one ABI also loads its compat ABIs (the names are resolved per
// ABI by the runtime). It returns a new slice, nil when oci has none.
func companions(oci string) []string {
	a, ok := syscalls.ArchByOCI(oci)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range a.Companions() {
		out = append(out, c.OCI)
	}
	return out
}

// hasCompanions reports whether the OCI architecture oci has companions.
func hasCompanions(oci string) bool {
	a, ok := syscalls.ArchByOCI(oci)
	return ok && len(a.Companions()) > 0
}
