package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestLabelValue(t *testing.T) {
	long := strings.Repeat("a", 64)
	for _, tc := range []struct {
		in, want string // want "" : hashed, checked for validity only
	}{
		{"web", "web"},
		{"kube-system", "kube-system"},
		{"a.b_c-d", "a.b_c-d"},
		{"", ""},
		{strings.Repeat("a", 63), strings.Repeat("a", 63)},
		{long, ""},
		{"pod name with spaces", ""},
		{"-leading", ""},
		{"trailing.", ""},
		{"évil\x00\n", ""},
		{"../../etc", ""},
		{"----", ""},
	} {
		got := LabelValue(tc.in)
		if errs := validation.IsValidLabelValue(got); len(errs) > 0 {
			t.Errorf("LabelValue(%q) = %q: not a label value: %v", tc.in, got, errs)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("LabelValue(%q) = %q; want %q", tc.in, got, tc.want)
		}
		if tc.want == "" && tc.in != "" && got == tc.in {
			t.Errorf("LabelValue(%q) kept it", tc.in)
		}
	}
	// Names that clean to the same stem stay apart.
	if a, b := LabelValue("a b"), LabelValue("a/b"); a == b {
		t.Errorf("LabelValue(%q) = LabelValue(%q) = %q", "a b", "a/b", a)
	}
	if a, b := LabelValue(long+"x"), LabelValue(long+"y"); a == b {
		t.Errorf("two long names share the label value %q", a)
	}
}

func TestNames(t *testing.T) {
	w := Workload{KindDeployment, "shop", "web"}
	for _, name := range []string{
		PartialName(w, "app", "node-1"),
		PartialName(Workload{KindDeployment, strings.Repeat("n", 63), strings.Repeat("w", 253)}, strings.Repeat("c", 63), strings.Repeat("x", 253)),
		PartialName(Workload{KindPod, "ns", "Pod.With.Dots"}, "c", "node.example.com"),
		FinalName(w, "app"),
		FinalName(Workload{KindDeployment, "ns", "web.v2"}, "app"),
		FinalName(Workload{KindDeployment, "ns", strings.Repeat("w", 100)}, "app"),
	} {
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Errorf("%q is no DNS-1123 label: %v", name, errs)
		}
	}
	if got := FinalName(w, "app"); got != "shop-web-app-2eabe89c0235e527" {
		t.Errorf("FinalName = %q; want shop-web-app-2eabe89c0235e527", got)
	}
	if got := PartialName(w, "app", "node-1"); !strings.HasPrefix(got, "shop-web-app-node-1-") {
		t.Errorf("PartialName = %q; want shop-web-app-node-1-<hash>", got)
	}
	distinct := map[string]string{}
	for _, c := range []struct {
		w         Workload
		ctr, node string
	}{
		{Workload{KindDeployment, "a-b", "c"}, "d", "n"},
		{Workload{KindDeployment, "a", "b-c"}, "d", "n"},
		{Workload{KindStatefulSet, "a", "b-c"}, "d", "n"},
		{Workload{KindDeployment, "a", "b"}, "c-d", "n"},
		{Workload{KindDeployment, "a", "b"}, "c", "d-n"},
	} {
		n := PartialName(c.w, c.ctr, c.node)
		if prev, ok := distinct[n]; ok {
			t.Errorf("%v and %s share the partial name %q", c, prev, n)
		}
		distinct[n] = c.w.String() + " " + c.ctr + " " + c.node
	}
}

func TestPartialSelector(t *testing.T) {
	got := PartialSelector(Workload{KindDeployment, "shop", "web"}, "app")
	want := "app.kubernetes.io/managed-by=recorder,recorder.dev/namespace=shop,recorder.dev/workload=web,recorder.dev/workload-kind=deployment,spo.x-k8s.io/container-id=app,spo.x-k8s.io/partial=true"
	if got != want {
		t.Errorf("PartialSelector = %s\nwant %s", got, want)
	}
}
