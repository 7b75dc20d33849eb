package kube

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Workload is what owns a pod, followed up its controllers: a Deployment
// (through its ReplicaSet), StatefulSet, DaemonSet, CronJob (through its
// Job), Job, ReplicaSet, another controller's kind, or the pod itself.
type Workload struct {
	Kind      string // lowercase: "deployment", "statefulset", ..., "pod"
	Namespace string
	Name      string
}

// The kinds of workloads resolved through their controllers.
const (
	KindDeployment  = "deployment"
	KindReplicaSet  = "replicaset"
	KindStatefulSet = "statefulset"
	KindDaemonSet   = "daemonset"
	KindJob         = "job"
	KindCronJob     = "cronjob"
	KindPod         = "pod"
)

// String is "kind/namespace/name", what ParseWorkload reads.
func (w Workload) String() string { return w.Kind + "/" + w.Namespace + "/" + w.Name }

// ErrWorkload: a workload named on the command line is not
// KIND/NAMESPACE/NAME.
var ErrWorkload = errors.New("want KIND/NAMESPACE/NAME, such as deployment/default/web")

// ParseWorkload reads "kind/namespace/name" (the kind in any case, as
// kubectl takes "Deployment" or "deployment"; "deploy", "sts", "ds" too).
func ParseWorkload(s string) (Workload, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return Workload{}, fmt.Errorf("workload %q: %w", s, ErrWorkload)
	}
	kind := strings.ToLower(parts[0])
	if k, ok := kindAliases[kind]; ok {
		kind = k
	}
	return Workload{Kind: kind, Namespace: parts[1], Name: parts[2]}, nil
}

var kindAliases = map[string]string{"deploy": KindDeployment, "deployments": KindDeployment, "rs": KindReplicaSet,
	"sts": KindStatefulSet, "ds": KindDaemonSet, "cj": KindCronJob, "jobs": KindJob, "po": KindPod, "pods": KindPod}

// The resources an owner is looked up in: a pod's, a ReplicaSet's (for its
// Deployment) and a Job's (for its CronJob). Nothing else is read.
var (
	podsResource        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	replicaSetsResource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	jobsResource        = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
)

// step is what one object's controller tells: the workload, when it is
// known, or the owner to read next.
type step struct {
	done Workload
	next *schema.GroupVersionResource // the owner to read, named nextName
	name string
}

// A controller reference is the word of whoever made the object: its
// kind and name are any text, checked here before they are read or named.
var refKind = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,62}$`)

// validRef reports whether a controller reference can name an object: a
// kind that is an identifier, a name that is a DNS subdomain (no '/',
// which would read a subresource or make Workload.String ambiguous), a
// group that is empty or a DNS subdomain.
func validRef(group, kind, name string) bool {
	return refKind.MatchString(kind) && len(name) <= 253 && dnsSubdomain.MatchString(name) &&
		(group == "" || len(group) <= 253 && dnsSubdomain.MatchString(group))
}

// ownerKind is the Workload kind of a controller of kind in group: its
// lowercase kind, qualified by its group ("statefulset.apps.kruise.io")
// when a kind of the core, apps or batch groups has that name, so that an
// operator's StatefulSet and apps' StatefulSet of one name are two
// workloads.
func ownerKind(group, kind string) string {
	k := strings.ToLower(kind)
	if group != "" && group != "apps" && group != "batch" && slices.Contains(builtinKinds, k) {
		return k + "." + group
	}
	return k
}

var builtinKinds = []string{KindDeployment, KindReplicaSet, KindStatefulSet, KindDaemonSet, KindJob, KindCronJob, KindPod}

// nextStep tells, from an object of kind (KindPod, KindReplicaSet or
// KindJob) and its metadata, its workload or the owner to read next: a
// pod's ReplicaSet and Job are read for their own controllers; a
// ReplicaSet's Deployment, a Job's CronJob and a pod's StatefulSet or
// DaemonSet are the workload; an object with no controller is its own
// workload, and so is one whose controller is of an API group unknown
// here (its kind is then the controller's, lowercase).
func nextStep(kind string, m metav1.Object) step {
	self := Workload{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()}
	ref := metav1.GetControllerOfNoCopy(m)
	if ref == nil || ref.Name == "" {
		return step{done: self}
	}
	group, _, _ := strings.Cut(ref.APIVersion, "/")
	if !strings.Contains(ref.APIVersion, "/") {
		group = "" // "v1": the core group
	}
	if !validRef(group, ref.Kind, ref.Name) {
		return step{done: self} // no object has that name or kind: the reference is not followed
	}
	owner := Workload{Kind: ownerKind(group, ref.Kind), Namespace: m.GetNamespace(), Name: ref.Name}
	switch {
	case kind == KindPod && group == "apps" && ref.Kind == "ReplicaSet":
		return step{next: &replicaSetsResource, name: ref.Name}
	case kind == KindPod && group == "batch" && ref.Kind == "Job":
		return step{next: &jobsResource, name: ref.Name}
	case kind == KindPod && group == "apps" && (ref.Kind == "StatefulSet" || ref.Kind == "DaemonSet"),
		kind == KindReplicaSet && group == "apps" && ref.Kind == "Deployment",
		kind == KindJob && group == "batch" && ref.Kind == "CronJob":
		return step{done: owner}
	case kind == KindPod && group == "" && ref.Kind == "Node":
		return step{done: self} // a static pod's mirror: the pod is the workload
	}
	return step{done: owner} // another controller (an operator's kind): the workload as it names itself
}

// kindOf is the Workload kind of the objects of a resource read.
func kindOf(r schema.GroupVersionResource) string {
	switch r {
	case replicaSetsResource:
		return KindReplicaSet
	case jobsResource:
		return KindJob
	}
	return KindPod
}
