package profilegen

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// TestUnmarshalMeta: a SeccompProfile's name, labels and annotations; an
// OCI profile has none; Carried leaves out the architectures' annotations,
// which Marshal writes from the profile.
func TestUnmarshalMeta(t *testing.T) {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64, "SCMP_ARCH_LOONGARCH64"}}
	o := SPOOptions{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{GroupAnnotation: "/usr/bin/cat"}}
	data, err := o.Marshal("Web_App", p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := UnmarshalMeta(data)
	if err != nil || m.Name != ResourceName("Web_App") || m.Labels["app"] != "web" || m.Annotations[GroupAnnotation] != "/usr/bin/cat" {
		t.Errorf("meta %+v, %v", m, err)
	}
	if c := m.Carried(); c[ArchAnnotation] != "" || c[DroppedArchAnnotation] != "" || c[GroupAnnotation] == "" || m.Annotations[ArchAnnotation] == "" {
		t.Errorf("carried %v of %v", c, m.Annotations)
	}
	oci, _ := Marshal(p)
	if m, err := UnmarshalMeta(oci); err != nil || m.Name != "" || m.Labels != nil {
		t.Errorf("an OCI profile's meta: %+v, %v", m, err)
	}
}

// TestCompanion: an OCI profile's provenance companion holds what its
// SeccompProfile's annotations hold.
func TestCompanion(t *testing.T) {
	pv := &Provenance{Version: "v1", First: 1795882651439, Last: 1795882652000}
	b := Built{Group: "all", Report: &Report{Records: 7}, Sources: []string{"/usr/bin/cat", "/usr/bin/dash"}}
	var j ProvenanceJSON
	if err := json.Unmarshal(pv.Companion("p.json", b), &j); err != nil {
		t.Fatal(err)
	}
	a := pv.Annotations(b)
	if j.Profile != "p.json" || j.Group != a[GroupAnnotation] || j.Records != 7 || j.ReadFirst != a[FirstAnnotation] ||
		j.ReadLast != a[LastAnnotation] || j.Version != "v1" || strings.Join(j.Sources, ",") != "/usr/bin/cat,/usr/bin/dash" {
		t.Errorf("companion %+v, annotations %v", j, a)
	}
	b.Sources = nil
	var alone ProvenanceJSON
	if err := json.Unmarshal(pv.Companion("p.json", b), &alone); err != nil || alone.Sources != nil {
		t.Errorf("sources of a group alone: %v (%v)", alone.Sources, err)
	}
}

// TestFormatOf: an -o file ending in .yaml or .yml is a SeccompProfile.
func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{"a.yaml": SPO, "a.YML": SPO, "a.json": OCI, "-": OCI, "a": OCI} {
		if got := FormatOf(path, OCI); got != want {
			t.Errorf("FormatOf(%q) = %s, want %s", path, got, want)
		}
	}
}
