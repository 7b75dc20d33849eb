package kube

import (
	"context"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// PolicySelector selects the admission policy of the recorder's partials
// and its binding (deploy/kubernetes/admission.yaml), whatever kustomize
// named them: only the recorder's node agent writes a partial, and only
// its own node's.
const PolicySelector = "app.kubernetes.io/name=seccomp-recorder,app.kubernetes.io/component=partials-policy"

var (
	policiesResource = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicies"}
	bindingsResource = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicybindings"}
)

// PolicyMissing reports whether c's API server certainly has no admission
// policy of the recorder's partials in force: none labelled as
// deploy/kubernetes labels it, or none bound. It needs list on both
// kinds, which few users have: when it cannot read them it cannot tell,
// and says false.
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
		if name, _, _ := unstructured.NestedString(b.Object, "spec", "policyName"); slices.Contains(names, name) {
			return false
		}
	}
	return true
}
