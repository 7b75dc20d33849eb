package kube

import (
	"errors"
	"reflect"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// prof is a small profile allowing names, with a durable ENOSYS rule
// holding enosys (not calls the workload made).
func prof(names []string, enosys ...string) *specs.LinuxSeccomp {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{{Names: names, Action: specs.ActAllow}}}
	if len(enosys) > 0 {
		errno := uint(38)
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: enosys, Action: specs.ActErrno, ErrnoRet: &errno})
	}
	return p
}

func TestCoverage(t *testing.T) {
	a := prof([]string{"read", "write", "exit_group"}, "clone3")
	b := prof([]string{"read", "exit_group", "getrandom"})
	c := CoverageOf(a, b)
	want := Coverage{Version: "v1", Total: 2, Syscalls: map[string]int{"read": 2, "exit_group": 2, "write": 1, "getrandom": 1}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("CoverageOf = %+v; want %+v", c, want)
	}
	sum := c.Add(CoverageOf(prof([]string{"read", "openat"})))
	if sum.Total != 3 || sum.Syscalls["read"] != 3 || sum.Syscalls["openat"] != 1 || sum.Syscalls["write"] != 1 {
		t.Errorf("Add = %+v", sum)
	}
	if c.Syscalls["read"] != 2 {
		t.Errorf("Add changed its receiver: %+v", c)
	}
	// The operator's format, byte for byte (its coverage_test's document).
	if got := CoverageOf(prof([]string{"read"}), prof([]string{"read"})).Annotation(); got != `{"version":"v1","total":2,"syscalls":{"read":2}}` {
		t.Errorf("Annotation = %s", got)
	}
	back, err := ParseCoverage(sum.Annotation())
	if err != nil || !reflect.DeepEqual(back, sum) {
		t.Errorf("ParseCoverage(Annotation) = %+v, %v; want %+v", back, err, sum)
	}
	for _, bad := range []string{``, `{`, `{"version":"v2","total":1}`, `{"version":"v1","total":0}`,
		`{"version":"v1","total":1,"syscalls":{"read":2}}`, `{"version":"v1","total":1,"syscalls":{"read":-1}}`} {
		if _, err := ParseCoverage(bad); !errors.Is(err, ErrCoverage) {
			t.Errorf("ParseCoverage(%q) = %v; want ErrCoverage", bad, err)
		}
	}
}
