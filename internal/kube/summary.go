package kube

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/recorder-dev/recorder/pipeline"
)

// WriteSummary writes, for a person to read, what f was merged from and,
// per call, on how many of the replicas it was seen, the fewest first:
// the calls few replicas made are the ones to review.
func (f Final) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, container %s: %s from %s (%s), %s, %s\n", f.Workload, pipeline.Quote(f.Container),
		pipeline.Plural(uint64(len(f.Partials)), "partial"), pipeline.Plural(uint64(len(f.Nodes)), "node"),
		strings.Join(quoteEach(f.Nodes), ", "), pipeline.Plural(uint64(f.Coverage.Total), "replica"),
		pipeline.Plural(uint64(len(f.Coverage.Syscalls)), "call"))
	byCount := map[int][]string{}
	for n, k := range f.Coverage.Syscalls {
		byCount[k] = append(byCount[k], n)
	}
	for _, k := range slices.Sorted(maps.Keys(byCount)) {
		names := byCount[k]
		slices.Sort(names)
		fmt.Fprintf(&b, "  seen on %d/%d: %s\n", k, f.Coverage.Total, strings.Join(quoteEach(names), " "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func quoteEach(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = pipeline.Quote(x)
	}
	return out
}
