package profilegen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"
)

// crdSchemas returns the openAPIV3Schema of each version the SeccompProfile
// CRD serves, made strict: an object's unknown fields are errors (an API
// server would prune them silently), and x-kubernetes-list-type "set" lists
// must not repeat an item (an API server rejects that too).
func crdSchemas(t *testing.T) map[string]*spec.Schema {
	t.Helper()
	data, err := os.ReadFile("../testdata/spo/seccompprofile-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Group    string
			Versions []struct {
				Name   string
				Served bool
				Schema struct {
					OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
				}
			}
		}
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &crd); err != nil {
		t.Fatal(err)
	}
	out := map[string]*spec.Schema{}
	for _, v := range crd.Spec.Versions {
		var s spec.Schema
		if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, &s); err != nil {
			t.Fatalf("schema of %s: %v", v.Name, err)
		}
		strict(&s)
		out[crd.Spec.Group+"/"+v.Name] = &s
	}
	if out[SPOv1] == nil || out[SPOv1beta1] == nil {
		t.Fatalf("the CRD serves %d versions, not v1 and v1beta1", len(out))
	}
	return out
}

func strict(s *spec.Schema) {
	if len(s.Properties) > 0 && s.AdditionalProperties == nil {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	if lt, _ := s.Extensions.GetString("x-kubernetes-list-type"); lt == "set" {
		s.UniqueItems = true
	}
	for k, p := range s.Properties {
		strict(&p)
		s.Properties[k] = p
	}
	if s.Items != nil && s.Items.Schema != nil {
		strict(s.Items.Schema)
	}
}

// validateSPO checks a SeccompProfile YAML document as an API server with
// the CRD would, and strictly: the schema of its apiVersion, and its
// metadata as an ObjectMeta with a valid name, labels and annotations.
func validateSPO(schemas map[string]*spec.Schema, data []byte) error {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(j, &obj); err != nil {
		return err
	}
	s := schemas[fmt.Sprint(obj["apiVersion"])]
	if s == nil || obj["kind"] != "SeccompProfile" {
		return fmt.Errorf("apiVersion %v kind %v: not a SeccompProfile version the CRD serves", obj["apiVersion"], obj["kind"])
	}
	if res := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(obj); !res.IsValid() {
		return fmt.Errorf("schema: %v", res.Errors)
	}
	md, _ := json.Marshal(obj["metadata"])
	dec := json.NewDecoder(bytes.NewReader(md))
	dec.DisallowUnknownFields()
	var meta metav1.ObjectMeta
	if err := dec.Decode(&meta); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	if errs := validation.IsDNS1123Subdomain(meta.Name); len(errs) > 0 {
		return fmt.Errorf("metadata.name %q: %v", meta.Name, errs)
	}
	for k, v := range meta.Labels {
		if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
			return fmt.Errorf("label %s=%s: %v", k, v, errs)
		}
	}
	for k := range meta.Annotations {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("annotation %s: %v", k, errs)
		}
	}
	return nil
}

// TestSPOGoldensValidate: every SeccompProfile golden, and every replay
// golden (testdata/logs/*.json) written as a SeccompProfile of each
// version, with a name and labels, is valid against the CRD.
func TestSPOGoldensValidate(t *testing.T) {
	schemas := crdSchemas(t)
	goldens, _ := filepath.Glob("testdata/*.spo.yaml")
	logs, _ := filepath.Glob("../testdata/logs/*.json")
	if len(goldens) == 0 || len(logs) < 10 {
		t.Fatalf("goldens missing: %d .spo.yaml, %d replay goldens", len(goldens), len(logs))
	}
	// The toolkit's goldens hold a command's standard output between its
	// "$ recorder ..." line and "--- stderr ---".
	toolkit, _ := filepath.Glob("../testdata/toolkit/*.*")
	n := 0
	for _, g := range append(goldens, toolkit...) {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("\nkind: SeccompProfile\n")) {
			continue
		}
		if bytes.HasPrefix(data, []byte("$ ")) {
			_, data, _ = bytes.Cut(data, []byte("\n"))
			data, _, _ = bytes.Cut(data, []byte("\n--- stderr ---"))
		}
		for _, doc := range bytes.Split(data, []byte("\n---\n")) {
			if bytes.Contains(doc, []byte("kind: SeccompProfile")) {
				n++
				if err := validateSPO(schemas, doc); err != nil {
					t.Errorf("%s: %v", g, err)
				}
			}
		}
	}
	if n < 4 {
		t.Errorf("%d SeccompProfile goldens validated, want the 4 or more of profilegen/testdata and testdata/toolkit", n)
	}
	for _, l := range logs {
		p, err := ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []SPOOptions{
			{},
			{APIVersion: "v1beta1", Name: "echo", Labels: map[string]string{"app.kubernetes.io/name": "echo", "recorded-by": "recorder"}},
		} {
			data, err := o.Marshal(strings.TrimSuffix(filepath.Base(l), ".json"), p)
			if err != nil {
				t.Errorf("%s: %v", l, err)
				continue
			}
			if err := validateSPO(schemas, data); err != nil {
				t.Errorf("%s as %+v: %v\n%s", l, o, err, data)
			}
		}
	}
}

// TestSPODroppedArchitectures: an x86 log with one loongarch64 record used
// to write SCMP_ARCH_LOONGARCH64, which the CRD's enum rejects; it is left
// out now, and named in an annotation.
func TestSPODroppedArchitectures(t *testing.T) {
	schemas := crdSchemas(t)
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32, "SCMP_ARCH_LOONGARCH64"},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"read", "write"}, Action: specs.ActAllow}}}
	data, err := SPOOptions{}.Marshal("mixed", p)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSPO(schemas, data); err != nil {
		t.Errorf("%v\n%s", err, data)
	}
	back, err := Unmarshal(data) // the whole list comes back, in order
	if err != nil || !slices.Equal(back.Architectures, p.Architectures) {
		t.Errorf("read back: %v %v", back, err)
	}
	// An annotation that does not agree with the spec is not believed.
	forged := bytes.Replace(data, []byte(ArchAnnotation+": SCMP_ARCH_X86_64,"), []byte(ArchAnnotation+": SCMP_ARCH_ARM,SCMP_ARCH_X86_64,"), 1)
	if back, err := Unmarshal(forged); err != nil || len(back.Architectures) != 3 {
		t.Errorf("forged annotation: %v %v", back, err)
	}
	if !bytes.Contains(data, []byte(DroppedArchAnnotation+": SCMP_ARCH_LOONGARCH64")) {
		t.Errorf("no annotation naming the dropped architecture:\n%s", data)
	}
}

// TestSPODefaultErrnoRet: the CRD has no defaultErrnoRet. EPERM, what the
// runtime returns without it, is left out; another errno is an error.
func TestSPODefaultErrnoRet(t *testing.T) {
	schemas := crdSchemas(t)
	one, enosys := uint(1), uint(38)
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &one,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}}
	data, err := SPOOptions{}.Marshal("eperm", p)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSPO(schemas, data); err != nil {
		t.Errorf("%v\n%s", err, data)
	}
	p.DefaultErrnoRet = &enosys
	if _, err := (SPOOptions{}).Marshal("enosys", p); !errors.Is(err, ErrProfile) {
		t.Errorf("defaultErrnoRet 38: err = %v, want ErrProfile", err)
	}
}

// TestSPOValidatorRejects: the validation can fail. Each object here is
// one the CRD (made strict) rejects.
func TestSPOValidatorRejects(t *testing.T) {
	schemas := crdSchemas(t)
	good := "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: ok\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: [read]\n"
	if err := validateSPO(schemas, []byte(good)); err != nil {
		t.Fatalf("a valid object: %v", err)
	}
	for name, bad := range map[string]string{
		"loongarch64":            strings.Replace(good, "spec:\n", "spec:\n  architectures: [SCMP_ARCH_LOONGARCH64]\n", 1),
		"defaultErrnoRet":        strings.Replace(good, "spec:\n", "spec:\n  defaultErrnoRet: 1\n", 1),
		"no defaultAction":       strings.Replace(good, "  defaultAction: SCMP_ACT_ERRNO\n", "", 1),
		"repeated name":          strings.Replace(good, "[read]", "[read, read]", 1),
		"unknown action":         strings.Replace(good, "SCMP_ACT_ALLOW", "SCMP_ACT_MAYBE", 1),
		"bad name":               strings.Replace(good, "name: ok", "name: Not_OK", 1),
		"unknown version":        strings.Replace(good, "/v1\n", "/v2\n", 1),
		"unknown metadata field": strings.Replace(good, "  name: ok\n", "  name: ok\n  nickname: x\n", 1),
		"negative errnoRet":      strings.Replace(good, "  - action: SCMP_ACT_ALLOW\n", "  - action: SCMP_ACT_ERRNO\n    errnoRet: -1\n", 1),
	} {
		if err := validateSPO(schemas, []byte(bad)); err == nil {
			t.Errorf("%s: accepted\n%s", name, bad)
		}
	}
}

func TestParseLabel(t *testing.T) {
	for _, s := range []string{"app=echo", "app.kubernetes.io/name=echo", "a=", "x/y=z", "A_b.c-d=E_f.g-h",
		"=v", "app", "-a=b", "a=-b", "Bad.Prefix/x=y", "a/b/c=d", strings.Repeat("a", 64) + "=b", "a=" + strings.Repeat("b", 64)} {
		key, value, _ := strings.Cut(s, "=")
		apimachinery := strings.Contains(s, "=") && len(validation.IsQualifiedName(key)) == 0 && len(validation.IsValidLabelValue(value)) == 0
		_, _, err := ParseLabel(s)
		if (err == nil) != apimachinery {
			t.Errorf("ParseLabel(%q) err = %v; apimachinery's validation says valid=%v", s, err, apimachinery)
		}
	}
}
