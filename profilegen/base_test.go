package profilegen

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLookupBase(t *testing.T) {
	for _, tt := range []struct {
		spec, name string
		n          int
		has        []string
	}{
		{"", "minimal", 3, []string{"execve", "exit", "exit_group"}},
		{"minimal", "minimal", 3, []string{"execve"}},
		{"none", "none", 0, nil},
		{"runc", "runc", 37, []string{"capset", "execve", "exit_group", "futex", "prctl", "setgroups", "nanosleep"}},
		{"crun", "crun", 53, []string{"capset", "execve", "exit_group", "pivot_root", "setgroups"}},
		{tutorialProfiles + "fine-grained.json", tutorialProfiles + "fine-grained.json", 54, []string{"accept4", "writev"}},
		{tutorialProfiles + "violation.json", tutorialProfiles + "violation.json", 0, nil},
	} {
		b, err := LookupBase(tt.spec)
		if err != nil {
			t.Errorf("LookupBase(%q): %v", tt.spec, err)
			continue
		}
		if b.Name != tt.name || len(b.Names) != tt.n || !slices.IsSorted(b.Names) || len(slices.Compact(slices.Clone(b.Names))) != tt.n {
			t.Errorf("LookupBase(%q) = %s with %d names %q; want %s with %d, sorted, distinct", tt.spec, b.Name, len(b.Names), b.Names, tt.name, tt.n)
		}
		for _, n := range tt.has {
			if !slices.Contains(b.Names, n) {
				t.Errorf("LookupBase(%q) lacks %s", tt.spec, n)
			}
		}
	}
}

func TestLookupBaseNotShared(t *testing.T) {
	b := mustBase(t, "runc")
	b.Names[0] = "changed"
	if mustBase(t, "runc").Names[0] == "changed" {
		t.Error("LookupBase returns the shared table")
	}
}

func TestLookupBaseSPOFile(t *testing.T) {
	// The shape of the Security Profiles Operator's examples/baseprofile-*.yaml.
	spo := `---
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: runc-v1.2.3
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures:
    - SCMP_ARCH_X86_64
  syscalls:
    - action: SCMP_ACT_ALLOW
      names:
        - write
        - capget
    - action: SCMP_ACT_LOG
      names:
        - ptrace
`
	path := filepath.Join(t.TempDir(), "base.yaml")
	if err := os.WriteFile(path, []byte(spo), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LookupBase(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Names, []string{"capget", "write"}) {
		t.Errorf("names = %q", b.Names)
	}
}

func TestLookupBaseErrors(t *testing.T) {
	if _, err := LookupBase("runc-1.4"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LookupBase(unknown name) error = %v; want ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LookupBase(path); !errors.Is(err, ErrProfile) {
		t.Errorf("LookupBase(bad file) error = %v; want ErrProfile", err)
	}
}
