// Package kube takes the recorder's profiles to a Kubernetes API server and
// back: a watch on a node publishes, at every flush, one partial
// SeccompProfile (security-profiles-operator.x-k8s.io/v1) per workload,
// container and node, marked partial the way the Security Profiles Operator
// marks the partial profiles of a recording so that it installs none; Pull
// lists the partials of a workload across replicas and nodes and merges
// them into its final profile, with the operator's per-call coverage
// annotation (on how many replicas each call was seen).
//
// A Publisher runs beside the watch's flushes: the files the watch writes
// stay the source of truth, each flush hands it the whole recording so
// far, and it publishes the latest from its own goroutine, trying again
// with a growing pause, so a partial catches up whenever the API server
// answers again. At start it reads its node's partials, so that a pod
// gone from the API server keeps its place in its workload's partial.
//
// The pure parts (owner resolution steps, labels and names, objects,
// coverage, the merge) are apart from the I/O (Resolver, Publisher, Pull),
// which goes through client-go's metadata and dynamic clients.
// PublishRules and PullRules are the RBAC rules each needs, and no more.
package kube
