package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// runConfig is what run's command line asks for.
type runConfig struct {
	profile    string
	maxProfile int64
	report     bool
	jsonFlag
	args []string
}

func newRunCmd(std stdio) *cobra.Command {
	return engineCmd("run --profile FILE [flags] -- CMD [ARG...]", "run CMD under a profile and report what it denied",
		&runConfig{}, false, std)
}

func (cfg *runConfig) run(ctx context.Context, std stdio) error {
	p, err := runner.LoadProfile(cfg.profile, cfg.maxProfile, std.errOut)
	var pe *runner.ProfileError
	switch {
	case errors.As(err, &pe) && pe.Apply:
		return fmt.Errorf("--profile %s: %w", pe.Path, pe.Err)
	case errors.As(err, &pe):
		return fmt.Errorf("--profile: %w", pe.Err)
	case err != nil:
		return err
	}
	r := runner.Run{Profile: p, Args: cfg.args, Stdin: std.in, Stdout: std.out, Stderr: std.errOut}
	if !cfg.report {
		state, err := runner.Unwatched(r)
		if err != nil {
			return runner.RunFailed(err, p, std.errOut)
		}
		return runner.ExitStatus(state)
	}
	r.Options.Log = true
	r.Pipeline = pipeline.Config{GroupBy: pipeline.GroupNone} // the report is of one group
	// A signal goes to the program, whose end ends the collection: the
	// first SIGINT, which ends ctx, must not cut it short.
	res, err := runner.Collect(context.WithoutCancel(ctx), r)
	if err != nil {
		return runner.RunFailed(err, p, std.errOut)
	}
	if !cfg.on() {
		if err := runner.WriteReport(std.errOut, res, p, cfg.profile, cfg.args[0]); err != nil {
			return err
		}
		return runner.ExitStatus(res.State)
	}
	j, err := runner.ReportJSONOf(res, p, cfg.profile, cfg.args[0])
	if err != nil {
		return err
	}
	j.ExitCode = exitStatus(runner.ExitStatus(res.State))
	if err := cfg.write(std.errOut, j); err != nil {
		return err
	}
	return runner.ExitStatus(res.State)
}

func (cfg *runConfig) register(fs *pflag.FlagSet) {
	fs.StringVarP(&cfg.profile, "profile", "p", "", "the seccomp profile `FILE` to run CMD under (required)")
	fs.BoolVar(&cfg.report, "report", true, "log what the profile denies and report it when CMD exits")
	fs.Int64Var(&cfg.maxProfile, "max-profile-size", profilegen.DefaultMaxProfileSize, "read a profile file of at most `BYTES`")
	cfg.jsonFlag.register(fs, "report")
}

func (cfg *runConfig) check(_ *pflag.FlagSet, args []string, _ stdio) error {
	if cfg.profile == "" {
		return usage.Wrap(errors.New("--profile is required"))
	}
	if cfg.on() && !cfg.report {
		return usage.Wrap(errors.New("--json writes the report: not with --report=false"))
	}
	cfg.args = args
	if len(cfg.args) == 0 {
		return usage.Wrap(errNoProgram)
	}
	return nil
}
