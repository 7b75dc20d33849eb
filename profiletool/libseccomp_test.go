//go:build linux && cgo

package profiletool

import (
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/syscalls"
)

// TestEvaluateAgreesWithLibseccomp runs the filter libseccomp makes of
// every test profile (and of merges of them) in a BPF simulator for each
// x86_64 call they name, and checks that Evaluate tells the same: allowed
// or not, with which action and errno. Calls that conditional rules decide
// are checked to depend on the arguments; names the host's libseccomp does
// not know are skipped (runtimes skip them too).
func TestEvaluateAgreesWithLibseccomp(t *testing.T) {
	ps := testProfiles(t)
	hm := handMade()
	for name, pair := range map[string][2]*specs.LinuxSeccomp{
		"merge conditional":     {hm["conditional-a"], hm["conditional-b"]},
		"merge blocklists":      {hm["blocklist-a"], hm["blocklist-b"]},
		"merge runtime default": {ps["runtime-default"], ps["tutorial.json"]},
		"merge tutorial syslog": {ps["tutorial.json"], ps["syslog-traditional.json"]},
		"merge fine-grained":    {ps["fine-grained.json"], ps["syslog-rfc3339.json"]},
	} {
		m, err := Merge(pair[0], pair[1])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ps[name] = m
	}
	x86 := amd64(t)
	checked := 0
	for name, p := range ps {
		if len(p.Architectures) > 0 && !slices.Contains(p.Architectures, "SCMP_ARCH_X86_64") {
			continue
		}
		c := *p // libseccomp adds only the ABIs this host can run to a filter
		c.Architectures = slices.DeleteFunc(slices.Clone(p.Architectures), func(a specs.Arch) bool {
			return a != "SCMP_ARCH_X86_64" && a != "SCMP_ARCH_X86" && a != "SCMP_ARCH_X32"
		})
		prog, err := sandbox.Compile(&c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		unknown, _ := sandbox.Check(p)
		names := map[string]bool{"keyctl": true, "clone3": true, "mount": true}
		for _, r := range p.Syscalls {
			for _, n := range r.Names {
				names[n] = true
			}
		}
		for n := range names {
			nr, err := syscalls.Number(x86, n)
			if err != nil || slices.Contains(unknown, n) {
				continue
			}
			v := Evaluate(p, "SCMP_ARCH_X86_64", n)
			got := map[uint32]bool{}
			for _, arg := range probes {
				ret, err := prog.Run(unix.AUDIT_ARCH_X86_64, int32(nr), [6]uint64{arg})
				if err != nil {
					t.Fatalf("%s %s: %v", name, n, err)
				}
				got[ret] = true
			}
			checked++
			if v.Outcome == MayDeny {
				if len(got) < 2 {
					t.Errorf("%s: %s: Evaluate says conditions decide, libseccomp gives %v whatever arg0", name, n, got)
				}
				continue
			}
			if want := retOf(v.Act); len(got) != 1 || !got[want] {
				t.Errorf("%s: %s: Evaluate says %s (%#x), libseccomp's filter gives %v", name, n, v.Describe(p), want, got)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d calls checked", checked)
	}
}

// probes are values of arg0 that meet and miss the conditions of the test
// profiles (socket's domain, personality's persona, clone's flags).
var probes = []uint64{0, 1, 2, 8, 0x26, 0x27, 0x29, 0x20000, 0x20008, 0x7e020000, 0xffffffff}

// retOf is the SECCOMP_RET_* value of an action.
func retOf(a Act) uint32 {
	switch a.Action {
	case specs.ActAllow:
		return unix.SECCOMP_RET_ALLOW
	case specs.ActLog:
		return unix.SECCOMP_RET_LOG
	case specs.ActErrno:
		return unix.SECCOMP_RET_ERRNO | uint32(a.Ret)
	case specs.ActTrace:
		return unix.SECCOMP_RET_TRACE | uint32(a.Ret)
	case specs.ActTrap:
		return unix.SECCOMP_RET_TRAP
	case specs.ActKillProcess:
		return unix.SECCOMP_RET_KILL_PROCESS
	case specs.ActKillThread:
		return unix.SECCOMP_RET_KILL_THREAD
	}
	return 0xdead
}
