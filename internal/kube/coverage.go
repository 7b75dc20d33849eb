package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// Coverage is, per call, on how many of Total replicas it was seen: the
// Security Profiles Operator's syscall-coverage document (schema "v1"),
// the value of CoverageAnnotation.
type Coverage struct {
	Version  string         `json:"version"`
	Total    int            `json:"total"`
	Syscalls map[string]int `json:"syscalls"`
}

const coverageVersion = "v1"

// maxReplicas bounds a coverage's total as read, so that the sum over
// the partials pull merges (at most maxPartials) cannot overflow.
const maxReplicas = 1 << 20

// ErrCoverage: a coverage annotation that cannot be read.
var ErrCoverage = errors.New("bad syscall coverage annotation")

// seen returns the calls p lets through (its ALLOW and LOG rules, with or
// without conditions): what the workload was seen making. The durable
// ENOSYS rule's calls are not among them.
func seen(p *specs.LinuxSeccomp) []string {
	var out []string
	for _, r := range p.Syscalls {
		if r.Action == specs.ActAllow || r.Action == specs.ActLog {
			for _, n := range r.Names {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// CoverageOf counts, over profiles (one per replica), how many let each
// call through.
func CoverageOf(profiles ...*specs.LinuxSeccomp) Coverage {
	c := Coverage{Version: coverageVersion, Total: len(profiles), Syscalls: map[string]int{}}
	for _, p := range profiles {
		for _, n := range seen(p) {
			c.Syscalls[n]++
		}
	}
	return c
}

// Add adds o's replicas to c's: the coverage of two partials merged.
func (c Coverage) Add(o Coverage) Coverage {
	out := Coverage{Version: coverageVersion, Total: c.Total + o.Total, Syscalls: make(map[string]int, len(c.Syscalls))}
	for n, k := range c.Syscalls {
		out.Syscalls[n] = k
	}
	for n, k := range o.Syscalls {
		out.Syscalls[n] += k
	}
	return out
}

// Annotation is c as CoverageAnnotation's value (JSON, keys sorted).
func (c Coverage) Annotation() string {
	b, _ := json.Marshal(c) // a struct of strings and ints: no error
	return string(b)
}

// ParseCoverage reads CoverageAnnotation's value, checking it: version
// "v1", a total above 0 (and at most maxReplicas), and no call seen more
// often than total.
func ParseCoverage(s string) (Coverage, error) {
	var c Coverage
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Coverage{}, fmt.Errorf("%w: %w", ErrCoverage, err)
	}
	if c.Version != coverageVersion || c.Total <= 0 || c.Total > maxReplicas {
		return Coverage{}, fmt.Errorf("%w: version %q, total %d", ErrCoverage, c.Version, c.Total)
	}
	for n, k := range c.Syscalls {
		if k < 0 || k > c.Total {
			return Coverage{}, fmt.Errorf("%w: %q seen %d times of %d", ErrCoverage, n, k, c.Total)
		}
	}
	if c.Syscalls == nil {
		c.Syscalls = map[string]int{}
	}
	return c, nil
}

// check reports whether c tells on profile p over pods (none: not named):
// every call p lets through seen at least once, no other call, and as
// many replicas as pods.
func (c Coverage) check(p *specs.LinuxSeccomp, pods int) error {
	if pods > 0 && c.Total != pods {
		return fmt.Errorf("%w: total %d, %d pods", ErrCoverage, c.Total, pods)
	}
	allowed := seen(p)
	for _, n := range allowed {
		if c.Syscalls[n] < 1 {
			return fmt.Errorf("%w: %q is allowed, seen %d times", ErrCoverage, n, c.Syscalls[n])
		}
	}
	for n := range c.Syscalls {
		if !slices.Contains(allowed, n) {
			return fmt.Errorf("%w: %q is counted, not allowed", ErrCoverage, n)
		}
	}
	return nil
}
