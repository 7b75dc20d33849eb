package profilegen

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"sigs.k8s.io/yaml"

	"github.com/recorder-dev/recorder/internal/usage"
)

// The API versions of the Security Profiles Operator's SeccompProfile that
// its CRD serves (testdata/spo/seccompprofile-crd.yaml): v1 is the storage
// version.
const (
	SPOv1      = "security-profiles-operator.x-k8s.io/v1"
	SPOv1beta1 = "security-profiles-operator.x-k8s.io/v1beta1"
)

// SPOArchitectures are the architectures the CRD's schema accepts in
// spec.architectures (an enum); loongarch64, m68k, sh and the like are not
// among them.
var SPOArchitectures = []specs.Arch{
	"SCMP_ARCH_NATIVE", specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
	specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL, specs.ArchMIPSEL64, specs.ArchMIPSEL64N32,
	specs.ArchPPC, specs.ArchPPC64, specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC, specs.ArchPARISC64,
	specs.ArchRISCV64,
}

// On a SeccompProfile whose profile lists architectures the CRD cannot
// hold, DroppedArchAnnotation names those left out of spec.architectures,
// and ArchAnnotation keeps the whole list, in order: Unmarshal gives it
// back, so that a profile converted to a SeccompProfile and back is the
// same.
const (
	DroppedArchAnnotation = "recorder.dev/dropped-architectures"
	ArchAnnotation        = "recorder.dev/architectures"
)

// SPOOptions shape a SeccompProfile object.
type SPOOptions struct {
	APIVersion string            // SPOv1 (the default) or SPOv1beta1
	Name       string            // metadata.name: with Output.Dir, the prefix "<Name>-" of each group's
	Namespace  string            // metadata.namespace (the CRD is cluster-scoped: an API server clears it)
	Labels     map[string]string // metadata.labels
	// Annotations are added to metadata.annotations (Output sets the
	// profile's provenance, ProvenanceAnnotations).
	Annotations map[string]string
}

// eperm is the errno a runtime's SCMP_ACT_ERRNO returns when no errnoRet
// says otherwise.
const eperm = 1

// Errors of ParseSPOOptions, in usage.Errors: the command words them with
// its flags.
var (
	ErrAPIVersion = errors.New("SeccompProfile API version")
	ErrLabel      = errors.New("label")
)

// ParseSPOVersion returns the API version named "v1" or "v1beta1" (or in
// full); another is a usage.Error wrapping ErrAPIVersion.
func ParseSPOVersion(s string) (string, error) {
	switch s {
	case "", "v1", SPOv1:
		return SPOv1, nil
	case "v1beta1", SPOv1beta1:
		return SPOv1beta1, nil
	}
	return "", usage.Errorf("%w %q: want v1 or v1beta1", ErrAPIVersion, s)
}

// ParseSPOOptions makes the options of an API version, a name and
// KEY=VALUE labels, checking them: a bad one is a usage.Error wrapping
// ErrAPIVersion or ErrLabel.
func ParseSPOOptions(version, name string, labels []string) (SPOOptions, error) {
	v, err := ParseSPOVersion(version)
	if err != nil {
		return SPOOptions{}, err
	}
	o := SPOOptions{APIVersion: v, Name: name}
	for _, l := range labels {
		k, v, err := ParseLabel(l)
		if err != nil {
			return SPOOptions{}, err
		}
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[k] = v
	}
	return o, nil
}

// ParseLabel parses "KEY=VALUE" as a Kubernetes label; a bad one is a
// usage.Error wrapping ErrLabel.
func ParseLabel(s string) (key, value string, err error) {
	key, value, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", usage.Errorf("%w %q: want KEY=VALUE", ErrLabel, s)
	}
	prefix, name, ok := strings.Cut(key, "/")
	if !ok {
		prefix, name = "", key
	}
	if ok && (len(prefix) > 253 || !dnsSubdomain.MatchString(prefix)) {
		return "", "", usage.Errorf("%w key %q: the prefix must be a DNS subdomain (lowercase, '-' and '.')", ErrLabel, key)
	}
	if len(name) > 63 || !labelName.MatchString(name) {
		return "", "", usage.Errorf("%w key %q: the name must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", ErrLabel, key)
	}
	if value != "" && (len(value) > 63 || !labelName.MatchString(value)) {
		return "", "", usage.Errorf("%w value %q: must be empty or 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", ErrLabel, value)
	}
	return key, value, nil
}

// The syntax of Kubernetes label keys and values (apimachinery's
// validation.IsQualifiedName and IsValidLabelValue; a test compares them).
var (
	labelName    = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

type spoProfile struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   spoMetadata         `json:"metadata"`
	Spec       *specs.LinuxSeccomp `json:"spec"`
}

type spoMetadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Marshal encodes p as a SeccompProfile in YAML that the CRD's schema
// accepts. name is made a DNS-1123 label (see ResourceName); the namespace,
// when set, must already be one. Architectures the CRD cannot hold are left
// out and listed in the annotation DroppedArchAnnotation. The CRD has no
// defaultErrnoRet: one of EPERM (1) is left out, as the runtime returns
// EPERM without it; any other is an error wrapping ErrProfile (an API
// server would drop it, and the profile would mean something else).
func (o SPOOptions) Marshal(name string, p *specs.LinuxSeccomp) ([]byte, error) {
	if p == nil || p.DefaultAction == "" {
		return nil, fmt.Errorf("marshal seccompprofile: %w: no defaultAction", ErrProfile)
	}
	if p.DefaultErrnoRet != nil && *p.DefaultErrnoRet != eperm {
		return nil, fmt.Errorf("marshal seccompprofile: %w: defaultErrnoRet %d: the SeccompProfile CRD has no field for it, and its default action would return EPERM", ErrProfile, *p.DefaultErrnoRet)
	}
	version, err := ParseSPOVersion(o.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("marshal seccompprofile: %w", err)
	}
	if o.Namespace != "" && !isDNSLabel(o.Namespace) {
		return nil, fmt.Errorf("marshal seccompprofile: namespace %q is not a DNS-1123 label", o.Namespace)
	}
	spec := sortedNames(p)
	spec.DefaultErrnoRet = nil // EPERM: what the runtime returns without it
	spec.Architectures = nil
	var dropped []string
	for _, a := range p.Architectures {
		if slices.Contains(SPOArchitectures, a) {
			spec.Architectures = append(spec.Architectures, a)
		} else {
			dropped = append(dropped, string(a))
		}
	}
	md := spoMetadata{Name: ResourceName(name), Namespace: o.Namespace}
	if len(o.Labels) > 0 {
		md.Labels = maps.Clone(o.Labels)
	}
	if len(dropped) > 0 {
		all := make([]string, len(p.Architectures))
		for i, a := range p.Architectures {
			all[i] = string(a)
		}
		md.Annotations = map[string]string{DroppedArchAnnotation: strings.Join(dropped, ","), ArchAnnotation: strings.Join(all, ",")}
	}
	if len(o.Annotations) > 0 {
		if md.Annotations == nil {
			md.Annotations = map[string]string{}
		}
		maps.Copy(md.Annotations, o.Annotations)
	}
	out, err := yaml.Marshal(spoProfile{APIVersion: version, Kind: "SeccompProfile", Metadata: md, Spec: spec})
	if err != nil {
		return nil, fmt.Errorf("marshal seccompprofile: %w", err)
	}
	return append([]byte("---\n"), out...), nil
}

// restoreArchitectures gives p back the whole list of ArchAnnotation, when
// the annotation holds spec.architectures in order and, besides, only
// architectures the CRD cannot hold (what Marshal left out); otherwise p
// is left as it is.
func restoreArchitectures(p *specs.LinuxSeccomp, ann map[string]string) {
	v, ok := ann[ArchAnnotation]
	if !ok || v == "" {
		return
	}
	var all []specs.Arch
	next := 0
	for _, a := range strings.Split(v, ",") {
		arch := specs.Arch(a)
		switch {
		case next < len(p.Architectures) && p.Architectures[next] == arch:
			next++
		case slices.Contains(SPOArchitectures, arch) || slices.Contains(all, arch):
			return // not what Marshal wrote
		}
		all = append(all, arch)
	}
	if next == len(p.Architectures) {
		p.Architectures = all
	}
}
