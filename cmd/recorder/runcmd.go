package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/sandbox"
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
	cfg := &runConfig{}
	c := command("run --profile FILE [flags] -- CMD [ARG...]", "run CMD under a profile and report what it denied",
		cobra.ArbitraryArgs, cfg.register,
		func(cmd *cobra.Command, args []string) error {
			if err := cfg.check(args); err != nil {
				return err
			}
			return cfg.run(cmd.Context(), std)
		})
	c.Flags().SetInterspersed(false)
	return c
}

func (cfg *runConfig) run(ctx context.Context, std stdio) error {
	p, err := loadRunProfile(cfg.profile, cfg.maxProfile, std.errOut)
	if err != nil {
		return err
	}
	r := runner.Run{Profile: p, Args: cfg.args, Stdin: std.in, Stdout: std.out, Stderr: std.errOut}
	if !cfg.report {
		state, err := runner.Unwatched(r)
		if err != nil {
			return runFailed(err, p, std.errOut)
		}
		return runner.ExitStatus(state)
	}
	r.Options.Log = true
	r.Pipeline = pipeline.Config{GroupBy: pipeline.GroupNone} // the report is of one group
	// A signal goes to the program, whose end ends the collection: the
	// first SIGINT, which ends ctx, must not cut it short.
	res, err := runner.Collect(context.WithoutCancel(ctx), r)
	if err != nil {
		return runFailed(err, p, std.errOut)
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

func (cfg *runConfig) check(args []string) error {
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

// parseRunFlags parses run's command line as the command does.
func parseRunFlags(args []string) (*runConfig, error) {
	cfg := &runConfig{}
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	cfg.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usage.Wrap(err)
	}
	return cfg, cfg.check(fs.Args())
}

// loadRunProfile reads the profile and checks that the sandbox can apply
// it, warning about syscall names libseccomp does not know (skipped, as
// runc skips them).
func loadRunProfile(path string, max int64, warn io.Writer) (*specs.LinuxSeccomp, error) {
	p, err := profilegen.ReadFileLimit(path, max)
	if err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	unknown, err := sandbox.Check(p)
	if err != nil {
		return nil, fmt.Errorf("--profile %s: %w", path, err)
	}
	if len(unknown) > 0 {
		fmt.Fprintf(warn, "warning: %s: syscalls unknown to libseccomp skipped, as runc skips them: %s\n", path, strings.Join(unknown, ", "))
	}
	return p, nil
}

// runFailed reports a program that could not start; when p denies its
// execve, with the change to p that lets it start.
func runFailed(err error, p *specs.LinuxSeccomp, w io.Writer) error {
	denied := errors.Is(err, sandbox.ErrExecDenied)
	err = runner.StartFailed("run", err, w)
	if denied {
		fmt.Fprintf(w, "denied: execve, so CMD never started -> %s\n", runner.FixFor(p, "", "execve"))
	}
	return err
}
