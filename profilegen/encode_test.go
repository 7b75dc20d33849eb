package profilegen

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/golden"
)

const tutorialProfiles = "../testdata/tutorial/profiles/"

func TestUnmarshalTutorial(t *testing.T) {
	for _, tt := range []struct {
		file   string
		action specs.LinuxSeccompAction
		arches int
		names  int
	}{
		{"audit.json", specs.ActLog, 0, 0},
		{"violation.json", specs.ActErrno, 0, 0},
		{"fine-grained.json", specs.ActErrno, 3, 54},
	} {
		p := readProfile(t, tutorialProfiles+tt.file)
		if p.DefaultAction != tt.action || len(p.Architectures) != tt.arches || len(allowed(p)) != tt.names {
			t.Errorf("%s: %s, %d arches, %d names; want %s, %d, %d",
				tt.file, p.DefaultAction, len(p.Architectures), len(allowed(p)), tt.action, tt.arches, tt.names)
		}
	}
}

// TestMarshalRoundTrip: our output reads back the same, and Marshal of the
// tutorial's fine-grained.json is the same profile (names sorted, 2-space
// indent) as that file.
func TestMarshalRoundTrip(t *testing.T) {
	fine := readProfile(t, tutorialProfiles+"fine-grained.json")
	out, err := Marshal(fine)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.HasPrefix(out, []byte("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"architectures\"")) {
		t.Errorf("layout:\n%s", out)
	}
	back, err := Unmarshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(allowed(back), allowed(fine)) || !slices.Equal(back.Architectures, fine.Architectures) {
		t.Errorf("round trip changed the profile")
	}
	if !slices.IsSorted(back.Syscalls[0].Names) {
		t.Errorf("names not sorted: %q", back.Syscalls[0].Names)
	}
	if slices.IsSorted(fine.Syscalls[0].Names) {
		t.Fatal("fine-grained.json's names were sorted in place by Marshal")
	}
	again, _ := Marshal(back)
	if !bytes.Equal(out, again) {
		t.Errorf("Marshal is not stable:\n%s\n%s", out, again)
	}
}

func TestMarshalErrors(t *testing.T) {
	for _, p := range []*specs.LinuxSeccomp{nil, {}} {
		if _, err := Marshal(p); !errors.Is(err, ErrProfile) {
			t.Errorf("Marshal(%v) error = %v; want ErrProfile", p, err)
		}
		if _, err := MarshalSPO("x", "", p); !errors.Is(err, ErrProfile) {
			t.Errorf("MarshalSPO(%v) error = %v; want ErrProfile", p, err)
		}
	}
}

func TestUnmarshalDocker(t *testing.T) {
	docker := `{
	"defaultAction": "SCMP_ACT_ERRNO",
	"defaultErrnoRet": 1,
	"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
	"syscalls": [
		{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "x", "includes": {"minKernel": "4.8"}},
		{"name": "ptrace", "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
	]
}`
	p, err := Unmarshal([]byte(docker))
	if err != nil {
		t.Fatal(err)
	}
	if got := allowed(p); !slices.Equal(got, []string{"ptrace", "read", "write"}) {
		t.Errorf("names = %q", got)
	}
	if p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 1 || len(p.Syscalls[1].Args) != 1 {
		t.Errorf("fields lost: %+v", p)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for _, tt := range []struct {
		in         string
		line, col  int
		positioned bool
	}{
		{"", 0, 0, false},
		{"   \n", 0, 0, false},
		{"{}", 0, 0, false}, // no defaultAction
		{"{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ {\"names\": [\"read\",]} ]\n}", 3, 35, true},
		{"{\n\"defaultAction\": 7\n}", 2, 18, true},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}", 1, 49, true},
		{"- just\n- a list", 0, 0, true},
	} {
		p, err := Unmarshal([]byte(tt.in))
		if p != nil || !errors.Is(err, ErrProfile) {
			t.Errorf("Unmarshal(%q) = %v, %v; want ErrProfile", tt.in, p, err)
			continue
		}
		var pe *ProfileError
		if errors.As(err, &pe) != tt.positioned {
			t.Errorf("Unmarshal(%q) error %v: positioned %v; want %v", tt.in, err, !tt.positioned, tt.positioned)
			continue
		}
		if tt.line != 0 && (pe.Line != tt.line || pe.Column != tt.col) {
			t.Errorf("Unmarshal(%q) error at %d:%d; want %d:%d (%v)", tt.in, pe.Line, pe.Column, tt.line, tt.col, err)
		}
	}
}

func TestMarshalSPO(t *testing.T) {
	p, _, err := Build(setOf(tutorialRecords()), "http-echo", Options{Base: mustBase(t, "minimal"), Companions: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err := MarshalSPO("Http_Echo", "default", p)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "tutorial.spo.yaml"), out)
	back, err := Unmarshal(out) // the SeccompProfile reads back
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(allowed(back), allowed(p)) || !slices.Equal(back.Architectures, p.Architectures) {
		t.Errorf("SPO round trip: %+v", back)
	}
	if _, err := MarshalSPO("x", "Bad_NS", p); err == nil {
		t.Error("MarshalSPO accepted namespace Bad_NS")
	}
}

func TestResourceName(t *testing.T) {
	seen := map[string]string{}
	for _, tt := range []struct{ in, want string }{
		{"nginx", "nginx"},
		{"http-echo", "http-echo"},
		{"Http_Echo", "http-echo-"},
		{"http_echo", "http-echo-"},
		{"", "profile-"},
		{"---", "profile-"},
		{"python3.12", "python3-12-"},
		{strings.Repeat("a", 64), strings.Repeat("a", 46) + "-"},
	} {
		got := ResourceName(tt.in)
		if !strings.HasPrefix(got, tt.want) || strings.HasSuffix(tt.want, "-") && len(got) != len(tt.want)+hashLen {
			t.Errorf("ResourceName(%q) = %q; want %q + hash", tt.in, got, tt.want)
		}
		if !isDNSLabel(got) {
			t.Errorf("ResourceName(%q) = %q: not a DNS-1123 label", tt.in, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("ResourceName(%q) = ResourceName(%q) = %q", tt.in, other, got)
		}
		seen[got] = tt.in
	}
}
