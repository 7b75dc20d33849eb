package profiletool

import (
	"errors"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/profilegen"
)

// Systemd is the format of Convert that writes systemd unit settings.
const Systemd Format = "systemd"

// Format is what Convert writes: profilegen's formats (oci, spo) and
// systemd.
type Format = profilegen.Format

// ErrFormat: a format Convert does not know (in a usage.Error).
var ErrFormat = errors.New("unknown format")

// ParseFormat returns the format named s: oci, spo or systemd.
func ParseFormat(s string) (Format, error) {
	if s == string(Systemd) {
		return Systemd, nil
	}
	f, err := profilegen.ParseFormat(s)
	if err != nil {
		return "", usage.Errorf("%w: %q: want oci, spo or systemd", ErrFormat, s)
	}
	return f, nil
}

// Convert writes p in the format f. name names the profile: SPO's
// metadata.name (made a DNS-1123 label), the comment of the systemd
// settings. notes are what the format could not say (see SystemdUnit).
// OCI and SPO are written as profilegen writes them, so a profile
// profilegen wrote goes from one to the other and back byte for byte.
func Convert(p *specs.LinuxSeccomp, f Format, name string) (data []byte, notes []string, err error) {
	if f == Systemd {
		return SystemdUnit(name, p)
	}
	data, err = f.Marshal(name, p)
	return data, nil, err
}
