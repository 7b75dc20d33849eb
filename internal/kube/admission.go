package kube

import (
	"context"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// PolicySelector selects the admission policy of the recorder's partials
// and its bindings (deploy/kubernetes/admission.yaml), whatever kustomize
// named them: only the recorder's node agent writes a partial, and only
// its own node's.
const PolicySelector = "app.kubernetes.io/name=seccomp-recorder,app.kubernetes.io/component=partials-policy"

var (
	policiesResource = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicies"}
	bindingsResource = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicybindings"}
)

// PolicyMissing reports whether c's API server certainly has no admission
// policy of the recorder's partials in force: none labelled as
// deploy/kubernetes labels it, or no binding of one that denies (not only
// audits or warns) the writes of a recorder partial (its object selector
// matching a partial's labels: the deploy's other binding selects the
// objects not labelled partial). It needs list on both kinds, which few
// users have: when it cannot read them it cannot tell, and says false.
func PolicyMissing(ctx context.Context, c dynamic.Interface) bool {
	opts := metav1.ListOptions{LabelSelector: PolicySelector}
	policies, err := c.Resource(policiesResource).List(ctx, opts)
	if err != nil {
		return false
	}
	bindings, err := c.Resource(bindingsResource).List(ctx, opts)
	if err != nil {
		return false
	}
	var names []string
	for _, p := range policies.Items {
		names = append(names, p.GetName())
	}
	for _, b := range bindings.Items {
		if name, _, _ := unstructured.NestedString(b.Object, "spec", "policyName"); slices.Contains(names, name) && bindsPartials(&b) {
			return false
		}
	}
	return true
}

// partialLabels are the labels of every object pull merges (as
// PartialSelector selects them).
var partialLabels = labels.Set{PartialLabel: "true", KindLabel: "deployment", WorkloadLabel: "w", NamespaceLabel: "ns", ManagedByLabel: ManagedBy, NodeLabel: "n"}

// bindsPartials reports whether binding b denies what its policy denies
// of a recorder partial: Deny among its actions, and its object selector
// (none: every object) matching a partial's labels.
func bindsPartials(b *unstructured.Unstructured) bool {
	actions, _, _ := unstructured.NestedStringSlice(b.Object, "spec", "validationActions")
	if !slices.Contains(actions, "Deny") {
		return false
	}
	m, ok, _ := unstructured.NestedMap(b.Object, "spec", "matchResources", "objectSelector")
	if !ok {
		return true
	}
	var sel metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &sel); err != nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(&sel)
	return err == nil && s.Matches(partialLabels)
}
