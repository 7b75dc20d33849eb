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
// answers again; a partial unchanged is written again every ten minutes,
// so that one deleted or edited by someone else is repaired. At start it
// reads its node's partials, so that a pod gone from the API server keeps
// its place in its workload's partial.
//
// What the objects read are worth: a pod's controller reference is the
// word of whoever created the pod, so anyone who can create pods in a
// namespace can put calls in the partials of that namespace's workloads
// (owners are read in the pod's namespace only, never across). Anyone who
// can create or update SeccompProfiles (cluster-scoped) can make an
// object that looks like a partial: Pull merges only objects named and
// labelled as the recorder names its partials (PartialName, one per
// workload, container and node), whose coverage tells on their own
// profile, at most maxPartials; it names each node merged from and warns
// of a partial whose calls another field manager wrote (a manager's name
// is its client's word: a hint, not a proof). Only admission rules a
// forged partial out: deploy/kubernetes/admission.yaml admits a partial
// from the recorder's service account alone, with a token bound to a pod
// on the partial's node. Pull cannot know whether that policy is in
// force; it warns when it can read that it is not (PolicyMissing).
//
// The pure parts (owner resolution steps, labels and names, objects,
// coverage, the merge) are apart from the I/O (Resolver, Publisher, Pull),
// which goes through client-go's metadata and dynamic clients.
// PublishRules and PullRules are the RBAC rules each needs, and no more.
package kube
