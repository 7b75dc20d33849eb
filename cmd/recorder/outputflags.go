package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// outputFlags choose where the outputs of replay and record go (package
// output writes them).
type outputFlags struct {
	w        output.Writer
	format   formatFlag
	partial  bool
	maxLines int
	status   statusFlags
	// keepEmpty: no record is no failure (record --under: what the profile
	// allows is not logged).
	keepEmpty bool
	inputs    []string // the files read, for the summary's hint
	// exit, when set, is the exit status that ends the command (record:
	// CMD's), unless writing fails.
	exit error
	// program, for record, is how its program ended, for the JSON summary.
	program *pipeline.ProgramJSON
}

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.w.Path, "output", "o", "-", "write the profile (the union of all groups) to `FILE`; - is standard output")
	fs.StringVarP(&o.w.Dir, "output-dir", "d", "", "write one profile per group to `DIR`/<group>.json instead")
	o.format.register(fs)
	o.format.registerSPO(fs, "(with --output-dir, its prefix: NAME-<group>)")
	fs.BoolVarP(&o.w.Quiet, "quiet", "q", false, "print no summary")
	fs.IntVar(&o.maxLines, "max-unknown-lines", pipeline.DefaultMaxUnknownLines, "list at most `N` unknown syscall numbers in the summary (0: all)")
	o.status.register(fs, "")
}

// check reports a bad combination as a usage error, once fs is parsed;
// explain is --explain.
func (o *outputFlags) check(fs *pflag.FlagSet, explain string) error {
	w := &o.w
	w.Explain, w.JSON = explain, o.status.json
	if w.Dir != "" && fs.Changed("output") {
		return usage.Wrap(errors.New("--output and --output-dir exclude each other"))
	}
	if err := o.format.resolve(fs, w.Path); err != nil {
		return err
	}
	w.Format, w.SPO = o.format.f, o.format.spo
	if err := w.Check(); err != nil { // once the format is known: it names the files
		return usage.Wrap(err)
	}
	return nil
}

// open opens every output now (package output): a bad -o, -d, --explain
// or --json=FILE fails before the workload starts or the reading begins,
// not after.
func (o *outputFlags) open(stdout io.Writer) error {
	o.w.W = stdout
	o.w.Provenance = &profilegen.Provenance{} // the reading's, at write: known now, the companion is opened too
	return o.w.Open()
}

// write builds the profiles of p's groups, writes them and --explain, and
// tells what it did in unit ("line" or "record") on w unless quiet, as text
// or JSON (command names it). Nothing is written when a profile fails to
// build, when an input failed (inputErr) unless --partial, nor when no
// record was kept unless --allow-empty (exit status 3). Records lost are
// exit status 4 unless --allow-lost.
func (o *outputFlags) write(command string, p *pipeline.Pipeline, opt profilegen.Options, unit string, inputErr error, w io.Writer) error {
	outcome := o.status.outcome(&p.Counts)
	if o.keepEmpty && errors.Is(outcome, pipeline.ErrNothingKept) {
		outcome = nil
	}
	empty := errors.Is(outcome, pipeline.ErrNothingKept)
	built, left, err := p.Build(opt)
	written := err == nil && (inputErr == nil || o.partial) && !empty
	o.w.Provenance = output.Provenance(&p.Counts)
	if written {
		err = o.w.Save(built, opt, output.ExplainText(p.Config().Explain, built, opt))
	}
	wrote := written && err == nil
	own := err // the recording's own end, whatever CMD's status
	if err == nil && inputErr == nil {
		own = outcome
	}
	switch {
	case err != nil:
	case o.exit != nil:
		err = o.exit
	case inputErr == nil:
		err = outcome
	}
	sum := pipeline.Summary{Unit: unit, Counts: &p.Counts, Built: built, Left: left, Overflow: p.Set.Overflow(),
		MaxUnknown: cmp.Or(o.maxLines, -1), InputErr: inputErr, Partial: o.partial, NotWritten: empty, Output: &o.w.Output, Users: &p.Users}
	if o.inputs != nil && p.Counts.Kept == 0 && p.Counts.Filtered == 0 { // replay: where are they?
		sum.Hint = source.Where(o.inputs)
	}
	var j *pipeline.SummaryJSON
	if o.w.JSON != "" { // the JSON's status is the reading's own: record's program exiting 3 is no "nothing matched"
		s := summaryJSON(command, sum, &o.w.Output, wrote, errors.Join(inputErr, err))
		s.Status, s.Program = statusName(exitStatus(errors.Join(inputErr, own))), o.program
		j = &s
	}
	if rerr := o.w.Report(w, &sum, j); rerr != nil {
		return errors.Join(err, rerr)
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
	fs.Var(f, "format", "profile format: `oci|spo`: plain OCI/Kubernetes JSON, or Security Profiles Operator SeccompProfile YAML")
}

// registerSPO registers the SeccompProfile object's flags (see resolve);
// name tells what --name names.
func (f *formatFlag) registerSPO(fs *pflag.FlagSet, name string) {
	fs.StringVar(&f.spoVersion, "spo-version", "v1", "SeccompProfile API version: `v1|v1beta1`")
	fs.StringVar(&f.name, "name", "", "SeccompProfile metadata.name `NAME` "+name)
	fs.StringArrayVar(&f.labels, "label", nil, "add the label `KEY=VALUE` to each SeccompProfile (repeatable)")
}

// resolve checks the SeccompProfile flags, once fs is parsed; out is the
// output file, whose name ending in .yaml or .yml means SPO when --format
// is not given (fs nil: the format as given).
func (f *formatFlag) resolve(fs *pflag.FlagSet, out string) (err error) {
	if fs != nil && !fs.Changed("format") {
		f.f = profilegen.FormatOf(out, f.f)
	}
	f.spo, err = profilegen.ParseSPOOptions(f.spoVersion, f.name, f.labels)
	switch {
	case errors.Is(err, profilegen.ErrAPIVersion):
		return fmt.Errorf("--spo-version: %w", err)
	case errors.Is(err, profilegen.ErrLabel):
		return fmt.Errorf("--label: %w", err)
	}
	return err
}

func (f *formatFlag) String() string { return string(f.f) }
func (f *formatFlag) Type() string   { return "format" }
func (f *formatFlag) Set(s string) error {
	v, err := profilegen.ParseFormat(s)
	f.f = v
	return err
}
