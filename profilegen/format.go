package profilegen

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// Format is a way to write a profile down.
type Format string

// The formats a profile is written in.
const (
	// OCI is plain OCI/Kubernetes JSON: the linux.seccomp object of a
	// runtime config, as the kubelet loads it from /var/lib/kubelet/seccomp/.
	OCI Format = "oci"
	// SPO is a Security Profiles Operator SeccompProfile object, in YAML.
	SPO Format = "spo"
)

// Formats lists the formats ParseFormat accepts.
var Formats = []Format{OCI, SPO}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("format %q: want %s", s, strings.Join(names, " or "))
}

// Ext returns the extension of the format's files, with its dot.
func (f Format) Ext() string {
	if f == SPO {
		return ".yaml"
	}
	return ".json"
}

// FormatOf is the format of a profile written to path: SPO for a name
// ending in .yaml or .yml, else def (a command's --format not given).
func FormatOf(path string, def Format) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return SPO
	}
	return def
}

// Marshal encodes p in the format; name names the object where the format
// has names (SPO's metadata.name, made a DNS-1123 label).
func (f Format) Marshal(name string, p *specs.LinuxSeccomp) ([]byte, error) {
	if f == SPO {
		return MarshalSPO(name, "", p)
	}
	return Marshal(p)
}

// Unmarshal decodes a profile of any format Unmarshal reads: the formats
// read one another's files, so Format.Unmarshal is the package's Unmarshal.
func (f Format) Unmarshal(data []byte) (*specs.LinuxSeccomp, error) { return Unmarshal(data) }

// ReadFile reads a profile file of any format (OCI JSON, SPO YAML or
// JSON), naming the file in its errors: ReadFileLimit with the default
// limit.
func ReadFile(path string) (*specs.LinuxSeccomp, error) {
	return ReadFileLimit(path, DefaultMaxProfileSize)
}
