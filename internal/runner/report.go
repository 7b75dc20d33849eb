package runner

import (
	"fmt"
	"io"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/profiletool"
)

// WriteReport tells what the profile p (read from name) denied the program
// of res, each call with the change to p that would allow it: run's report.
// The records went down res.Pipeline, of one group (Run.Pipeline's
// GroupBy pipeline.GroupNone).
func WriteReport(w io.Writer, res *Result, p *specs.LinuxSeccomp, name, program string) error {
	pl := res.Pipeline
	fmt.Fprintf(w, "ran %s under %s (%s): %s\n", pipeline.Quote(program), name, res.Tracking, DescribeExit(res.State))
	res.WriteWarnings(w)
	if n := pl.Counts.Malformed.N; n > 0 {
		fmt.Fprintf(w, "malformed: %d audit messages could not be parsed\n", n)
	}
	if pl.Set.Len() == 0 {
		fmt.Fprintln(w, "denied: nothing (no call was denied or logged)")
		return nil
	}
	_, rep, err := profilegen.Build(pl.Set, pipeline.NoneGroup, profilegen.Options{})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if n := rep.Actions[audit.ActionLog]; n > 0 {
		fmt.Fprintf(w, "logged: %d records of %d syscalls (SCMP_ACT_LOG)\n", n, len(rep.Observed))
	}
	writeDenied(w, p, rep.Violations)
	for _, u := range rep.Unknown {
		fmt.Fprintf(w, "unknown: syscall %d of %s (%s, %d records) has no name in libseccomp's tables\n", u.Nr, u.Arch, u.Action, u.Count)
	}
	return nil
}

func writeDenied(w io.Writer, p *specs.LinuxSeccomp, vs []profilegen.Violation) {
	if len(vs) == 0 {
		fmt.Fprintln(w, "denied: nothing")
		return
	}
	var names []string
	for _, v := range vs {
		if !slices.Contains(names, v.Name) {
			names = append(names, v.Name)
		}
	}
	fmt.Fprintf(w, "denied: %d syscalls\n", len(names))
	for _, v := range vs {
		fmt.Fprintf(w, "  %-20s %-12s %6d×  first: pid %d %s  -> %s\n",
			v.Name, v.Action.OCI(), v.Count, v.PID, pipeline.Quote(v.Comm), FixFor(p, v.Arch, v.Name))
	}
	fmt.Fprintf(w, "to allow them all: {\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"}\n", quotedList(names))
}

// FixFor is the change to p that allows the call name of the ABI arch
// (an OCI name; "" for the native one), from what p does with it
// (profiletool.Evaluate, as libseccomp loads p): list the architecture
// when p does not; remove the name from the unconditional rule that
// denies it; else (the default action denies it, or conditional rules
// decide on arguments) add it to p's first unconditional allow rule, or
// add such a rule.
func FixFor(p *specs.LinuxSeccomp, arch, name string) string {
	v := profiletool.Evaluate(p, arch, name)
	switch {
	case v.Rule == profiletool.ArchNotSet:
		return fmt.Sprintf("add %q to the architectures", arch)
	case v.Rule >= 0 && !v.Act.Allows():
		return fmt.Sprintf("remove %q from the %s rule (syscalls[%d])", name, p.Syscalls[v.Rule].Action, v.Rule)
	case v.Outcome == profiletool.Allowed:
		return fmt.Sprintf("nothing: the profile allows it (%s); another filter denied it", v.Describe(p))
	}
	for i, sc := range p.Syscalls {
		if sc.Action == specs.ActAllow && len(sc.Args) == 0 {
			return fmt.Sprintf("add %q to the SCMP_ACT_ALLOW names (syscalls[%d])", name, i)
		}
	}
	return fmt.Sprintf("add {\"names\": [%q], \"action\": \"SCMP_ACT_ALLOW\"} to syscalls", name)
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
