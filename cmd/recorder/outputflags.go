package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
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

	dest       profilegen.Output // the profiles' destination, opened by open
	explainOut *safefile.Target  // --explain, opened by open
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
	if o.explain != "" && o.outputDir == "" && safefile.SameOutput(o.output, o.explain) {
		return usageError{fmt.Errorf("--explain %s: the profile goes there (--output %s)", o.explain, o.output)}
	}
	return o.format.resolve()
}

func (o *outputFlags) outputs(stdout io.Writer) profilegen.Output {
	return profilegen.Output{Path: o.output, Dir: o.outputDir, Format: o.format.f, W: stdout, SPO: o.format.spo}
}

// open opens every output now (package safefile): a bad -o, -d or
// --explain fails before the workload starts or the reading begins, not
// after, and write writes through what open opened. close closes it.
func (o *outputFlags) open(stdout io.Writer) error {
	o.dest = o.outputs(stdout)
	if err := o.dest.Open(); err != nil {
		return err
	}
	if o.explain != "" {
		t, err := safefile.OpenTarget(o.explain)
		if err != nil {
			o.dest.Close()
			return fmt.Errorf("--explain: %w", err)
		}
		o.explainOut = t
	}
	return nil
}

func (o *outputFlags) close() {
	o.dest.Close()
	if o.explainOut != nil {
		o.explainOut.Close()
	}
}

// write builds the profiles of p's groups, writes them and --explain where
// open opened them, and tells what it did in unit ("line" or "record") on
// w unless quiet. Nothing is written when a profile fails to build, nor
// when an input failed (inputErr) unless --partial. A write that fails
// sends what it would have written to a fallback directory (fallback).
func (o *outputFlags) write(p *pipeline.Pipeline, opt profilegen.Options, unit string, inputErr error, stdout, w io.Writer) error {
	built, left, err := p.Build(opt)
	written := err == nil && (inputErr == nil || o.partial)
	var explain []byte
	if written && o.explain != "" {
		var b strings.Builder
		p.Config().Explain.WriteTo(&b, built, opt)
		explain = []byte(b.String())
	}
	if written {
		if err = o.dest.Write(built, opt); err != nil {
			err = o.fallback(err, built, opt, nil)
		}
	}
	if written && err == nil && o.explainOut != nil {
		if err = o.explainOut.Write(stdout, explain, 0o644); err != nil {
			err = o.fallback(fmt.Errorf("write --explain: %w", err), nil, opt, explain)
		}
	}
	if !o.quiet {
		pipeline.Summary{Unit: unit, Counts: &p.Counts, Built: built, Left: left, Overflow: p.Set.Overflow(),
			MaxUnknown: cmp.Or(o.maxLines, -1), InputErr: inputErr, Partial: o.partial, Users: &p.Users}.WriteTo(w)
	}
	return err
}

// fallback writes what a failed write (err) was to write, the profiles
// built or the --explain text, into a new directory of the user's
// (safefile.FallbackDir), with the same file names, mode 0600, and returns
// err naming where they went: a recording is never thrown away.
func (o *outputFlags) fallback(err error, built []profilegen.Built, opt profilegen.Options, explain []byte) error {
	dir, ferr := safefile.FallbackDir()
	if ferr != nil {
		return fmt.Errorf("%w; and no fallback directory either: %w", err, ferr)
	}
	defer dir.Close()
	if explain != nil {
		ferr = dir.WriteFile(fallbackName(o.explain, "explain.txt"), explain, 0o600)
	} else {
		fb := o.outputs(nil)
		fb.Perm = 0o600
		if fb.Dir != "" {
			fb.Dir = dir.Path()
		} else {
			fb.Path = filepath.Join(dir.Path(), fallbackName(o.output, "profile"+o.format.f.Ext()))
		}
		ferr = fb.Write(built, opt)
	}
	if ferr == nil {
		ferr = dir.Finish()
	}
	if ferr != nil {
		return fmt.Errorf("%w; and writing to the fallback directory %s failed too: %w", err, dir.Path(), ferr)
	}
	return fmt.Errorf("%w; %w: written to %s instead", err, errFallback, dir.Path())
}

// errFallback: the output could not be written, and went to a fallback
// directory instead (still an error: not where it was asked for).
var errFallback = errors.New("the recording is kept")

// fallbackName is the base name of the output path, or def when it names
// no file.
func fallbackName(path, def string) string {
	if dest, _ := safefile.OutputDest(path); dest != safefile.DestFile {
		return def
	}
	return filepath.Base(path)
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
