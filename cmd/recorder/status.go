package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/safefile"
)

// statusFlags are --allow-empty, --allow-lost and --json: what replay,
// record and watch make of a reading that found nothing or lost records
// (help/exit-status.txt), and the summary's JSON form.
type statusFlags struct {
	allowEmpty, allowLost bool
	jsonFlag
}

func (s *statusFlags) register(fs *pflag.FlagSet, command string) {
	empty := "when no record matched, still write the profile (the base set alone: it kills most workloads) and exit 0"
	if command == "watch" {
		empty = "exit 0, not 3, when no record matched"
	}
	fs.BoolVar(&s.allowEmpty, "allow-empty", false, empty)
	fs.BoolVar(&s.allowLost, "allow-lost", false, "exit 0, not 4, when the kernel dropped records (the profile may miss calls)")
	s.jsonFlag.register(fs, "summary")
}

// outcome is what counts make of the end of a reading: exit status 3 when
// nothing was kept (unless --allow-empty), 4 when records were lost
// (unless --allow-lost), else nil.
func (s *statusFlags) outcome(c *pipeline.Counts) error {
	switch err := c.Outcome(); {
	case errors.Is(err, pipeline.ErrNothingKept) && !s.allowEmpty:
		return statusError{exitEmpty, fmt.Errorf("%w: no profile written (--allow-empty writes it)", err)}
	case errors.Is(err, pipeline.ErrLost) && !s.allowLost:
		return statusError{exitLost, fmt.Errorf("%w: the profile is written, but may miss calls (--allow-lost: exit 0)", err)}
	}
	return nil
}

// jsonFlag is --json[=FILE]: a command's summary or report as JSON
// (docs/json.md), instead of its text on the same stream, or to FILE.
type jsonFlag struct {
	json   string
	target *safefile.Target // FILE, opened by open
}

// open opens --json's FILE now, as the other outputs are (package
// safefile): a bad one fails before the reading begins, not after the
// profile is written. close closes it.
func (j *jsonFlag) open() error {
	if j.json == "" || j.json == "-" {
		return nil
	}
	t, err := safefile.OpenTarget(j.json)
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	j.target = t
	return nil
}

func (j *jsonFlag) close() {
	if j.target != nil {
		j.target.Close()
		j.target = nil
	}
}

func (j *jsonFlag) register(fs *pflag.FlagSet, what string) {
	fs.StringVar(&j.json, "json", "", "write the "+what+" as JSON (docs/json.md): --json in place of the text, --json=`FILE` to FILE")
	fs.Lookup("json").NoOptDefVal = "-"
}

// checkDir refuses, as a usage error, a --json=FILE in the output
// directory dir ("" for none): a group's profile there may have FILE's
// name (a comm "summary" is the file summary.json), and the summary,
// written last, would replace it.
func (j *jsonFlag) checkDir(dir string) error {
	if dir == "" || j.json == "" || j.json == "-" {
		return nil
	}
	in, errA := filepath.Abs(filepath.Dir(j.json))
	d, errB := filepath.Abs(dir)
	same := errA == nil && errB == nil && in == d
	if !same {
		a, errA := os.Stat(in)
		b, errB := os.Stat(d)
		same = errA == nil && errB == nil && os.SameFile(a, b)
	}
	if same {
		return usage.Errorf("--json=%s: in the output directory %s, where a group's profile may have its name", j.json, dir)
	}
	return nil
}

// on reports whether --json was given.
func (j *jsonFlag) on() bool { return j.json != "" }

// write writes v as JSON: to the file --json names, or to w (the text's
// stream) for --json alone.
func (j *jsonFlag) write(w io.Writer, v any) error {
	if j.json == "-" {
		return pipeline.WriteJSON(w, v)
	}
	var buf bytes.Buffer
	if err := pipeline.WriteJSON(&buf, v); err != nil {
		return err
	}
	if j.target != nil {
		if err := j.target.Write(w, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--json: %w", err)
		}
		return nil
	}
	if err := safefile.WriteOutput(j.json, w, buf.Bytes()); err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}

// statusName is the JSON form's status of an exit status.
func statusName(code int) string {
	switch code {
	case 0:
		return "complete"
	case exitEmpty:
		return "nothing-matched"
	case exitLost:
		return "lost"
	}
	return "error"
}

// summaryJSON is s's JSON form for command, which ends with err.
func summaryJSON(command string, s pipeline.Summary, out *profilegen.Output, written bool, err error) pipeline.SummaryJSON {
	j := s.JSON(out)
	j.Command, j.Written, j.Version = command, written, buildinfo.Version()
	j.ExitCode = exitStatus(err)
	j.Status = statusName(j.ExitCode)
	return j
}

// provenance is what the profiles of a reading with counts c came from.
func provenance(c *pipeline.Counts) *profilegen.Provenance {
	return &profilegen.Provenance{Version: buildinfo.Version(), First: c.First, Last: c.Last}
}
