package kube

import (
	"bytes"
	"context"
	"os"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"
)

// deployAdmission returns the objects of deploy/kubernetes/admission.yaml
// by kind: the policy and its bindings.
func deployAdmission(t *testing.T) map[string][]*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile("../../deploy/kubernetes/admission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*unstructured.Unstructured{}
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			t.Fatal(err)
		}
		out[u.GetKind()] = append(out[u.GetKind()], u)
	}
	if len(out["ValidatingAdmissionPolicy"]) != 1 || len(out["ValidatingAdmissionPolicyBinding"]) != 2 {
		t.Fatalf("admission.yaml holds %v", out)
	}
	return out
}

// TestPolicyMissing: pull's warning. The policy is in force only through
// a binding that denies a recorder partial's writes: one that audits or
// warns only, or selects other objects (the deploy's agent binding, which
// selects the objects not labelled partial), or binds another policy,
// leaves partials to RBAC. The API server's own evaluation of the
// deploy's bindings is TestPartialPolicy's.
func TestPolicyMissing(t *testing.T) {
	deploy := deployAdmission(t)
	policy := deploy["ValidatingAdmissionPolicy"][0]
	var partials, agent *unstructured.Unstructured
	for _, b := range deploy["ValidatingAdmissionPolicyBinding"] {
		if b.GetName() == policy.GetName() {
			partials = b
		} else {
			agent = b
		}
	}
	if partials == nil || agent == nil {
		t.Fatalf("the bindings of admission.yaml: %v", deploy["ValidatingAdmissionPolicyBinding"])
	}
	edit := func(b *unstructured.Unstructured, f func(u *unstructured.Unstructured)) *unstructured.Unstructured {
		b = b.DeepCopy()
		f(b)
		return b
	}
	actions := func(a ...any) func(*unstructured.Unstructured) {
		return func(u *unstructured.Unstructured) {
			unstructured.SetNestedSlice(u.Object, a, "spec", "validationActions")
		}
	}
	for _, c := range []struct {
		name    string
		objs    []*unstructured.Unstructured
		missing bool
	}{
		{"none", nil, true},
		{"the deploy's", []*unstructured.Unstructured{policy, partials, agent}, false},
		{"the policy alone", []*unstructured.Unstructured{policy}, true},
		{"the binding of the partials alone", []*unstructured.Unstructured{policy, partials}, false},
		{"the agent's binding alone", []*unstructured.Unstructured{policy, agent}, true},
		{"a binding with no object selector", []*unstructured.Unstructured{policy, edit(partials, func(u *unstructured.Unstructured) {
			unstructured.RemoveNestedField(u.Object, "spec", "matchResources")
		})}, false},
		{"a binding that audits and warns", []*unstructured.Unstructured{policy, agent, edit(partials, actions("Audit", "Warn"))}, true},
		{"a binding that warns and denies", []*unstructured.Unstructured{policy, edit(partials, actions("Warn", "Deny"))}, false},
		{"a binding of another policy", []*unstructured.Unstructured{policy, edit(partials, func(u *unstructured.Unstructured) {
			unstructured.SetNestedField(u.Object, "another", "spec", "policyName")
		})}, true},
		{"a binding selecting objects labelled otherwise", []*unstructured.Unstructured{policy, edit(partials, func(u *unstructured.Unstructured) {
			unstructured.SetNestedStringMap(u.Object, map[string]string{"team": "shop"}, "spec", "matchResources", "objectSelector", "matchLabels")
		})}, true},
		{"a binding whose selector is not one", []*unstructured.Unstructured{policy, edit(partials, func(u *unstructured.Unstructured) {
			unstructured.SetNestedField(u.Object, "bad", "spec", "matchResources", "objectSelector", "matchLabels")
		})}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var objs []runtime.Object
			for _, o := range c.objs {
				objs = append(objs, o.DeepCopy())
			}
			dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
				policiesResource: "ValidatingAdmissionPolicyList", bindingsResource: "ValidatingAdmissionPolicyBindingList"}, objs...)
			if got := PolicyMissing(context.Background(), dyn); got != c.missing {
				t.Errorf("PolicyMissing %v, want %v", got, c.missing)
			}
		})
	}

	// Who cannot list bindings cannot tell: no warning.
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		policiesResource: "ValidatingAdmissionPolicyList", bindingsResource: "ValidatingAdmissionPolicyBindingList"}, policy.DeepCopy())
	dyn.PrependReactor("list", "validatingadmissionpolicybindings", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(bindingsResource.GroupResource(), "", nil)
	})
	if PolicyMissing(context.Background(), dyn) {
		t.Error("PolicyMissing true when bindings cannot be listed")
	}
}
