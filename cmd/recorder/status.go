package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
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
type jsonFlag struct{ json string }

func (j *jsonFlag) register(fs *pflag.FlagSet, what string) {
	fs.StringVar(&j.json, "json", "", "write the "+what+" as JSON (docs/json.md): --json in place of the text, --json=`FILE` to FILE")
	fs.Lookup("json").NoOptDefVal = "-"
}

// on reports whether --json was given.
func (j *jsonFlag) on() bool { return j.json != "" }

// write writes v as JSON (package output): to the file --json names, or
// to w (the text's stream) for --json alone.
func (j *jsonFlag) write(w io.Writer, v any) error { return output.WriteJSON(j.json, nil, w, v) }

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
