package kube

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func partial(t *testing.T, w Workload, ctr, node string, pods []string, ps ...*specs.LinuxSeccomp) Partial {
	t.Helper()
	p, err := NewPartial(w, ctr, node, pods, ps)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPartialObject(t *testing.T) {
	w := Workload{KindDeployment, "shop", "web"}
	p := partial(t, w, "app", "node-1", []string{"web-b", "web-a"},
		prof([]string{"read", "write"}, "clone3"), prof([]string{"read", "getrandom"}, "clone3"))
	if !slices.Equal(p.Pods, []string{"web-a", "web-b"}) || p.Coverage.Total != 2 {
		t.Fatalf("partial %+v", p)
	}
	u, err := p.Object()
	if err != nil {
		t.Fatal(err)
	}
	l := u.GetLabels()
	for k, v := range map[string]string{PartialLabel: "true", ContainerLabel: "app", KindLabel: "deployment", WorkloadLabel: "web",
		NamespaceLabel: "shop", NodeLabel: "node-1"} {
		if l[k] != v {
			t.Errorf("label %s = %q; want %q", k, l[k], v)
		}
	}
	if u.GetAPIVersion() != "security-profiles-operator.x-k8s.io/v1" || u.GetKind() != "SeccompProfile" || u.GetName() != p.Name() {
		t.Errorf("object %s %s %s", u.GetAPIVersion(), u.GetKind(), u.GetName())
	}
	back, err := ParsePartial(u)
	if err != nil {
		t.Fatal(err)
	}
	if back.Workload != w || back.Container != "app" || back.Node != "node-1" || !slices.Equal(back.Pods, p.Pods) ||
		!reflect.DeepEqual(back.Coverage, p.Coverage) {
		t.Errorf("ParsePartial = %+v; want %+v", back, p)
	}
	if !reflect.DeepEqual(seen(back.Profile), seen(p.Profile)) {
		t.Errorf("profile read back allows %v; want %v", seen(back.Profile), seen(p.Profile))
	}

	// A label that its annotations do not match, or no partial label.
	for name, change := range map[string]func(u *unstructured.Unstructured){
		"workload label":  func(u *unstructured.Unstructured) { setLabel(u, WorkloadLabel, "other") },
		"container label": func(u *unstructured.Unstructured) { setLabel(u, ContainerLabel, "sidecar") },
		"no partial":      func(u *unstructured.Unstructured) { l := u.GetLabels(); delete(l, PartialLabel); u.SetLabels(l) },
		"bad workload":    func(u *unstructured.Unstructured) { setAnnot(u, WorkloadAnnot, "web") },
	} {
		c := u.DeepCopy()
		change(c)
		if _, err := ParsePartial(c); !errors.Is(err, ErrNotPartial) {
			t.Errorf("%s: ParsePartial = %v; want ErrNotPartial", name, err)
		}
	}
	c := u.DeepCopy()
	setAnnot(c, CoverageAnnotation, `{"version":"v1","total":1,"syscalls":{"read":5}}`)
	if _, err := ParsePartial(c); !errors.Is(err, ErrCoverage) {
		t.Errorf("bad coverage: %v; want ErrCoverage", err)
	}
}

func setLabel(u *unstructured.Unstructured, k, v string) {
	l := u.GetLabels()
	l[k] = v
	u.SetLabels(l)
}

func setAnnot(u *unstructured.Unstructured, k, v string) {
	a := u.GetAnnotations()
	a[k] = v
	u.SetAnnotations(a)
}

func TestMergePartials(t *testing.T) {
	w := Workload{KindDeployment, "shop", "web"}
	n1 := partial(t, w, "app", "node-1", []string{"web-a"}, prof([]string{"read", "write"}))
	n2 := partial(t, w, "app", "node-2", []string{"web-b", "web-c"}, prof([]string{"read"}), prof([]string{"read", "getrandom"}))
	f, err := MergePartials([]string{"p2", "p1"}, []Partial{n2, n1})
	if err != nil {
		t.Fatal(err)
	}
	want := Coverage{Version: "v1", Total: 3, Syscalls: map[string]int{"read": 3, "write": 1, "getrandom": 1}}
	if !reflect.DeepEqual(f.Coverage, want) {
		t.Errorf("coverage %+v; want %+v", f.Coverage, want)
	}
	if !slices.Equal(f.Nodes, []string{"node-1", "node-2"}) || !slices.Equal(f.Partials, []string{"p1", "p2"}) {
		t.Errorf("nodes %v, partials %v", f.Nodes, f.Partials)
	}
	if got := seen(f.Profile); !slices.Equal(got, []string{"getrandom", "read", "write"}) {
		t.Errorf("merged allows %v", got)
	}
	u, err := f.Object("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, partial := u.GetLabels()[PartialLabel]; partial || u.GetName() != FinalName(web, "app") {
		t.Errorf("final %s labels %v", u.GetName(), u.GetLabels())
	}
	if got := u.GetAnnotations()[CoverageAnnotation]; got != want.Annotation() {
		t.Errorf("coverage annotation %s", got)
	}
	other := partial(t, w, "sidecar", "node-1", []string{"web-a"}, prof([]string{"read"}))
	if _, err := MergePartials([]string{"a", "b"}, []Partial{n1, other}); !errors.Is(err, ErrMixed) {
		t.Errorf("containers mixed: %v; want ErrMixed", err)
	}
	if _, err := MergePartials(nil, nil); !errors.Is(err, ErrNoPartials) {
		t.Errorf("none: %v; want ErrNoPartials", err)
	}
}
