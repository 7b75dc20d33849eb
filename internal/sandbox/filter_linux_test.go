//go:build linux && cgo

package sandbox

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/golden"
	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/syscalls"
)

// tutorialProfiles is the Kubernetes tutorial's profiles, copied into
// testdata/tutorial (see its README).
const tutorialProfiles = "../../testdata/tutorial/profiles"

// TestFilterGolden compares libseccomp's pseudo filter code of each profile
// with a golden file: it shows the translation of actions, errnoRet,
// argument operators, same-index conditions as separate rules, default
// action rules left out, and architectures.
func TestFilterGolden(t *testing.T) {
	paths := []string{
		"testdata/args.json",
		filepath.Join(tutorialProfiles, "audit.json"),
		filepath.Join(tutorialProfiles, "violation.json"),
		filepath.Join(tutorialProfiles, "fine-grained.json"),
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := New(profiletest.Read(t, path), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Release()
			got, err := f.PFC()
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", strings.TrimSuffix(filepath.Base(path), ".json")+".pfc"), got)
		})
	}
}

func TestFilterUnknownNames(t *testing.T) {
	f, err := New(profiletest.Read(t, "testdata/args.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	if want := []string{"nosuchcall_v99"}; !slices.Equal(f.Unknown, want) {
		t.Errorf("Unknown = %q, want %q", f.Unknown, want)
	}
	pfc, _ := f.PFC()
	if !strings.Contains(string(pfc), `"getppid"`) {
		t.Errorf("getppid, listed after an unknown name, is missing:\n%s", pfc)
	}
}

func TestFilterErrors(t *testing.T) {
	errno := uint(1)
	tests := []struct {
		name string
		p    specs.LinuxSeccomp
		want error
		text string
	}{
		{"notify", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}, ErrUnsupported, "SCMP_ACT_NOTIFY"},
		{"listener", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock"}, ErrUnsupported, "listenerPath"},
		{"bad action", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_MAYBE"}, ErrInvalid, "SCMP_ACT_MAYBE"},
		{"no default", specs.LinuxSeccomp{}, ErrInvalid, "defaultAction"},
		{"bad arch", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}, ErrUnsupported, "SCMP_ARCH_VAX"},
		{"arch without prefix", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"x86_64"}}, ErrInvalid, "x86_64"},
		{"bad flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NEW_LISTENER"}}, ErrUnsupported, "NEW_LISTENER"},
		{"bad op", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: &errno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_ABOUT"}}}}}, ErrInvalid, "SCMP_CMP_ABOUT"},
		{"bad index", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}, ErrInvalid, "index 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := New(&tt.p, Options{})
			if err == nil {
				f.Release()
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %v, want %v mentioning %q", err, tt.want, tt.text)
			}
		})
	}
}

func TestArch(t *testing.T) {
	for _, name := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
		"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64", "SCMP_ARCH_MIPSEL64N32"} {
		a, err := Arch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// libseccomp's own name for the arch, e.g. "amd64" for SCMP_ARCH_X86_64.
		if a.String() == "" || strings.Contains(a.String(), "unknown") {
			t.Errorf("%s: got %v", name, a)
		}
	}
}

// TestArchTable: every ABI of the table converts to libseccomp's, as
// libseccomp-golang names it.
func TestArchTable(t *testing.T) {
	for _, a := range syscalls.Arches() {
		got, err := Arch(a.OCI)
		if err != nil {
			t.Errorf("%s: %v", a.OCI, err)
			continue
		}
		want := a.Name
		if want == "loongarch64" {
			want = "loong64" // libseccomp-golang's String for it
		}
		if got.String() != want {
			t.Errorf("Arch(%s) = %v; want %s", a.OCI, got, want)
		}
	}
}
