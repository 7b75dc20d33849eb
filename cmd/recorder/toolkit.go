package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profiletool"
)

// toolOpts are the flags of the toolkit's commands; each registers its own.
type toolOpts struct {
	out, format, name, profile, exe, comm, from string
	uid, auid                                   string
	strict, recording, rtDefault, logDenials    bool
	f                                           formatFlag
}

// tool makes the command name: it parses the flags reg registers, checks
// that it got min to max arguments (max < 0: any), and calls do. --help is
// not an error; profiletool.ErrFound is exit status 1, like diff(1)'s.
func tool(name string, min, max int, reg func(*pflag.FlagSet, *toolOpts), do func(context.Context, *toolOpts, []string, stdio) error) func(context.Context, []string, stdio) error {
	return func(ctx context.Context, args []string, std stdio) error {
		o := &toolOpts{}
		fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		reg(fs, o)
		err := fs.Parse(args)
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(std.out, helpText(name)+fs.FlagUsages())
			return nil
		} else if n := fs.NArg(); err == nil && (n < min || max >= 0 && n > max) {
			err = fmt.Errorf("%s: wrong number of arguments (%d; see 'recorder %s --help')", name, n, name)
		}
		if err != nil {
			return usageError{err}
		}
		var ue profiletool.UsageError
		switch err = do(ctx, o, fs.Args(), std); {
		case errors.Is(err, profiletool.ErrFound):
			return runner.ExitError{Code: 1} // what was found is printed already
		case errors.As(err, &ue):
			return usageError{err}
		}
		return err
	}
}

func outFlag(fs *pflag.FlagSet, o *toolOpts) {
	fs.StringVarP(&o.out, "output", "o", "-", "write to `FILE`; - is standard output")
}

var (
	runMerge = tool("merge", 2, -1, func(fs *pflag.FlagSet, o *toolOpts) { outFlag(fs, o); o.f.register(fs) },
		func(_ context.Context, o *toolOpts, files []string, std stdio) error {
			return profiletool.MergeFiles(std.out, o.out, o.f.f, files...)
		})
	runDiff = tool("diff", 2, 2, func(*pflag.FlagSet, *toolOpts) {},
		func(_ context.Context, _ *toolOpts, files []string, std stdio) error {
			return profiletool.DiffFiles(std.out, files[0], files[1])
		})
	runConvert = tool("convert", 1, 1, func(fs *pflag.FlagSet, o *toolOpts) {
		outFlag(fs, o)
		fs.StringVar(&o.format, "format", "oci", "write `oci` (OCI/Kubernetes JSON), spo (SeccompProfile YAML) or systemd (unit settings)")
		fs.StringVar(&o.name, "name", "", "the profile's `NAME` (SPO metadata.name; default: the input's file name)")
	}, func(_ context.Context, o *toolOpts, files []string, std stdio) error {
		f, err := profiletool.ParseFormat(o.format)
		if err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		return profiletool.ConvertFile(std.out, std.errOut, o.out, f, o.name, files[0])
	})
	runLint = tool("lint", 1, -1, func(fs *pflag.FlagSet, o *toolOpts) {
		fs.BoolVar(&o.strict, "strict", false, "fail on warnings too")
	}, func(_ context.Context, o *toolOpts, files []string, std stdio) error {
		return profiletool.LintFiles(std.out, o.strict, files...)
	})
	runCheck = tool("check", 0, -1, func(fs *pflag.FlagSet, o *toolOpts) {
		fs.StringVarP(&o.profile, "profile", "p", "", "the profile `FILE` to check the records against (required)")
		fs.StringVar(&o.exe, "exe", "", "check only records whose executable path matches `REGEXP`")
		fs.StringVar(&o.comm, "comm", "", "check only records whose comm matches `REGEXP`")
		fs.StringVar(&o.uid, "uid", "", "check only records of processes whose user is `UID` (uid=)")
		fs.StringVar(&o.auid, "auid", "", "check only records whose login user is `AUID` (auid=; unset: none)")
		fs.BoolVar(&o.strict, "strict", false, "fail when conditional rules may deny a call too")
	}, func(ctx context.Context, o *toolOpts, logs []string, std stdio) error {
		sel := pipeline.Select{Exe: o.exe, Comm: o.comm, UID: o.uid, AUID: o.auid}
		return profiletool.CheckLogs(ctx, std.out, std.in, o.profile, sel, o.strict, logs...)
	})
	runProfile = tool("profile", 0, 0, func(fs *pflag.FlagSet, o *toolOpts) {
		fs.BoolVar(&o.recording, "recording", false, "the profile to record under: log what the runtime's default allows, deny the rest")
		fs.StringVar(&o.from, "from", "", "with --recording: allow what the profile `FILE` allows, so that only new calls are logged")
		fs.BoolVar(&o.rtDefault, "runtime-default", false, "Docker's default profile, as the plain OCI profile of this host")
		fs.BoolVar(&o.logDenials, "log-denials", false, "with --recording: log denials too (SECCOMP_FILTER_FLAG_LOG: runc >= 1.2.0, crun >= 0.9; runc 1.1 refuses it)")
		outFlag(fs, o)
		o.f.register(fs)
	}, func(_ context.Context, o *toolOpts, _ []string, std stdio) error {
		if o.recording == o.rtDefault {
			return usageError{errors.New("give --recording or --runtime-default")}
		}
		return profiletool.ProfileFile(std.out, o.out, o.f.f, o.recording, o.from, o.logDenials)
	})
)
