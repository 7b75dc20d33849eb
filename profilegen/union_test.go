package profilegen

import (
	"errors"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
)

func TestUnion(t *testing.T) {
	s := setOf(append(tutorialRecords(), mixedRecords()...))
	add(s, rec("/bin/arm", "arm", 1, 0xc00000b7, 63, audit.ActionLog))
	var ps []*specs.LinuxSeccomp
	var want []string
	for _, g := range s.Groups() {
		p, rep, err := Build(s, g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
		want = append(want, rep.Names...)
	}
	want = append(want, "execve") // the base
	slices.Sort(want)
	want = slices.Compact(want)
	u, err := Union(Options{Base: mustBase(t, "minimal"), Companions: true}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Syscalls[0].Names; !slices.Equal(got, want) || len(u.Syscalls) != 1 {
		t.Errorf("names = %q; want %q", got, want)
	}
	wantArches := []specs.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}
	if !slices.Equal(u.Architectures, wantArches) {
		t.Errorf("architectures = %q; want %q", u.Architectures, wantArches)
	}
	unionIsNone(t, u, append(append(tutorialRecords(), mixedRecords()...), rec("/bin/arm", "arm", 1, 0xc00000b7, 63, audit.ActionLog)),
		Options{Base: mustBase(t, "minimal"), Companions: true})
}

// unionIsNone: u, the union of the groups' profiles of recs, is what
// GroupNone's single group of recs builds, byte for byte; it returns that
// group's Set.
func unionIsNone(t *testing.T, u *specs.LinuxSeccomp, recs []*audit.Record, opt Options) *Set {
	t.Helper()
	none := setOfBy(groupNone, recs)
	p, _, err := Build(none, NoneGroup, opt)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Marshal(p)
	b, _ := Marshal(u)
	if string(a) != string(b) {
		t.Errorf("Union differs from GroupNone's profile:\n%s\n%s", b, a)
	}
	return none
}

func setOfBy(g groupBy, recs []*audit.Record) *Set {
	s := newSet(g)
	for _, r := range recs {
		add(s, r)
	}
	return s
}

func TestUnionRejects(t *testing.T) {
	one := uint(1)
	for _, p := range []*specs.LinuxSeccomp{
		nil,
		{DefaultAction: specs.ActLog},
		{DefaultAction: specs.ActErrno, DefaultErrnoRet: &one},
		{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActErrno}}},
		{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"socket"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}}}},
	} {
		u, err := Union(Options{}, p)
		if !errors.Is(err, ErrProfile) || u != nil {
			t.Errorf("Union(%+v) = %v, %v; want ErrProfile", p, u, err)
		}
	}
}
