package kube

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/recorder-dev/recorder/profilegen"
)

// Objects shaped by whoever can create pods or SeccompProfiles: none of
// them may make pull merge what the recorder did not record as the
// workload's, or show a coverage the partials do not hold.

// TestFinalNameIsTheGroupsName: a workload's container is named as the
// writer names a container group (profilegen.ObjectName of
// "<namespace>_<name>_<container>"), so "a-b"/"c" and "a"/"b-c" never
// share a final object.
func TestFinalNameIsTheGroupsName(t *testing.T) {
	a := FinalName(Workload{KindDeployment, "a-b", "c"}, "d")
	b := FinalName(Workload{KindDeployment, "a", "b-c"}, "d")
	if a == b {
		t.Errorf("a-b/c and a/b-c share the final name %q", a)
	}
	if got, want := FinalName(web, "app"), profilegen.ObjectName("shop_web_app"); got != want {
		t.Errorf("FinalName = %q; want the writer's name of the group shop_web_app, %q", got, want)
	}
}

// TestHostileOwners: a controller reference is the pod creator's word,
// its name and kind any text. A name no object can have makes the pod its
// own workload; a kind of another API group keeps its group, so that an
// operator's StatefulSet is not apps' StatefulSet of the same name.
func TestHostileOwners(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		m    *unstructuredRef
		want Workload
	}{
		{"slash in the name", &unstructuredRef{"example.com/v1", "Foo", "a/b"}, Workload{KindPod, "ns", "p"}},
		{"slash in the kind", &unstructuredRef{"example.com/v1", "Foo/bar", "a"}, Workload{KindPod, "ns", "p"}},
		{"replicaset subresource", &unstructuredRef{"apps/v1", "ReplicaSet", "rs/status"}, Workload{KindPod, "ns", "p"}},
		{"dots", &unstructuredRef{"example.com/v1", "Foo", ".."}, Workload{KindPod, "ns", "p"}},
		{"another group's statefulset", &unstructuredRef{"apps.kruise.io/v1beta1", "StatefulSet", "db"}, Workload{"statefulset.apps.kruise.io", "ns", "db"}},
		{"another group's deployment", &unstructuredRef{"example.com/v1", "Deployment", "web"}, Workload{"deployment.example.com", "ns", "web"}},
	} {
		s := nextStep(KindPod, owned("p", ctl(tc.m.apiVersion, tc.m.kind, tc.m.name)))
		if s.next != nil || s.done != tc.want {
			t.Errorf("%s: nextStep = %+v; want done %v", tc.ref, s, tc.want)
			continue
		}
		if back, err := ParseWorkload(s.done.String()); err != nil || back != s.done {
			t.Errorf("%s: ParseWorkload(%q) = %v, %v", tc.ref, s.done.String(), back, err)
		}
	}
}

type unstructuredRef struct{ apiVersion, kind, name string }

// TestCoverageOverflow: two totals chosen near the largest int do not sum
// to a negative one.
func TestCoverageOverflow(t *testing.T) {
	huge := `{"version":"v1","total":9223372036854775807,"syscalls":{"read":9223372036854775807}}`
	if c, err := ParseCoverage(huge); err == nil {
		if sum := c.Add(c); sum.Total <= 0 {
			t.Errorf("Add of two parsed coverages: total %d", sum.Total)
		}
	} else if !errors.Is(err, ErrCoverage) {
		t.Errorf("ParseCoverage(huge) = %v", err)
	}
}

// TestPartialCoverageMatchesProfile: a partial's coverage annotation must
// tell on what its own profile allows, over as many replicas as it names
// pods: else its summary would show calls it does not allow, or hide
// calls it does.
func TestPartialCoverageMatchesProfile(t *testing.T) {
	p := partial(t, web, "app", "node-1", []string{"web-a", "web-b"}, prof([]string{"read"}), prof([]string{"read", "write"}))
	for name, cov := range map[string]string{
		"a call it does not allow":   `{"version":"v1","total":2,"syscalls":{"read":2,"write":1,"ptrace":2}}`,
		"a call it allows, left out": `{"version":"v1","total":2,"syscalls":{"read":2}}`,
		"a call seen on none":        `{"version":"v1","total":2,"syscalls":{"read":2,"write":0}}`,
		"more replicas than pods":    `{"version":"v1","total":1000,"syscalls":{"read":1000,"write":1000}}`,
	} {
		u, err := p.Object()
		if err != nil {
			t.Fatal(err)
		}
		setAnnot(u, CoverageAnnotation, cov)
		if got, err := ParsePartial(u); !errors.Is(err, ErrCoverage) {
			t.Errorf("%s: ParsePartial = %+v, %v; want ErrCoverage", name, got.Coverage, err)
		}
	}
}

// TestPullMergesOnlyPartialsNamedSo: an object with a partial's labels
// and annotations but not the name the recorder gives that partial (made
// by someone with create on seccompprofiles, with extra calls) is skipped
// and said, not merged.
func TestPullMergesOnlyPartialsNamedSo(t *testing.T) {
	objs := published(t)
	extra := partial(t, web, "app", "node-1", []string{"web-a"}, prof([]string{"read", "ptrace"}))
	u, err := extra.Object()
	if err != nil {
		t.Fatal(err)
	}
	u.SetName("shop-web-app-extra")
	f := newFixture(t, append(objs, u)...)
	got, err := Pull(context.Background(), f.pub.Profiles, web, "app")
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Finals[0].Coverage.Syscalls["ptrace"]; n != 0 {
		t.Errorf("ptrace merged from an object not named as a partial (seen on %d)", n)
	}
	if !strings.Contains(strings.Join(got.Skipped, "\n"), "shop-web-app-extra") {
		t.Errorf("skipped %q; want shop-web-app-extra named", got.Skipped)
	}
}

// TestPullBounded: pull merges at most maxPartials partials, and says so
// past it, rather than growing with whatever objects are there.
func TestPullBounded(t *testing.T) {
	defer func(n int) { maxPartials = n }(maxPartials)
	maxPartials = 3
	var objs []runtime.Object
	for _, node := range []string{"n1", "n2", "n3", "n4"} {
		u, err := partial(t, web, "app", node, []string{"web-" + node}, prof([]string{"read"})).Object()
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	f := newFixture(t, objs...)
	if got, err := Pull(context.Background(), f.pub.Profiles, web, "app"); !errors.Is(err, ErrTooManyPartials) {
		t.Errorf("Pull of 4 partials, at most 3 = %+v, %v; want ErrTooManyPartials", got, err)
	}
}

// TestPullWarnsOfOtherWriters: a partial named and labelled as the
// recorder's, whose spec or an annotation pull reads another field
// manager wrote (an edit with kubectl, say), is merged with a warning
// naming it, its node and its writers; a label or an annotation of
// another's own, a finalizer, are none. The managed fields are set by hand here, as the API server
// records them (TestAPIServer/forged-partial has a real one's).
func TestPullWarnsOfOtherWriters(t *testing.T) {
	objs := published(t)
	edited := objs[1].(*unstructured.Unstructured)
	edited.SetManagedFields([]metav1.ManagedFieldsEntry{
		{Manager: ManagedBy, Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{}},"f:spec":{}}`)},
		{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:syscalls":{}}}`)},
		{Manager: "labeller", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:team":{}}}}`)},
		// The operator's daemon, on every SeccompProfile: no warning.
		{Manager: "security-profiles-operator", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1",
			FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:annotations":{".":{},"f:syscalls":{}},"f:finalizers":{".":{},"v:\"node-2-deleted\"":{}}}}`)},
		{Manager: "annotator", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:annotations":{"f:recorder.dev/pods":{}}}}`)},
	})
	f := newFixture(t, objs...)
	got, err := Pull(context.Background(), f.pub.Profiles, web, "app")
	if err != nil {
		t.Fatal(err)
	}
	want := edited.GetName() + ` (node "node-2", pods "web-c") was written by kubectl-edit, annotator, not the recorder alone: review the calls it holds`
	if len(got.Warnings) != 1 || got.Warnings[0] != want {
		t.Errorf("warnings %q; want [%q]", got.Warnings, want)
	}
}

// TestPullQuotesAnnotations: a partial's annotations are any text; what
// pull tells of them on the terminal is quoted (no escape sequence goes
// through).
func TestPullQuotesAnnotations(t *testing.T) {
	objs := published(t)
	evil := "app\x1b]0;pwned\x07"
	u, err := partial(t, web, evil, "node-1", []string{"web-a"}, prof([]string{"read"})).Object()
	if err != nil {
		t.Fatal(err)
	}
	u.SetName("shop-web-evil")
	f := newFixture(t, append(objs, u)...)
	got, err := Pull(context.Background(), f.pub.Profiles, web, "")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(append(got.Skipped, got.Warnings...), "\n")
	if !strings.Contains(all, "shop-web-evil") || strings.ContainsAny(all, "\x1b\x07") {
		t.Errorf("skipped and warnings:\n%q", all)
	}
}

// TestPartialTooLarge: a partial's profile is read up to the size of a
// profile file (profilegen.DefaultMaxProfileSize), as files are.
func TestPartialTooLarge(t *testing.T) {
	u, err := partial(t, web, "app", "node-1", []string{"web-a"}, prof([]string{"read"})).Object()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]any, 0, 1<<17)
	for i := range cap(names) {
		names = append(names, "read"+strings.Repeat("x", i%8))
	}
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "syscalls")
	rules[0].(map[string]any)["names"] = names
	if err := unstructured.SetNestedSlice(u.Object, rules, "spec", "syscalls"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePartial(u); !errors.Is(err, profilegen.ErrProfileTooLarge) {
		t.Errorf("ParsePartial of a profile over 1 MiB: %v; want ErrProfileTooLarge", err)
	}
}

// TestPullRefusesUnreadablePartial: an object named as one of the
// workload's partials whose coverage does not match its profile is not
// skipped: its calls would be missing from the merged profile, so Pull
// fails with ErrBadPartial and merges nothing (a profile known to be
// incomplete would otherwise pass with exit 0 and a "skipped" line).
func TestPullRefusesUnreadablePartial(t *testing.T) {
	u, err := partial(t, web, "app", "node-9", []string{"web-z"}, prof([]string{"read", "ioctl"})).Object()
	if err != nil {
		t.Fatal(err)
	}
	setAnnot(u, CoverageAnnotation, `{"version":"v1","total":1,"syscalls":{"read":1}}`)
	f := newFixture(t, append(published(t), u)...)
	got, err := Pull(context.Background(), f.pub.Profiles, web, "app")
	if !errors.Is(err, ErrBadPartial) || !strings.Contains(err.Error(), u.GetName()) {
		t.Fatalf("Pull with an unreadable partial: %v; want ErrBadPartial naming %s", err, u.GetName())
	}
	if len(got.Finals) != 0 {
		t.Errorf("Pull merged %d profiles beside an unreadable partial", len(got.Finals))
	}
}

// TestPullSkipsDeleting: a partial deleted (under the admission policy,
// by its node's recorder or a grant of delete-partial, to take its calls
// out) but held by a finalizer (the operator's daemon adds one per node to
// every SeccompProfile) is not merged, and pull says so (before, its
// calls were merged until the last finalizer went).
func TestPullSkipsDeleting(t *testing.T) {
	objs := published(t)
	deleting := objs[1].(*unstructured.Unstructured)
	deleting.SetDeletionTimestamp(&metav1.Time{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	deleting.SetFinalizers([]string{"node-2-deleted"})
	f := newFixture(t, objs...)
	got, err := Pull(context.Background(), f.pub.Profiles, web, "app")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Finals) != 1 || !slices.Equal(got.Finals[0].Nodes, []string{"node-1"}) {
		t.Errorf("finals %+v; want node-1's partial alone", got.Finals)
	}
	want := deleting.GetName() + `: being deleted (its finalizers node-2-deleted hold it): its calls are not merged`
	if !slices.Contains(got.Skipped, want) {
		t.Errorf("skipped %q; want %q", got.Skipped, want)
	}
}
