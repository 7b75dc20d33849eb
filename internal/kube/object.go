package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/profiletool"
)

// ProfilesResource is the Security Profiles Operator's SeccompProfile, v1
// (its storage version; cluster-scoped).
var ProfilesResource = schema.GroupVersionResource{Group: "security-profiles-operator.x-k8s.io", Version: "v1", Resource: "seccompprofiles"}

// Partial is what one node recorded of one container of a workload: the
// union of the profiles of its pods there, and on how many of them each
// call was seen.
type Partial struct {
	Workload  Workload
	Container string
	Node      string
	Pods      []string // sorted
	Profile   *specs.LinuxSeccomp
	Coverage  Coverage
}

// ErrNotPartial: an object that is not a partial the recorder made (no
// partial label, or labels that do not match its annotations).
var ErrNotPartial = errors.New("not a recorder partial profile")

// NewPartial merges the profiles of pods (pods[i] recorded profiles[i]) of
// workload w's container on node.
func NewPartial(w Workload, container, node string, pods []string, profiles []*specs.LinuxSeccomp) (Partial, error) {
	if len(pods) != len(profiles) || len(pods) == 0 {
		return Partial{}, fmt.Errorf("partial of %s %s: %d pods, %d profiles", w, container, len(pods), len(profiles))
	}
	p, err := profiletool.Merge(profiles...)
	if err != nil {
		return Partial{}, fmt.Errorf("partial of %s %s: %w", w, container, err)
	}
	sorted := slices.Clone(pods)
	slices.Sort(sorted)
	return Partial{Workload: w, Container: container, Node: node, Pods: sorted, Profile: p, Coverage: CoverageOf(profiles...)}, nil
}

// Name is the partial's object name (PartialName).
func (p Partial) Name() string { return PartialName(p.Workload, p.Container, p.Node) }

// Object returns p as a SeccompProfile: labelled with its workload,
// container, namespace and node, and marked partial as the operator
// marks the partials of a recording.
func (p Partial) Object() (*unstructured.Unstructured, error) {
	l := workloadLabels(p.Workload, p.Container)
	l[PartialLabel] = "true"
	l[NodeLabel] = LabelValue(p.Node)
	ann := map[string]string{WorkloadAnnot: p.Workload.String(), ContainerAnnot: p.Container, NodeAnnot: p.Node,
		PodsAnnot: strings.Join(p.Pods, ","), CoverageAnnotation: p.Coverage.Annotation()}
	return toObject(p.Name(), l, ann, p.Profile)
}

// toObject encodes a profile as profilegen writes SeccompProfiles (the
// CRD's schema: architectures it cannot hold annotated), as an object.
func toObject(name string, labels, ann map[string]string, p *specs.LinuxSeccomp) (*unstructured.Unstructured, error) {
	o := profilegen.SPOOptions{APIVersion: profilegen.SPOv1, Labels: labels, Annotations: ann}
	y, err := o.Marshal(name, p)
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		return nil, fmt.Errorf("seccompprofile %s: %w", name, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		return nil, fmt.Errorf("seccompprofile %s: %w", name, err)
	}
	return u, nil
}

// profileOf decodes the profile of a SeccompProfile object of at most
// the size of a profile file (profilegen.DefaultMaxProfileSize), as a
// file is read.
func profileOf(u *unstructured.Unstructured) (*specs.LinuxSeccomp, error) {
	j, err := json.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("seccompprofile %s: %w", u.GetName(), err)
	}
	if len(j) > profilegen.DefaultMaxProfileSize {
		return nil, fmt.Errorf("seccompprofile %s: %w: %d bytes, at most %d", u.GetName(), profilegen.ErrProfileTooLarge, len(j), profilegen.DefaultMaxProfileSize)
	}
	p, err := profilegen.Unmarshal(j)
	if err != nil {
		return nil, fmt.Errorf("seccompprofile %s: %w", u.GetName(), err)
	}
	return p, nil
}

// ParsePartial reads a partial from its object. Its workload, container
// and node are its annotations', which its labels must match (LabelValue
// of each): a label value shared by two names after cleaning selects
// both, and the annotations tell them apart. Its name must be the one the
// recorder gives that partial (PartialName): one object per workload,
// container and node, so that another object labelled alike (anyone's
// with create on seccompprofiles) is not merged beside it. A partial without a coverage annotation
// (the operator's own) counts as one replica; one must tell on the
// partial's profile and pods (Coverage.check), so that pull's summary
// shows what the merged profile allows.
func ParsePartial(u *unstructured.Unstructured) (Partial, error) {
	l, ann := u.GetLabels(), u.GetAnnotations()
	if _, ok := l[PartialLabel]; !ok {
		return Partial{}, fmt.Errorf("%s: %w: no %s label", u.GetName(), ErrNotPartial, PartialLabel)
	}
	w, err := ParseWorkload(ann[WorkloadAnnot])
	if err != nil {
		return Partial{}, fmt.Errorf("%s: %w: %w", u.GetName(), ErrNotPartial, err)
	}
	ctr := ann[ContainerAnnot]
	want := workloadLabels(w, ctr)
	for k, v := range want {
		if l[k] != v {
			return Partial{}, fmt.Errorf("%s: %w: label %s is %q, its annotations say %q", u.GetName(), ErrNotPartial, k, l[k], v)
		}
	}
	node := ann[NodeAnnot]
	if l[NodeLabel] != LabelValue(node) {
		return Partial{}, fmt.Errorf("%s: %w: label %s is %q, its annotations say %q", u.GetName(), ErrNotPartial, NodeLabel, l[NodeLabel], LabelValue(node))
	}
	if want := PartialName(w, ctr, node); u.GetName() != want {
		return Partial{}, fmt.Errorf("%s: %w: the recorder names the partial of %q container %q on node %q %s", u.GetName(), ErrNotPartial, w.String(), ctr, node, want)
	}
	prof, err := profileOf(u)
	if err != nil {
		return Partial{}, err
	}
	p := Partial{Workload: w, Container: ctr, Node: node, Profile: prof}
	if pods := ann[PodsAnnot]; pods != "" {
		p.Pods = strings.Split(pods, ",")
	}
	if c, ok := ann[CoverageAnnotation]; ok {
		if p.Coverage, err = ParseCoverage(c); err == nil {
			err = p.Coverage.check(prof, len(p.Pods))
		}
		if err != nil {
			return Partial{}, fmt.Errorf("%s: %w", u.GetName(), err)
		}
	} else {
		p.Coverage = CoverageOf(prof)
	}
	return p, nil
}

// Final is a workload's container's profile merged from its partials.
type Final struct {
	Workload  Workload
	Container string
	Profile   *specs.LinuxSeccomp
	Coverage  Coverage
	Partials  []string // the names of the partials merged, sorted
	Nodes     []string // the nodes they came from, sorted
}

// ErrNoPartials: no partial profile to merge.
var ErrNoPartials = errors.New("no partial profiles")

// ErrMixed: partials of different workloads or containers.
var ErrMixed = errors.New("partials of different workloads or containers")

// MergePartials merges the partials of one workload's container (named by
// names[i]) into its final profile: the union of their profiles, the sum
// of their coverages.
func MergePartials(names []string, ps []Partial) (Final, error) {
	if len(ps) == 0 {
		return Final{}, ErrNoPartials
	}
	f := Final{Workload: ps[0].Workload, Container: ps[0].Container, Coverage: Coverage{Version: coverageVersion, Syscalls: map[string]int{}}}
	profiles := make([]*specs.LinuxSeccomp, len(ps))
	for i, p := range ps {
		if p.Workload != f.Workload || p.Container != f.Container {
			return Final{}, fmt.Errorf("%w: %q %q and %q %q", ErrMixed, f.Workload.String(), f.Container, p.Workload.String(), p.Container)
		}
		profiles[i] = p.Profile
		f.Coverage = f.Coverage.Add(p.Coverage)
		if p.Node != "" && !slices.Contains(f.Nodes, p.Node) {
			f.Nodes = append(f.Nodes, p.Node)
		}
	}
	var err error
	if f.Profile, err = profiletool.Merge(profiles...); err != nil {
		return Final{}, fmt.Errorf("merge the partials of %s %s: %w", f.Workload, f.Container, err)
	}
	f.Partials = slices.Sorted(slices.Values(names))
	slices.Sort(f.Nodes)
	return f, nil
}

// Object returns f as a SeccompProfile named name (FinalName when ""),
// not partial: the operator installs it on every node. It carries the
// coverage annotation and the names of the partials merged; extra labels
// are added.
func (f Final) Object(name string, extra map[string]string) (*unstructured.Unstructured, error) {
	name, l, ann := f.meta(name, extra)
	return toObject(name, l, ann, f.Profile)
}

// YAML is Object as profilegen writes SeccompProfiles.
func (f Final) YAML(name string, extra map[string]string) ([]byte, error) {
	name, l, ann := f.meta(name, extra)
	return profilegen.SPOOptions{APIVersion: profilegen.SPOv1, Labels: l, Annotations: ann}.Marshal(name, f.Profile)
}

func (f Final) meta(name string, extra map[string]string) (string, map[string]string, map[string]string) {
	if name == "" {
		name = FinalName(f.Workload, f.Container)
	}
	l := workloadLabels(f.Workload, f.Container)
	maps.Copy(l, extra)
	ann := map[string]string{WorkloadAnnot: f.Workload.String(), ContainerAnnot: f.Container,
		PartialsAnnot: strings.Join(f.Partials, ","), CoverageAnnotation: f.Coverage.Annotation()}
	return name, l, ann
}
