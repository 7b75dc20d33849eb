package profiletool

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/syscalls"
)

// Severity ranks a lint finding.
type Severity int

const (
	Note    Severity = iota // worth knowing; never fails
	Warning                 // likely a mistake; fails with --strict
	Error                   // the profile does not do what it says, or breaks the workload
)

func (s Severity) String() string { return [...]string{"note", "warning", "error"}[s] }

// Finding is one thing Lint found.
type Finding struct {
	Severity Severity
	Check    string // what was checked: unknown-name, duplicate, empty-rule, repeats-default, missing-exit, runtime-default, enosys-errno
	Rule     int    // the rule's index in syscalls; -1 for the profile as a whole
	Name     string // the syscall, when the finding is about one
	Message  string
}

func (f Finding) String() string {
	where := ""
	if f.Rule >= 0 {
		where = fmt.Sprintf("syscalls[%d] ", f.Rule)
	}
	if f.Name != "" {
		where += pipeline.Quote(f.Name) + ": "
	} else if where != "" {
		where = strings.TrimSpace(where) + ": "
	}
	return fmt.Sprintf("%s: [%s] %s%s", f.Severity, f.Check, where, f.Message)
}

// Lint checks p and returns its findings, rule by rule:
//
//   - invalid: what a runtime refuses to load (profilegen.Validate: an
//     unknown action, operator, architecture or flag, an argument index
//     past 5, errnoRet with an action that takes none, ...), an error each;
//   - unknown-name: a name no ABI of the profile has but another ABI of the
//     table does (note: runtimes skip it there; Docker's default lists the
//     calls of every ABI in one profile) or no ABI of the table has (error:
//     a typo, or a call newer than libseccomp's table);
//   - duplicate: a name twice in a rule, in two unconditional rules (only
//     the first applies: an error when they disagree), or in a
//     conditional rule that an unconditional one overrides;
//   - repeats-default: an unconditional rule whose action is the default's;
//   - empty-rule: a rule that names no call;
//   - missing-exit: exit or exit_group not allowed (error: a process that
//     cannot exit spins in its exit path);
//   - runtime-default: a call the profile lets through that the runtime's
//     default profile (RuntimeDefault, on the profile's first
//     architecture, x86_64 when it lists none) does not allow
//     unconditionally: a warning when it denies it with EPERM (most need
//     a capability a container does not have by default), a note when it
//     allows it only on conditions or answers ENOSYS (clone3);
//   - enosys-errno: an ENOSYS rule whose errnoRet is not ENOSYS on every
//     ABI of the profile (MIPS's is 89, PA-RISC's 251).
func Lint(p *specs.LinuxSeccomp) ([]Finding, error) {
	var fs []Finding
	add := func(s Severity, check string, rule int, name, format string, args ...any) {
		fs = append(fs, Finding{s, check, rule, name, fmt.Sprintf(format, args...)})
	}
	for _, pr := range profilegen.Validate(p) {
		add(Error, "invalid", pr.Rule, "", "%s", pr.Message)
	}
	arches := lintArches(p)
	def := defaultAct(p)
	first := map[string]int{} // name -> its first unconditional rule
	reported := map[string]bool{}
	for i, r := range p.Syscalls {
		a := ruleAct(r)
		if len(r.Args) == 0 && a == def {
			add(Warning, "repeats-default", i, "", "%s is the default action: the rule changes nothing", a)
		}
		if len(r.Names) == 0 {
			add(Warning, "empty-rule", i, "", "the rule names no syscall: it changes nothing")
		}
		seen := map[string]bool{}
		for _, n := range r.Names {
			if seen[n] {
				add(Warning, "duplicate", i, n, "named twice in the rule")
				continue
			}
			seen[n] = true
			if !reported[n] {
				reported[n] = true
				lintName(add, i, n, arches, len(p.Architectures) == 0)
			}
			j, dup := first[n]
			switch {
			case dup && len(r.Args) == 0 && ruleAct(p.Syscalls[j]) == a:
				add(Warning, "duplicate", i, n, "also in syscalls[%d] with the same action", j)
			case dup && len(r.Args) == 0:
				add(Error, "duplicate", i, n, "%s here, but syscalls[%d] says %s first, and the first applies (libseccomp)", a, j, ruleAct(p.Syscalls[j]))
			case len(r.Args) == 0:
				first[n] = i
			}
		}
	}
	for i, r := range p.Syscalls {
		for _, n := range r.Names {
			if j, ok := first[n]; ok && len(r.Args) > 0 {
				add(Warning, "duplicate", i, n, "the conditions have no effect: syscalls[%d] decides %s without conditions (libseccomp)", j, n)
			}
		}
		if profilegen.IsDurableRule(r) {
			for _, a := range p.Architectures {
				if e, ok := profilegen.ENOSYS(string(a)); ok && e != *r.ErrnoRet {
					add(Warning, "enosys-errno", i, "", "errnoRet %d is not ENOSYS on %s (%d): its libc sees another error and does not fall back", *r.ErrnoRet, a, e)
				}
			}
		}
	}
	for _, n := range []string{"exit", "exit_group"} {
		switch v := newEvaluator(p).eval("", n); v.Outcome {
		case Denied:
			add(Error, "missing-exit", -1, n, "not allowed (%s): a process that cannot exit spins in its exit path", v.Describe(p))
		case MayDeny:
			add(Warning, "missing-exit", -1, n, "allowed only on conditions (%s)", v.Describe(p))
		}
	}
	if err := lintRuntimeDefault(p, arches[0], add); err != nil {
		return nil, err
	}
	slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return fs, nil
}

// lintArches returns the ABIs a profile's names are checked on: its
// architectures (unknown ones left out), or every ABI of the table.
func lintArches(p *specs.LinuxSeccomp) []syscalls.Arch {
	var out []syscalls.Arch
	for _, oci := range p.Architectures {
		if a, ok := syscalls.ArchByOCI(string(oci)); ok {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = syscalls.Arches()
		// x86_64 (the table's first) is the ABI the runtime default is judged on.
	}
	return out
}

func lintName(add func(Severity, string, int, string, string, ...any), rule int, name string, arches []syscalls.Arch, all bool) {
	if hasAny(arches, name) {
		return
	}
	if !all && hasAny(syscalls.Arches(), name) {
		add(Note, "unknown-name", rule, name, "a call of other ABIs, not of the profile's: runtimes skip it here")
		return
	}
	add(Error, "unknown-name", rule, name, "no ABI has this call in libseccomp's table: a typo, or a call newer than the table")
}

func hasAny(arches []syscalls.Arch, name string) bool {
	return slices.ContainsFunc(arches, func(a syscalls.Arch) bool { _, err := syscalls.Number(a, name); return err == nil })
}

// lintRuntimeDefault adds a finding for each call p lets through that the
// runtime default of the ABI a does not allow unconditionally.
func lintRuntimeDefault(p *specs.LinuxSeccomp, a syscalls.Arch, add func(Severity, string, int, string, string, ...any)) error {
	rd, err := RuntimeDefault(a)
	if err != nil {
		return err
	}
	caps := capsByName()
	evRD, ev := newEvaluator(rd), newEvaluator(p)
	judge := func(rule int, n string) {
		if _, err := syscalls.Number(a, n); err != nil {
			return // not a call of this ABI
		}
		v := evRD.eval(a.OCI, n)
		switch {
		case v.Outcome == Allowed:
		case v.Outcome == MayDeny:
			add(Note, "runtime-default", rule, n, "the runtime default allows it only on conditions: %s", v.Describe(rd))
		case v.Act.Action == specs.ActErrno && v.Rule >= 0:
			add(Note, "runtime-default", rule, n, "the runtime default answers it with %s", v.Act)
		case len(caps[n]) > 0:
			add(Warning, "runtime-default", rule, n, "the runtime default denies it (%s); it allows it with %s", v.Act, strings.Join(caps[n], " or "))
		default:
			add(Warning, "runtime-default", rule, n, "the runtime default denies it (%s)", v.Act)
		}
	}
	if defaultAct(p).Allows() {
		add(Warning, "runtime-default", -1, "", "the default action %s lets through every call no rule names, where the runtime default denies them (%s)", defaultAct(p), defaultAct(rd))
		return nil
	}
	judged := map[string]bool{}
	for i, r := range p.Syscalls {
		if !ruleAct(r).Allows() {
			continue
		}
		for _, n := range r.Names {
			if !judged[n] && ev.eval(a.OCI, n).Outcome != Denied {
				judged[n] = true
				judge(i, n)
			}
		}
	}
	return nil
}

// capsByName returns, for each call Docker's default allows only with a
// capability, the capabilities that allow it.
func capsByName() map[string][]string {
	var d dockerProfile
	json.Unmarshal(dockerDefault, &d) // RuntimeDefault has parsed it already
	out := map[string][]string{}
	for _, r := range d.Syscalls {
		if r.Action != specs.ActAllow {
			continue
		}
		for _, c := range r.Includes.Caps {
			for _, n := range r.Names {
				if !slices.Contains(out[n], c) {
					out[n] = append(out[n], c)
				}
			}
		}
	}
	return out
}

// LintSummary writes the findings, each after name and ": " (as a
// compiler names the file of its messages), then one line of counts for
// name. The names of the profile and of its calls are quoted
// (pipeline.Quote) when they are not plain.
func LintSummary(w io.Writer, name string, fs []Finding) {
	var n [3]int
	for _, f := range fs {
		fmt.Fprintf(w, "%s: %s\n", pipeline.Quote(name), f)
		n[f.Severity]++
	}
	fmt.Fprintf(w, "%s: %s, %s, %s\n", pipeline.Quote(name), pipeline.Plural(uint64(n[Error]), "error"), pipeline.Plural(uint64(n[Warning]), "warning"), pipeline.Plural(uint64(n[Note]), "note"))
}

// LintFailed reports whether fs holds an error, or, with strict, a
// warning.
func LintFailed(fs []Finding, strict bool) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Error || strict && f.Severity == Warning })
}
