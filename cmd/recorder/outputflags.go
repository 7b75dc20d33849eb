package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// outputFlags choose where the profiles of replay and record go.
type outputFlags struct {
	output    string
	outputDir string
	format    formatFlag
	quiet     bool
	partial   bool
	maxLines  int
	explain   string // --explain, from profileFlags
}

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.output, "output", "o", "-", "write the profile (the union of all groups) to `FILE`; - is standard output")
	fs.StringVarP(&o.outputDir, "output-dir", "d", "", "write one profile per group to `DIR`/<group>.json instead")
	o.format.register(fs)
	o.format.registerSPO(fs)
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print no summary")
	fs.IntVar(&o.maxLines, "max-unknown-lines", pipeline.DefaultMaxUnknownLines, "list at most `N` unknown syscall numbers in the summary (0: all)")
}

// check reports a bad combination as a usage error, once fs is parsed.
func (o *outputFlags) check(fs *pflag.FlagSet) error {
	if o.outputDir != "" && fs.Changed("output") {
		return usageError{errors.New("--output and --output-dir exclude each other")}
	}
	if o.explain != "" && o.outputDir == "" && profilegen.SameOutput(o.output, o.explain) {
		return usageError{fmt.Errorf("--explain %s: the profile goes there (--output %s)", o.explain, o.output)}
	}
	return o.format.resolve()
}

func (o *outputFlags) outputs(stdout io.Writer) profilegen.Output {
	return profilegen.Output{Path: o.output, Dir: o.outputDir, Format: o.format.f, W: stdout, SPO: o.format.spo}
}

// write builds the profiles of p's groups, writes them and --explain, and
// tells what it did in unit ("line" or "record") on w unless quiet.
// Nothing is written when a profile fails to build, nor when an input
// failed (inputErr) unless --partial.
func (o *outputFlags) write(p *pipeline.Pipeline, opt profilegen.Options, unit string, inputErr error, stdout, w io.Writer) error {
	built, left, err := p.Build(opt)
	written := err == nil && (inputErr == nil || o.partial)
	if written {
		err = o.outputs(stdout).Write(built, opt)
	}
	if written && err == nil && o.explain != "" {
		err = p.Config().Explain.WriteFile(o.explain, stdout, built, opt)
	}
	if !o.quiet {
		pipeline.Summary{Unit: unit, Counts: &p.Counts, Built: built, Left: left, Overflow: p.Set.Overflow(),
			MaxUnknown: cmp.Or(o.maxLines, -1), InputErr: inputErr, Partial: o.partial, Users: &p.Users}.WriteTo(w)
	}
	return err
}

// formatFlag is --format: a profilegen.Format, and the SeccompProfile
// object's --spo-version, --name and --label.
type formatFlag struct {
	f          profilegen.Format
	spoVersion string
	name       string
	labels     []string
	spo        profilegen.SPOOptions
}

func (f *formatFlag) register(fs *pflag.FlagSet) {
	f.f = profilegen.OCI
	fs.Var(f, "format", "profile format: `oci` (plain OCI/Kubernetes JSON) or spo (Security Profiles Operator SeccompProfile YAML)")
}

// registerSPO registers the SeccompProfile object's flags, for the
// commands that write profiles through profilegen.Output (see resolve).
func (f *formatFlag) registerSPO(fs *pflag.FlagSet) {
	fs.StringVar(&f.spoVersion, "spo-version", "v1", "SeccompProfile API version: `v1|v1beta1`")
	fs.StringVar(&f.name, "name", "", "SeccompProfile metadata.name `NAME` (with --output-dir, its prefix: NAME-<group>)")
	fs.StringArrayVar(&f.labels, "label", nil, "add the label `KEY=VALUE` to each SeccompProfile (repeatable)")
}

// resolve checks the SeccompProfile flags, once parsed.
func (f *formatFlag) resolve() (err error) {
	if f.spo, err = profilegen.ParseSPOOptions(f.spoVersion, f.name, f.labels); err != nil {
		return usageError{err}
	}
	return nil
}

func (f *formatFlag) String() string { return string(f.f) }
func (f *formatFlag) Type() string   { return "format" }
func (f *formatFlag) Set(s string) error {
	v, err := profilegen.ParseFormat(s)
	f.f = v
	return err
}
