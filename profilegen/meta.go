package profilegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
	"sigs.k8s.io/yaml"
)

// Meta is what a SeccompProfile object says of itself besides its
// profile: its name, labels and annotations. An OCI profile has none.
type Meta struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
}

// Carried returns m's annotations to carry to another object of the same
// profile: all but the architectures', which SPOOptions.Marshal writes
// from the profile itself.
func (m Meta) Carried() map[string]string {
	a := maps.Clone(m.Annotations)
	delete(a, ArchAnnotation)
	delete(a, DroppedArchAnnotation)
	return a
}

// UnmarshalMeta returns the Meta of the SeccompProfile in data (YAML or
// JSON); the zero Meta for any other profile.
func UnmarshalMeta(data []byte) (Meta, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] != '{' {
		if err := checkYAML(data); err != nil {
			return Meta{}, fmt.Errorf("%w: %w", ErrProfile, err)
		}
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return Meta{}, fmt.Errorf("%w: neither JSON nor YAML: %w", ErrProfile, err)
		}
		data = j
	}
	var obj struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name        string            `json:"name"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &obj); err != nil || obj.Kind != "SeccompProfile" {
		return Meta{}, nil // Unmarshal reports what is wrong with the profile
	}
	md := obj.Metadata
	return Meta{Name: md.Name, Labels: md.Labels, Annotations: md.Annotations}, nil
}

// ReadFileMeta reads a profile file as ReadFileLimit does, and its Meta,
// from one read of the file.
func ReadFileMeta(path string, max int64) (*specs.LinuxSeccomp, Meta, error) {
	if max <= 0 {
		max = DefaultMaxProfileSize
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, Meta{}, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, Meta{}, fmt.Errorf("%s: is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, Meta{}, fmt.Errorf("read %s: %w", path, err)
	}
	p, err := ReadLimit(bytes.NewReader(data), path, max)
	if err != nil {
		return nil, Meta{}, err
	}
	m, err := UnmarshalMeta(data)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, m, nil
}
