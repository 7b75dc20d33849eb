package main

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profiletool"
)

// toolOpts are the flags of the toolkit's commands; each registers its own.
type toolOpts struct {
	out, format, name, profile, exe, comm, from string
	uid, auid                                   string
	strict, recording, rtDefault, allowEmpty    bool
	logDenials                                  bool
	f                                           formatFlag
	jsonFlag
}

// toolCmd is a command of the toolkit: its flags and what it does.
type toolCmd struct {
	use, short string
	min, max   int // arguments (max < 0: any)
	// trouble is the exit status of an error (a file that cannot be read):
	// 2 for diff, check and lint, as diff(1)'s; 1 for the others.
	trouble int
	reg     func(*pflag.FlagSet, *toolOpts)
	do      func(*cobra.Command, *toolOpts, []string, stdio) error
}

// command makes the cobra command of t. profiletool.ErrFound is exit
// status 1, like diff(1)'s; a usage.Error is 2.
func (t toolCmd) command(std stdio) *cobra.Command {
	o := &toolOpts{}
	return command(t.use, t.short, argsBetween(t.min, t.max),
		func(fs *pflag.FlagSet) { t.reg(fs, o) },
		func(cmd *cobra.Command, args []string) error {
			return toolErr(t.do(cmd, o, args, std), t.trouble)
		})
}

// toolErr is the error a toolkit command returns for err.
func toolErr(err error, trouble int) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, profiletool.ErrFound):
		return runner.ExitError{Code: 1} // what was found is printed already
	case errors.Is(err, profiletool.ErrNoProfile):
		return usage.Errorf("--profile is required")
	case errors.As(err, new(usage.Error)):
		return err
	case errors.Is(err, pipeline.ErrNothingKept):
		return statusError{exitEmpty, err}
	case trouble != 1:
		return statusError{trouble, err}
	}
	return err
}

// writeToolJSON writes v, whose exit code set sets, as --json asks, and
// returns err.
func writeToolJSON[T any](o *toolOpts, std stdio, v T, set func(*T, int), err error, trouble int) error {
	set(&v, exitStatus(toolErr(err, trouble)))
	if jerr := o.write(std.out, v); jerr != nil {
		return errors.Join(err, jerr)
	}
	return err
}

func outFlag(fs *pflag.FlagSet, o *toolOpts) {
	fs.StringVarP(&o.out, "output", "o", "-", "write to `FILE`; - is standard output")
}

// toolCommands are the profile toolkit's commands.
func toolCommands(std stdio) []*cobra.Command {
	var cmds []*cobra.Command
	for _, t := range []toolCmd{merge, diff, convert, lint, check, profile} {
		cmds = append(cmds, t.command(std))
	}
	return cmds
}

var (
	merge = toolCmd{"merge [flags] PROFILE PROFILE...", "the union of profiles (replicas, nodes)", 2, -1, 1,
		func(fs *pflag.FlagSet, o *toolOpts) { outFlag(fs, o); o.f.register(fs) },
		func(_ *cobra.Command, o *toolOpts, files []string, std stdio) error {
			return profiletool.MergeFiles(std.out, o.out, o.f.f, files...)
		}}
	diff = toolCmd{"diff [flags] A B", "what one profile allows that the other does not", 2, 2, 2,
		func(fs *pflag.FlagSet, o *toolOpts) { o.register(fs, "difference") },
		func(_ *cobra.Command, o *toolOpts, files []string, std stdio) error {
			if !o.on() {
				return profiletool.DiffFiles(std.out, files[0], files[1])
			}
			j, err := profiletool.DiffFilesJSON(files[0], files[1])
			return writeToolJSON(o, std, j, func(j *profiletool.DiffJSON, c int) { j.ExitCode = c }, err, 2)
		}}
	convert = toolCmd{"convert --format oci|spo|systemd [flags] PROFILE", "write a profile as oci, spo or systemd (SystemCallFilter=)", 1, 1, 1,
		func(fs *pflag.FlagSet, o *toolOpts) {
			outFlag(fs, o)
			fs.StringVar(&o.format, "format", "oci", "write `oci|spo|systemd`: OCI/Kubernetes JSON, SeccompProfile YAML, or unit settings")
			fs.StringVar(&o.name, "name", "", "the profile's `NAME` (SPO metadata.name; default: the input's file name)")
		}, func(_ *cobra.Command, o *toolOpts, files []string, std stdio) error {
			f, err := profiletool.ParseFormat(o.format)
			if err != nil {
				return usage.Errorf("--format: %w", err)
			}
			return profiletool.ConvertFile(std.out, std.errOut, o.out, f, o.name, files[0])
		}}
	lint = toolCmd{"lint [flags] PROFILE...", "unknown names, duplicates, missing exit, beyond the runtime default", 1, -1, 2,
		func(fs *pflag.FlagSet, o *toolOpts) {
			fs.BoolVar(&o.strict, "strict", false, "fail on warnings too")
			o.register(fs, "findings")
		}, func(_ *cobra.Command, o *toolOpts, files []string, std stdio) error {
			if !o.on() {
				return profiletool.LintFiles(std.out, o.strict, files...)
			}
			j, err := profiletool.LintFilesJSON(o.strict, files...)
			return writeToolJSON(o, std, j, func(j *profiletool.LintJSON, c int) { j.ExitCode = c }, err, 2)
		}}
	check = toolCmd{"check --profile FILE [flags] [LOG...]", "what a profile would deny of the records in logs (for CI)", 0, -1, 2,
		func(fs *pflag.FlagSet, o *toolOpts) {
			fs.StringVarP(&o.profile, "profile", "p", "", "the profile `FILE` to check the records against (required)")
			fs.StringVar(&o.exe, "exe", "", "check only records whose executable path matches `REGEXP`")
			fs.StringVar(&o.comm, "comm", "", "check only records whose comm matches `REGEXP`")
			fs.StringVar(&o.uid, "uid", "", "check only records of processes whose user is `UID` (uid=)")
			fs.StringVar(&o.auid, "auid", "", "check only records whose login user is `AUID` (auid=; unset: none)")
			fs.BoolVar(&o.strict, "strict", false, "fail when conditional rules may deny a call too")
			fs.BoolVar(&o.allowEmpty, "allow-empty", false, "exit 0, not 3, when no record was checked")
			o.register(fs, "report")
		}, func(cmd *cobra.Command, o *toolOpts, logs []string, std stdio) error {
			allow := func(err error) error {
				if o.allowEmpty && errors.Is(err, profiletool.ErrNothingChecked) {
					return nil
				}
				return err
			}
			filter, err := newFilter(pipeline.Select{Exe: o.exe, Comm: o.comm, UID: o.uid, AUID: o.auid})
			if err != nil {
				return err
			}
			if !o.on() {
				return allow(profiletool.CheckLogs(cmd.Context(), std.out, std.in, o.profile, filter, o.strict, logs...))
			}
			j, err := profiletool.CheckLogsJSON(cmd.Context(), std.in, o.profile, filter, o.strict, logs...)
			return writeToolJSON(o, std, j, func(j *profiletool.CheckJSON, c int) { j.ExitCode = c }, allow(err), 2)
		}}
	profile = toolCmd{"profile --recording [--from FILE] | --runtime-default [flags]", "the safe, quiet profile to record under; Docker's default", 0, 0, 1,
		func(fs *pflag.FlagSet, o *toolOpts) {
			fs.BoolVar(&o.recording, "recording", false, "the profile to record under: log what the runtime's default allows, deny the rest")
			fs.StringVar(&o.from, "from", "", "with --recording: allow what the profile `FILE` allows, so that only new calls are logged")
			fs.BoolVar(&o.rtDefault, "runtime-default", false, "Docker's default profile, as the plain OCI profile of this host")
			fs.BoolVar(&o.logDenials, "log-denials", false, "with --recording: log denials too (SECCOMP_FILTER_FLAG_LOG: runc >= 1.2.0, crun >= 0.9; runc 1.1 refuses it)")
			outFlag(fs, o)
			o.f.register(fs)
		}, func(_ *cobra.Command, o *toolOpts, _ []string, std stdio) error {
			if o.recording == o.rtDefault {
				return usage.Wrap(errors.New("give --recording or --runtime-default"))
			}
			err := profiletool.ProfileFile(std.out, o.out, o.f.f, o.recording, o.from, o.logDenials)
			if errors.Is(err, profiletool.ErrNotRecording) {
				flag := "--log-denials"
				if o.from != "" {
					flag = "--from"
				}
				return usage.Errorf("%s goes with --recording", flag)
			}
			return err
		}}
)
