package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
	"github.com/recorder-dev/recorder/source"
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
	status    statusFlags
	// keepEmpty: no record is no failure (record --under: what the profile
	// allows is not logged).
	keepEmpty bool
	inputs    []string // the files read, for the summary's hint
	// exit, when set, is the exit status that ends the command (record:
	// CMD's), unless writing fails.
	exit error
	// program, for record, is how its program ended, for the JSON summary.
	program *pipeline.ProgramJSON

	dest       profilegen.Output // the profiles' destination, opened by open
	opened     bool              // open opened dest
	explainOut *safefile.Target  // --explain, opened by open
}

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.output, "output", "o", "-", "write the profile (the union of all groups) to `FILE`; - is standard output")
	fs.StringVarP(&o.outputDir, "output-dir", "d", "", "write one profile per group to `DIR`/<group>.json instead")
	o.format.register(fs)
	o.format.registerSPO(fs)
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print no summary")
	fs.IntVar(&o.maxLines, "max-unknown-lines", pipeline.DefaultMaxUnknownLines, "list at most `N` unknown syscall numbers in the summary (0: all)")
	o.status.register(fs, "")
}

// check reports a bad combination as a usage error, once fs is parsed.
func (o *outputFlags) check(fs *pflag.FlagSet) error {
	if o.outputDir != "" && fs.Changed("output") {
		return usage.Wrap(errors.New("--output and --output-dir exclude each other"))
	}
	if o.explain != "" && o.outputDir == "" && safefile.SameOutput(o.output, o.explain) {
		return usage.Errorf("--explain %s: the profile goes there (--output %s)", o.explain, o.output)
	}
	if err := o.status.checkDir(o.outputDir); err != nil {
		return err
	}
	if j := o.status.json; j != "" && j != "-" {
		switch {
		case o.outputDir == "" && safefile.SameOutput(o.output, j):
			return usage.Errorf("--json=%s: the profile goes there (--output %s)", j, o.output)
		case o.explain != "" && safefile.SameOutput(o.explain, j):
			return usage.Errorf("--json=%s: the explanation goes there (--explain %s)", j, o.explain)
		}
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
	o.opened = true
	if o.explain != "" {
		t, err := safefile.OpenTarget(o.explain)
		if err != nil {
			o.dest.Close()
			return fmt.Errorf("--explain: %w", err)
		}
		o.explainOut = t
	}
	if err := o.status.open(); err != nil {
		o.close()
		return err
	}
	return nil
}

func (o *outputFlags) close() {
	o.dest.Close()
	if o.explainOut != nil {
		o.explainOut.Close()
	}
	o.status.close()
}

// write builds the profiles of p's groups, writes them and --explain (where
// open opened them), and
// tells what it did in unit ("line" or "record") on w unless quiet, as text
// or JSON (command names it). Nothing is written when a profile fails to
// build, when an input failed (inputErr) unless --partial, nor when no
// record was kept unless --allow-empty (exit status 3). Records lost are
// exit status 4 unless --allow-lost.
func (o *outputFlags) write(command string, p *pipeline.Pipeline, opt profilegen.Options, unit string, inputErr error, stdout, w io.Writer) error {
	outcome := o.status.outcome(&p.Counts)
	if o.keepEmpty && errors.Is(outcome, pipeline.ErrNothingKept) {
		outcome = nil
	}
	empty := errors.Is(outcome, pipeline.ErrNothingKept)
	built, left, err := p.Build(opt)
	written := err == nil && (inputErr == nil || o.partial) && !empty
	out := o.outputs(stdout)
	if o.opened {
		out = o.dest
	}
	out.Provenance = provenance(&p.Counts)
	if written {
		if err = out.Write(built, opt); err != nil {
			err = o.fallback(err, out, built, opt, nil)
		}
	}
	if written && err == nil && o.explain != "" {
		var b strings.Builder
		p.Config().Explain.WriteTo(&b, built, opt)
		t := o.explainOut
		if t == nil {
			if t, err = safefile.OpenTarget(o.explain); err != nil {
				err = fmt.Errorf("write --explain: %w", err)
			} else {
				defer t.Close()
			}
		}
		if err == nil {
			if err = t.Write(stdout, []byte(b.String()), 0o644); err != nil {
				err = o.fallback(fmt.Errorf("write --explain: %w", err), out, nil, opt, []byte(b.String()))
			}
		}
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
		MaxUnknown: cmp.Or(o.maxLines, -1), InputErr: inputErr, Partial: o.partial, NotWritten: empty, Output: &out, Users: &p.Users}
	if o.inputs != nil && p.Counts.Kept == 0 && p.Counts.Filtered == 0 { // replay: where are they?
		sum.Hint = source.Where(o.inputs)
	}
	if rerr := o.report(command, sum, wrote, errors.Join(inputErr, err), errors.Join(inputErr, own), w); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// report writes the summary of command, which ends with err, to w: as
// text unless quiet, as JSON with --json. The JSON's status is own's, the
// reading's own end: record's program exiting 3 or 4 is no "nothing
// matched" nor "lost" (its exitCode is the program's status).
func (o *outputFlags) report(command string, sum pipeline.Summary, wrote bool, err, own error, w io.Writer) error {
	if o.status.on() {
		j := summaryJSON(command, sum, sum.Output, wrote, err)
		j.Status = statusName(exitStatus(own))
		j.Program = o.program
		if err := o.status.write(w, j); err != nil {
			return err
		}
	}
	if !o.quiet && o.status.json != "-" {
		sum.WriteTo(w)
	}
	return nil
}

// fallback writes what a failed write (err) was to write, the profiles
// built or the --explain text, into a new directory of the user's
// (safefile.FallbackDir), with the same file names, mode 0600, and returns
// err naming where they went: a recording is never thrown away.
func (o *outputFlags) fallback(err error, out profilegen.Output, built []profilegen.Built, opt profilegen.Options, explain []byte) error {
	dir, ferr := safefile.FallbackDir()
	if ferr != nil {
		return fmt.Errorf("%w; and no fallback directory either: %w", err, ferr)
	}
	defer dir.Close()
	if explain != nil {
		ferr = dir.WriteFile(fallbackName(o.explain, "explain.txt"), explain, 0o600)
	} else {
		fb := o.outputs(nil)
		fb.Perm, fb.Provenance = 0o600, out.Provenance
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
	fs.Var(f, "format", "profile format: `oci|spo`: plain OCI/Kubernetes JSON, or Security Profiles Operator SeccompProfile YAML")
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
