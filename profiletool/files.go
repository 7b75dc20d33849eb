package profiletool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
	"github.com/recorder-dev/recorder/syscalls"
)

// The commands of the toolkit, on files: what recorder merge, diff,
// convert, lint, check and profile run once their flags are parsed.
// Profiles are read with profilegen.ReadFile (OCI JSON or SPO YAML); out
// means what safefile.OutputDest says ("-", "" and /dev/stdout are w),
// and a file is written whole or not at all (safefile.WriteOutput).

// ErrFound: diff found differences, lint findings that fail, check calls
// that would be denied; what was found is written already.
var ErrFound = errors.New("found")

// Options that do not go together: usage.Errors wrapping these, which the
// command words with its flags.
var (
	// ErrNoProfile: check was given no profile to check against.
	ErrNoProfile = errors.New("no profile to check against")
	// ErrNotRecording: a base profile, or logging denials, asked of a
	// profile that is not the recording profile.
	ErrNotRecording = errors.New("only the recording profile takes a base profile or logs denials")
)

func readAll(paths ...string) ([]*specs.LinuxSeccomp, error) {
	var ps []*specs.LinuxSeccomp
	for _, path := range paths {
		p, err := profilegen.ReadFile(path)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// writeOut writes data where out says (safefile.WriteOutput): w for
// standard output ("-", "", /dev/stdout), nowhere for /dev/null, else the
// file out, replaced whole.
func writeOut(w io.Writer, out string, data []byte) error {
	return safefile.WriteOutput(out, w, data)
}

// objectName is the name of the profile in file path (its base name
// without extension), "profile" for standard output and /dev/null.
func objectName(path string) string {
	if dest, _ := safefile.OutputDest(path); dest != safefile.DestFile {
		return "profile"
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// MergeFiles writes the Merge of the profiles files to out in format f.
func MergeFiles(w io.Writer, out string, f Format, files ...string) error {
	ps, err := readAll(files...)
	if err != nil {
		return err
	}
	m, err := Merge(ps...)
	if err != nil {
		return fmt.Errorf("merge %s: %w", strings.Join(files, " "), err)
	}
	data, err := f.Marshal(objectName(out), m)
	if err != nil {
		return err
	}
	return writeOut(w, out, data)
}

// DiffFiles writes the Diff of the profiles a and b to w; the error wraps
// ErrFound when they differ.
func DiffFiles(w io.Writer, a, b string) error {
	d, err := diffFiles(a, b)
	if err != nil {
		return err
	}
	if _, err := d.WriteTo(w); err != nil || d.Empty() {
		return err
	}
	return ErrFound
}

// DiffFilesJSON is DiffFiles' JSON form.
func DiffFilesJSON(a, b string) (DiffJSON, error) {
	d, err := diffFiles(a, b)
	if err != nil {
		return DiffJSON{SchemaVersion: pipeline.SchemaVersion, Command: "diff", A: a, B: b,
			OnlyA: []string{}, OnlyB: []string{}, Changes: []ChangeJSON{}, Error: err.Error()}, err
	}
	if d.Empty() {
		return d.JSON(), nil
	}
	return d.JSON(), ErrFound
}

func diffFiles(a, b string) (*Difference, error) {
	ps, err := readAll(a, b)
	if err != nil {
		return nil, err
	}
	return Diff(a, ps[0], b, ps[1]), nil
}

// ConvertFile writes the profile file to out in format f, named name (its
// file's name when empty); what the format cannot say goes to notes, one
// line each.
func ConvertFile(w, notes io.Writer, out string, f Format, name, file string) error {
	ps, err := readAll(file)
	if err != nil {
		return err
	}
	if name == "" {
		name = objectName(file)
	}
	data, ns, err := Convert(ps[0], f, name)
	for _, n := range ns {
		fmt.Fprintf(notes, "note: %s\n", n)
	}
	if err != nil {
		return fmt.Errorf("convert %s: %w", file, err)
	}
	return writeOut(w, out, data)
}

// LintFiles writes the findings of each profile, each naming its file;
// the error wraps ErrFound when one has an error (or, with strict, a
// warning).
func LintFiles(w io.Writer, strict bool, files ...string) error {
	failed := false
	for _, file := range files {
		fs, err := lintFile(file)
		if err != nil {
			return err
		}
		LintSummary(w, file, fs)
		failed = failed || LintFailed(fs, strict)
	}
	if failed {
		return ErrFound
	}
	return nil
}

// LintFilesJSON is LintFiles' JSON form. A file that cannot be read or
// linted is in it with its error, and the error is returned once every
// file was linted.
func LintFilesJSON(strict bool, files ...string) (LintJSON, error) {
	j := LintJSON{SchemaVersion: pipeline.SchemaVersion, Command: "lint", Strict: strict, Files: []LintFileJSON{}}
	var errs []error
	for _, file := range files {
		fs, err := lintFile(file)
		fj := lintFileJSON(file, fs)
		if err != nil {
			fj.Error = err.Error()
			errs = append(errs, err)
		}
		j.Files = append(j.Files, fj)
		j.Failed = j.Failed || LintFailed(fs, strict)
	}
	if err := errors.Join(errs...); err != nil {
		return j, err
	}
	if j.Failed {
		return j, ErrFound
	}
	return j, nil
}

func lintFile(file string) ([]Finding, error) {
	// Decoded, not validated: Lint reports each problem.
	p, err := profilegen.DecodeFileLimit(file, profilegen.DefaultMaxProfileSize)
	if err != nil {
		return nil, err
	}
	return Lint(p)
}

// CheckLogs replays the logs (stdin for none or "-") through a pipeline of
// one group that keeps the records filter keeps (nil: all), Checks them
// against the profile file, and writes the report to w; the error wraps
// ErrFound when a call would be denied (or, with strict, may be), and is
// ErrNothingChecked when no record was.
func CheckLogs(ctx context.Context, w io.Writer, stdin io.Reader, profile string, filter *pipeline.Filter, strict bool, logs ...string) error {
	rep, readErr, err := checkLogs(ctx, stdin, profile, filter, logs)
	if err != nil {
		return err
	}
	if _, err := rep.WriteTo(w); err != nil || readErr != nil {
		return errors.Join(readErr, err)
	}
	return rep.outcome(strict)
}

// ErrNothingChecked: the logs held no seccomp record that the filter
// kept, so nothing was checked (wraps pipeline.ErrNothingKept).
var ErrNothingChecked = fmt.Errorf("%w: nothing was checked", pipeline.ErrNothingKept)

// outcome is ErrFound when a call would be denied (or, with strict, may
// be), ErrNothingChecked when no record was checked, else nil.
func (r *CheckReport) outcome(strict bool) error {
	switch {
	case r.Failed(strict):
		return ErrFound
	case r.Records == 0:
		return ErrNothingChecked
	}
	return nil
}

// CheckLogsJSON is CheckLogs' JSON form.
func CheckLogsJSON(ctx context.Context, stdin io.Reader, profile string, filter *pipeline.Filter, strict bool, logs ...string) (CheckJSON, error) {
	rep, readErr, err := checkLogs(ctx, stdin, profile, filter, logs)
	if err != nil {
		return CheckJSON{SchemaVersion: pipeline.SchemaVersion, Command: "check", Profile: profile, Strict: strict,
			Denied: []CheckedJSON{}, MayDeny: []CheckedJSON{}, Unknown: []CheckedJSON{}, Error: err.Error()}, err
	}
	j := rep.JSON(strict)
	switch {
	case readErr != nil:
		j.InputError = readErr.Error()
		return j, readErr
	}
	return j, rep.outcome(strict)
}

// checkLogs is the report of CheckLogs, and the error of an input that
// failed while it was read (the report holds what was read before).
func checkLogs(ctx context.Context, stdin io.Reader, profile string, filter *pipeline.Filter, logs []string) (*CheckReport, error, error) {
	if profile == "" {
		return nil, nil, usage.Wrap(ErrNoProfile)
	}
	ps, err := readAll(profile)
	if err != nil {
		return nil, nil, err
	}
	inputs, err := pipeline.OpenInputs(logs, stdin)
	if err != nil {
		return nil, nil, err
	}
	defer pipeline.CloseInputs(inputs)
	pl := pipeline.New(pipeline.Config{Filter: filter, GroupBy: pipeline.GroupNone, Explain: pipeline.NewExplain()})
	readErr := pl.ReadAll(ctx, inputs)
	return Check(profile, ps[0], pl), readErr, nil
}

// ProfileFile writes to out, in format f, the RecordingProfile of this
// host's ABI (with the profile file from, when not empty; WithLog when
// logDenials is set) when recording is set, else its RuntimeDefault.
func ProfileFile(w io.Writer, out string, f Format, recording bool, from string, logDenials bool) error {
	if (from != "" || logDenials) && !recording {
		return usage.Wrap(ErrNotRecording)
	}
	native, ok := syscalls.NativeArch()
	if !ok {
		return errors.New("profile: this host has no seccomp ABI of the table")
	}
	var p, fromP *specs.LinuxSeccomp
	var err error
	if from != "" {
		ps, err := readAll(from)
		if err != nil {
			return err
		}
		fromP = ps[0]
	}
	if recording {
		p, err = RecordingProfile(native, fromP)
		if err == nil && logDenials {
			p = WithLog(p)
		}
	} else {
		p, err = RuntimeDefault(native)
	}
	if err != nil {
		return err
	}
	data, err := f.Marshal(objectName(out), p)
	if err != nil {
		return err
	}
	return writeOut(w, out, data)
}
