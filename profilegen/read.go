package profilegen

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultMaxProfileSize is the largest profile file ReadFile reads: 1 MiB,
// some fifty times Docker's default profile.
const DefaultMaxProfileSize = 1 << 20

// ErrProfileTooLarge: a profile file is larger than the limit it is read
// with (a --base /dev/zero would otherwise fill the memory).
var ErrProfileTooLarge = errors.New("profile file too large")

// ReadFileLimit reads a profile file of any format (OCI JSON, SPO YAML or
// JSON) of at most max bytes (max <= 0: DefaultMaxProfileSize), naming the
// file in its errors: DecodeFileLimit, then Validate. A profile that a
// runtime would refuse is an error wrapping ErrInvalid (an *InvalidError
// listing every problem): every reader of profiles refuses it.
func ReadFileLimit(path string, max int64) (*specs.LinuxSeccomp, error) {
	p, err := DecodeFileLimit(path, max)
	if err != nil {
		return nil, err
	}
	if p, err = validated(p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// DecodeFileLimit reads a profile file as ReadFileLimit does, but does not
// validate it: for lint, which reports each problem. The file is opened
// without blocking: a FIFO with no writer reads as empty; a device such as
// /dev/zero ends at the limit.
func DecodeFileLimit(path string, max int64) (*specs.LinuxSeccomp, error) {
	if max <= 0 {
		max = DefaultMaxProfileSize
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	return decode(f, path, max)
}

// ReadLimit reads a profile as ReadFileLimit does, from r, an open file
// (watch --resume reads through its directory's handle) that name names
// in the errors.
func ReadLimit(r io.Reader, name string, max int64) (*specs.LinuxSeccomp, error) {
	if max <= 0 {
		max = DefaultMaxProfileSize
	}
	p, err := decode(r, name, max)
	if err != nil {
		return nil, err
	}
	if p, err = validated(p); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// decode reads at most max bytes of r and decodes them (Unmarshal).
func decode(r io.Reader, name string, max int64) (*specs.LinuxSeccomp, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: more than %d bytes (the limit can be raised)", name, ErrProfileTooLarge, max)
	}
	p, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// LookupBaseLimit is LookupBase reading a FILE of at most max bytes.
func LookupBaseLimit(spec string, max int64) (Base, error) {
	if _, ok := bases[spec]; ok || spec == "" {
		return LookupBase(spec)
	}
	p, err := ReadFileLimit(spec, max)
	if err != nil {
		return Base{}, fmt.Errorf("base profile (minimal, runc, crun, none or a file): %w", err)
	}
	return Base{Name: spec, Names: allowed(p)}, nil
}
