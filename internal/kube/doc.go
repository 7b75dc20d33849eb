// Package kube takes the recorder's profiles to a Kubernetes API server and
// back: a watch on a node publishes, at every flush, one partial
// SeccompProfile (security-profiles-operator.x-k8s.io/v1) per workload,
// container and node, marked partial the way the Security Profiles Operator
// marks the partial profiles of a recording so that it installs none; Pull
// lists the partials of a workload across replicas and nodes and merges
// them into its final profile, with the operator's per-call coverage
// annotation (on how many replicas each call was seen).
//
// The pure parts (owner resolution steps, labels and names, objects,
// coverage, the merge) are apart from the I/O (Resolver, Publisher, Pull),
// which goes through client-go's metadata and dynamic clients. Rules lists
// the RBAC rules publishing and pulling need.
package kube
