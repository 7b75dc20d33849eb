package profilegen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
	"sigs.k8s.io/yaml"
)

// ErrProfile: the input is not a seccomp profile. Errors from Unmarshal wrap
// it, and a *ProfileError when the position of the fault is known.
var ErrProfile = errors.New("bad seccomp profile")

// ProfileError is a syntax or type error in a JSON profile, at a position.
type ProfileError struct {
	Offset int64 // 0-based byte offset of the faulty byte or value
	Line   int   // 1-based
	Column int   // 1-based, in bytes
	Err    error
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("line %d, column %d (offset %d): %v", e.Line, e.Column, e.Offset, e.Err)
}

func (e *ProfileError) Unwrap() error { return e.Err }

// Marshal encodes p as plain OCI JSON (the linux.seccomp object of a runtime
// config, which Kubernetes loads from /var/lib/kubelet/seccomp/): two-space
// indent, the spec's field order, each rule's names sorted, a final newline.
// The same profile always gives the same bytes.
func Marshal(p *specs.LinuxSeccomp) ([]byte, error) {
	if p == nil || p.DefaultAction == "" {
		return nil, fmt.Errorf("marshal profile: %w: no defaultAction", ErrProfile)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sortedNames(p)); err != nil {
		return nil, fmt.Errorf("marshal profile: %w", err)
	}
	return buf.Bytes(), nil
}

// sortedNames returns a copy of p with the names of each rule sorted.
func sortedNames(p *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	c := *p
	c.Syscalls = slices.Clone(p.Syscalls)
	for i := range c.Syscalls {
		c.Syscalls[i].Names = slices.Sorted(slices.Values(c.Syscalls[i].Names))
	}
	return &c
}

// profileJSON is what Unmarshal reads: the OCI fields, plus the single
// "name" of early Docker profiles. Other Docker-only fields (archMap,
// includes, excludes, comment) are ignored, as containerd does.
type profileJSON struct {
	specs.LinuxSeccomp
	Syscalls []syscallJSON `json:"syscalls,omitempty"`
}

type syscallJSON struct {
	specs.LinuxSyscall
	Name string `json:"name,omitempty"`
}

// spoJSON is a Security Profiles Operator SeccompProfile, as JSON.
type spoJSON struct {
	Kind     string           `json:"kind"`
	Spec     *json.RawMessage `json:"spec"`
	Metadata struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// Unmarshal reads a seccomp profile: OCI JSON (Kubernetes Localhost
// profiles, Docker profiles, this package's output) or a Security Profiles
// Operator SeccompProfile in YAML or JSON. Syntax and type errors are
// reported with their line and column (for YAML, in its JSON translation; for
// a SeccompProfile's spec, within the spec). Docker-only fields are ignored:
// a rule's includes/excludes no longer restrict it.
func Unmarshal(data []byte) (*specs.LinuxSeccomp, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrProfile)
	}
	if trimmed[0] != '{' {
		if err := checkYAML(data); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProfile, err)
		}
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%w: neither JSON nor YAML: %w", ErrProfile, err)
		}
		data = j
	}
	var env spoJSON
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, positioned(data, err)
	}
	if env.Kind == "SeccompProfile" && env.Spec != nil {
		data = *env.Spec // positions below are then within spec
	}
	var pj profileJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, positioned(data, err)
	}
	if pj.DefaultAction == "" {
		return nil, fmt.Errorf("%w: no defaultAction", ErrProfile)
	}
	p := pj.LinuxSeccomp
	p.Syscalls = nil
	for _, s := range pj.Syscalls {
		if s.Name != "" {
			s.Names = append(s.Names, s.Name)
		}
		p.Syscalls = append(p.Syscalls, s.LinuxSyscall)
	}
	if env.Kind == "SeccompProfile" {
		restoreArchitectures(&p, env.Metadata.Annotations)
	}
	return &p, nil
}

// positioned wraps a json error with the line and column of its offset.
func positioned(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return fmt.Errorf("%w: %w", ErrProfile, err)
	}
	// Offset counts the bytes read, the faulty one included: point at it.
	off = max(0, min(off-1, int64(len(data))))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("%w: %w", ErrProfile, &ProfileError{Offset: off, Line: line, Column: col, Err: err})
}

// SPOAPIVersion is the API version MarshalSPO writes: v1, the storage
// version of the operator's CRD (SPOv1beta1 is the other one it serves).
const SPOAPIVersion = SPOv1

// MarshalSPO encodes p as a Security Profiles Operator SeccompProfile
// (apiVersion SPOAPIVersion) in YAML: SPOOptions{Namespace: namespace}.Marshal.
func MarshalSPO(name, namespace string, p *specs.LinuxSeccomp) ([]byte, error) {
	return SPOOptions{Namespace: namespace}.Marshal(name, p)
}
