package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/recorder-dev/recorder/profilegen"
)

// outputs is where profiles go: one file (or standard output) holding the
// union of every group, or one file per group in a directory.
type outputs struct {
	path   string // "-" is stdout
	dir    string
	format string // "oci" or "spo"
	stdout io.Writer
}

// groupReport is one group's profile and what its build reported.
type groupReport struct {
	group   string
	profile *specs.LinuxSeccomp
	report  *profilegen.Report
}

// build makes the profile of every group in the set.
func buildAll(set *profilegen.Set, opt profilegen.Options) ([]groupReport, error) {
	var out []groupReport
	for _, g := range set.Groups() {
		p, rep, err := profilegen.Build(set, g, opt)
		if err != nil {
			return nil, fmt.Errorf("build profile of %q: %w", g, err)
		}
		out = append(out, groupReport{group: g, profile: p, report: rep})
	}
	return out, nil
}

// write builds and writes the profiles. Nothing is written when any profile
// fails to build; a file that is written is replaced whole or not at all.
func (o outputs) write(set *profilegen.Set, opt profilegen.Options) ([]groupReport, error) {
	reports, err := buildAll(set, opt)
	if err != nil {
		return nil, err
	}
	if o.dir != "" {
		return reports, o.writeDir(reports)
	}
	profiles := make([]*specs.LinuxSeccomp, 0, len(reports))
	for _, r := range reports {
		profiles = append(profiles, r.profile)
	}
	union, err := profilegen.Union(opt, profiles...)
	if err != nil {
		return reports, err
	}
	data, err := o.encode("profile", union)
	if err != nil {
		return reports, err
	}
	if o.path == "-" || o.path == "" {
		_, err = o.stdout.Write(data)
		return reports, err
	}
	if err := profilegen.WriteFileAtomic(o.path, data, 0o644); err != nil {
		return reports, fmt.Errorf("write profile: %w", err)
	}
	return reports, nil
}

func (o outputs) writeDir(reports []groupReport) error {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return fmt.Errorf("create output dir: %w", err)
	}
	var errs []error
	for _, r := range reports {
		data, err := o.encode(r.group, r.profile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		path := filepath.Join(o.dir, profilegen.FileName(r.group)+o.ext())
		if err := profilegen.WriteFileAtomic(path, data, 0o644); err != nil {
			errs = append(errs, fmt.Errorf("write profile of %q: %w", r.group, err))
		}
	}
	return errors.Join(errs...)
}

func (o outputs) encode(name string, p *specs.LinuxSeccomp) ([]byte, error) {
	if o.format == "spo" {
		return profilegen.MarshalSPO(name, "", p)
	}
	return profilegen.Marshal(p)
}

func (o outputs) ext() string {
	if o.format == "spo" {
		return ".yaml"
	}
	return ".json"
}
