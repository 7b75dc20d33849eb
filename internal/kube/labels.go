package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/recorder-dev/recorder/profilegen"
)

// The labels of the Security Profiles Operator that the recorder's
// objects carry, with the operator's meaning: PartialLabel marks a partial
// profile of a recording (one per replica), which the operator never
// installs on a node; ContainerLabel names the container it was recorded
// from. CoverageAnnotation is the operator's annotation of a merged
// profile: per call, how many of the partials merged held it.
const (
	PartialLabel       = "spo.x-k8s.io/partial"
	ContainerLabel     = "spo.x-k8s.io/container-id"
	CoverageAnnotation = "spo.x-k8s.io/syscall-coverage"
)

// The recorder's own labels (values made valid by LabelValue) and
// annotations (the names as they are, for a check of the labels' hashes).
const (
	KindLabel       = "recorder.dev/workload-kind"
	WorkloadLabel   = "recorder.dev/workload"
	NamespaceLabel  = "recorder.dev/namespace"
	NodeLabel       = "recorder.dev/node"
	ManagedByLabel  = "app.kubernetes.io/managed-by"
	ManagedBy       = "recorder"
	WorkloadAnnot   = "recorder.dev/workload"  // "kind/namespace/name"
	ContainerAnnot  = "recorder.dev/container" // the container's name
	NodeAnnot       = "recorder.dev/node"
	PodsAnnot       = "recorder.dev/pods"     // the pods merged into a partial, comma-separated
	PartialsAnnot   = "recorder.dev/partials" // the partials merged into a final profile, comma-separated
	maxLabelValue   = 63
	labelHashDigits = 10
)

var labelValue = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)

// LabelValue returns s as a label value: s itself when it is one (at most
// 63 letters, digits, '-', '_', '.', starting and ending with a letter or
// digit); else its valid bytes, cut, then '-' and 10 hex digits of its
// SHA-256, so that names chosen to collide after cleaning still differ.
// Whoever can create pods chooses these names: nothing here trusts them.
func LabelValue(s string) string {
	if len(s) <= maxLabelValue && labelValue.MatchString(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	stem := strings.Trim(string(b), "-_.")
	stem = strings.TrimRight(stem[:min(len(stem), maxLabelValue-1-labelHashDigits)], "-_.")
	h := hashHex(s, labelHashDigits)
	if stem == "" {
		return h
	}
	return stem + "-" + h
}

func hashHex(s string, digits int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:digits]
}

// workloadLabels are the labels that select a workload's profiles, for
// one container or, when container is "", all of them.
func workloadLabels(w Workload, container string) labels.Set {
	l := labels.Set{KindLabel: LabelValue(w.Kind), WorkloadLabel: LabelValue(w.Name),
		NamespaceLabel: LabelValue(w.Namespace), ManagedByLabel: ManagedBy}
	if container != "" {
		l[ContainerLabel] = LabelValue(container)
	}
	return l
}

// PartialSelector selects the partials of workload w (of one container,
// or of all when container is "").
func PartialSelector(w Workload, container string) string {
	l := workloadLabels(w, container)
	l[PartialLabel] = "true"
	return l.AsSelector().String()
}

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// groupName is the group name of workload w's container, as a pod's is
// "<namespace>_<pod>_<container>" (containers.Names.String): '_' is in no
// Kubernetes name, so the parts are told apart.
func groupName(w Workload, container string) string {
	return w.Namespace + "_" + w.Name + "_" + container
}

// PartialName is the name of the partial of workload w's container on
// node: the writer's object name (profilegen.ObjectName) of the group
// "<namespace>_<workload>_<container>_<node>_<kind>", so
// "<namespace>-<workload>-<container>-<node>-<kind>-<hash>": no two
// partials share a name.
func PartialName(w Workload, container, node string) string {
	return profilegen.ObjectName(groupName(w, container) + "_" + node + "_" + w.Kind)
}

// FinalName is the name of workload w's merged profile of container: the
// writer's object name of the group "<namespace>_<workload>_<container>",
// as a pod's container's profile is named by replay and watch
// ("<namespace>-<workload>-<container>-<hash>": one name per group
// everywhere, and "a-b"/"c" and "a"/"b-c" do not share it).
func FinalName(w Workload, container string) string {
	return profilegen.ObjectName(groupName(w, container))
}
