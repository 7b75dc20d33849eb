package profiletool

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/syscalls"
)

// Difference is what one profile lets through that the other does not,
// and every other way they treat a call differently.
type Difference struct {
	A, B           string                   // the profiles' names, for the output
	Default        [2]Act                   // the default actions, when they differ
	OnlyA, OnlyB   []string                 // architectures only one lists
	FlagsA, FlagsB []specs.LinuxSeccompFlag // when they differ
	// Disjoint: both list architectures, none in common; calls are then
	// compared as the rules write them, whatever the ABI.
	Disjoint bool
	Changes  []Change
}

// Change is a set of calls that A treats one way and B another.
type Change struct {
	// Sign is '+' when B lets the calls through more than A (B allows what
	// A denies, or allows without conditions what A allows on some), '-'
	// the other way round, and '~' when neither lets through more (ERRNO
	// against KILL, EPERM against ENOSYS, ALLOW against LOG, ...).
	Sign  byte
	From  string // A's treatment, such as "SCMP_ACT_ERRNO" or "SCMP_ACT_ALLOW if arg0 == 1; else SCMP_ACT_ERRNO"
	To    string // B's
	Calls []Call
}

// Call is a syscall of a Change, and the ABIs on which it changes when
// that is not every ABI of both profiles that has the call.
type Call struct {
	Name   string
	Arches []string // nil: every ABI of both that has the call
}

// Empty reports whether the profiles mean the same.
func (d *Difference) Empty() bool {
	return d.Default == [2]Act{} && len(d.OnlyA)+len(d.OnlyB)+len(d.Changes) == 0 && d.FlagsA == nil && d.FlagsB == nil
}

// Diff compares what a (named nameA in the output) and b do with each call
// a rule of either names, on each architecture both list that has the
// call (syscalls.Number), and lists the architectures only one lists.
// A profile that lists no architecture is loaded on the runtime's native
// ABI: it is compared on the other's. Calls neither names get the default
// actions: when those differ, so does every such call, and Diff says so
// once.
func Diff(nameA string, a *specs.LinuxSeccomp, nameB string, b *specs.LinuxSeccomp) *Difference {
	d := &Difference{A: nameA, B: nameB}
	if da, db := defaultAct(a), defaultAct(b); da != db {
		d.Default = [2]Act{da, db}
	}
	if !slices.Equal(a.Flags, b.Flags) {
		d.FlagsA, d.FlagsB = append([]specs.LinuxSeccompFlag{}, a.Flags...), append([]specs.LinuxSeccompFlag{}, b.Flags...)
	}
	arches := compareArches(a, b, d)
	names := map[string]bool{}
	for _, p := range []*specs.LinuxSeccomp{a, b} {
		for _, r := range p.Syscalls {
			for _, n := range r.Names {
				names[n] = true
			}
		}
	}
	type key struct {
		sign     byte
		from, to string
	}
	changes := map[key][]Call{}
	eva, evb := newEvaluator(a), newEvaluator(b)
	for _, n := range slices.Sorted(maps.Keys(names)) {
		has := hasCall(arches, n)
		if len(has) == 0 { // no ABI of the table has it: compare the rules as written
			has = []string{""}
		}
		diff := map[key][]string{}
		for _, arch := range has {
			va, vb := eva.eval(arch, n), evb.eval(arch, n)
			ta, tb := treatment(a, va), treatment(b, vb)
			if ta == tb {
				continue
			}
			k := key{sign(va, vb), ta, tb}
			diff[k] = append(diff[k], arch)
		}
		for k, on := range diff {
			c := Call{Name: n}
			if len(on) < len(has) {
				c.Arches = on
			}
			changes[k] = append(changes[k], c)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(changes), func(x, y key) int {
		return cmp.Or(cmp.Compare(strings.IndexByte("+-~", x.sign), strings.IndexByte("+-~", y.sign)),
			cmp.Compare(x.from, y.from), cmp.Compare(x.to, y.to))
	}) {
		d.Changes = append(d.Changes, Change{Sign: k.sign, From: k.from, To: k.to, Calls: changes[k]})
	}
	return d
}

// compareArches returns the architectures to compare calls on, and notes
// in d those only one profile lists. "" stands for the native ABI of two
// profiles that list none.
func compareArches(a, b *specs.LinuxSeccomp, d *Difference) []string {
	switch {
	case len(a.Architectures) == 0 && len(b.Architectures) == 0:
		return []string{""}
	case len(a.Architectures) == 0:
		return archStrings(b.Architectures)
	case len(b.Architectures) == 0:
		return archStrings(a.Architectures)
	}
	var both []string
	defer func() {
		if len(both) == 0 {
			d.Disjoint = true
		}
	}()
	for _, x := range a.Architectures {
		if slices.Contains(b.Architectures, x) {
			both = append(both, string(x))
		} else {
			d.OnlyA = append(d.OnlyA, string(x))
		}
	}
	for _, x := range b.Architectures {
		if !slices.Contains(a.Architectures, x) {
			d.OnlyB = append(d.OnlyB, string(x))
		}
	}
	return both
}

func archStrings(as []specs.Arch) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// hasCall returns the architectures of arches that have the call name
// ("" has every call).
func hasCall(arches []string, name string) []string {
	var out []string
	for _, oci := range arches {
		if oci == "" {
			out = append(out, oci)
			continue
		}
		if a, ok := syscalls.ArchByOCI(oci); ok {
			if _, err := syscalls.Number(a, name); err == nil {
				out = append(out, oci)
			}
		}
	}
	return out
}

// treatment says what v does, without rule numbers (which differ between
// profiles that mean the same).
func treatment(p *specs.LinuxSeccomp, v Verdict) string {
	if v.Outcome != MayDeny {
		return v.Act.String()
	}
	var s string
	for _, i := range v.Conditional {
		r := p.Syscalls[i]
		s += fmt.Sprintf("%s if %s; ", ruleAct(r), argsText(r.Args))
	}
	return s + "else " + v.Act.String()
}

// sign tells which verdict lets the call through more.
func sign(a, b Verdict) byte {
	rank := func(v Verdict) int {
		switch v.Outcome {
		case Allowed:
			return 2
		case MayDeny:
			return 1
		}
		return 0
	}
	switch ra, rb := rank(a), rank(b); {
	case rb > ra:
		return '+'
	case rb < ra:
		return '-'
	}
	return '~'
}

// WriteTo writes the difference for a person to read, as a review shows
// it: nothing when the profiles mean the same. The names of the profiles,
// of their calls, architectures and flags are quoted (pipeline.Quote) when
// they are not plain.
func (d *Difference) WriteTo(w io.Writer) (int64, error) {
	if d.Empty() {
		return 0, nil
	}
	var b strings.Builder
	nameA, nameB := pipeline.Quote(d.A), pipeline.Quote(d.B)
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", nameA, nameB)
	if d.Default != [2]Act{} {
		fmt.Fprintf(&b, "default action: %s -> %s (every call no rule names)\n", d.Default[0], d.Default[1])
	}
	if len(d.OnlyA) > 0 {
		fmt.Fprintf(&b, "architectures only in %s: %s\n", nameA, quoteAll(d.OnlyA))
	}
	if len(d.OnlyB) > 0 {
		fmt.Fprintf(&b, "architectures only in %s: %s\n", nameB, quoteAll(d.OnlyB))
	}
	if d.FlagsA != nil || d.FlagsB != nil {
		fmt.Fprintf(&b, "flags: [%s] -> [%s]\n", quoteAll(d.FlagsA), quoteAll(d.FlagsB))
	}
	if d.Disjoint {
		fmt.Fprintf(&b, "no architecture in common: calls compared as the rules name them\n")
	}
	for _, c := range d.Changes {
		head := "treated differently"
		switch c.Sign {
		case '+':
			head = nameB + " lets through more"
		case '-':
			head = nameA + " lets through more"
		}
		fmt.Fprintf(&b, "%s: %s -> %s (%s)\n", head, c.From, c.To, pipeline.Plural(uint64(len(c.Calls)), "call"))
		for _, call := range c.Calls {
			if call.Arches == nil {
				fmt.Fprintf(&b, "%c %s\n", c.Sign, pipeline.Quote(call.Name))
				continue
			}
			fmt.Fprintf(&b, "%c %-24s on %s only\n", c.Sign, pipeline.Quote(call.Name), quoteAll(call.Arches))
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// quoteAll joins the texts, each quoted when it is not plain.
func quoteAll[S ~string](texts []S) string {
	q := make([]string, len(texts))
	for i, t := range texts {
		q[i] = pipeline.Quote(string(t))
	}
	return strings.Join(q, " ")
}
