package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// recordConfig is what record's command line asks for.
type recordConfig struct {
	out          outputFlags
	profile      profileFlags
	under        string
	underProfile *specs.LinuxSeccomp // read from under, within --max-profile-size
	args         []string
}

func newRecordCmd(std stdio) *cobra.Command {
	cfg := &recordConfig{}
	c := command("record [flags] -- CMD [ARG...]", "run CMD under a logging filter and write its profile",
		cobra.ArbitraryArgs, cfg.register,
		func(cmd *cobra.Command, args []string) error {
			if err := cfg.check(cmd.Flags(), args); err != nil {
				return err
			}
			return cfg.run(cmd.Context(), std)
		})
	c.Flags().SetInterspersed(false) // flags end at CMD, with or without "--"
	return c
}

func (cfg *recordConfig) run(ctx context.Context, std stdio) error {
	pcfg, opt, err := cfg.profile.resolve()
	if err != nil {
		return err
	}
	ctrs, err := cfg.profile.containers(&pcfg, true, nil)
	if err != nil {
		return err
	}
	defer ctrs.Close()
	if err := cfg.out.open(std.out); err != nil { // before the workload runs, not after
		return err
	}
	defer cfg.out.close()
	r := runner.Run{Profile: runner.LoggingProfile(), Args: cfg.args, Stdin: std.in, Stdout: std.out, Stderr: std.errOut,
		Pipeline: pcfg, Observe: ctrs.Observe}
	if cfg.underProfile != nil { // denials are logged too (SECCOMP_FILTER_FLAG_LOG): the summary shows them
		r.Profile, r.Options.Log = cfg.underProfile, true
		opt.Merge = append(opt.Merge, r.Profile) // what it allows unlogged stays allowed
	}
	// A signal goes to the program, whose end ends the collection: the
	// first SIGINT, which ends ctx, must not cut it short.
	res, err := runner.Collect(context.WithoutCancel(ctx), r)
	if err != nil {
		return runner.StartFailed("record", err, std.errOut)
	}
	p := res.Pipeline
	if len(opt.Merge) > 0 && p.Set.Len() == 0 {
		prog := res.Program()
		p.Touch(&prog) // the merged calls still make the program's profile
	}
	if !cfg.out.quiet && cfg.out.status.json != "-" {
		fmt.Fprintf(std.errOut, "recorded %s (%s): %s\n", pipeline.Quote(cfg.args[0]), res.Tracking, runner.DescribeExit(res.State))
		res.WriteWarnings(std.errOut)
	}
	ctrs.Settle()
	cfg.out.exit = runner.ExitStatus(res.State) // CMD's failure comes first
	cfg.out.program = &pipeline.ProgramJSON{Name: cfg.args[0], Tracking: res.Tracking, Exit: runner.DescribeExit(res.State)}
	cfg.out.keepEmpty = cfg.underProfile != nil // what it allows is not logged: no record is no failure
	return cfg.out.write("record", p, opt, "record", nil, std.out, std.errOut)
}

func (cfg *recordConfig) register(fs *pflag.FlagSet) {
	cfg.out.register(fs)
	cfg.profile.register(fs, "record")
	fs.StringVar(&cfg.under, "under", "", "record under the profile `FILE` (from 'recorder profile --recording') instead of logging every call")
}

// check checks the parsed flags, takes CMD and reads --under.
func (cfg *recordConfig) check(fs *pflag.FlagSet, args []string) error {
	cfg.out.explain = cfg.profile.explain
	if err := cfg.out.check(fs); err != nil {
		return err
	}
	cfg.args = args
	if len(cfg.args) == 0 {
		return usage.Wrap(errNoProgram)
	}
	if cfg.under != "" {
		var err error
		if cfg.underProfile, err = profilegen.ReadFileLimit(cfg.under, cfg.profile.maxProfile); err != nil {
			return fmt.Errorf("--under: %w", err)
		}
	}
	return nil
}

// parseRecordFlags parses record's command line as the command does.
func parseRecordFlags(args []string) (*recordConfig, error) {
	cfg := &recordConfig{}
	fs := pflag.NewFlagSet("record", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	cfg.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usage.Wrap(err)
	}
	return cfg, cfg.check(fs, fs.Args())
}

// errNoProgram: record and run need a program after "--".
var errNoProgram = errors.New("no program given (recorder COMMAND [flags] -- CMD [ARG...])")
