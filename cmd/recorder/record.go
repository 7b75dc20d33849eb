package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/runner"
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

func runRecord(ctx context.Context, args []string, std stdio) error {
	cfg, err := parseRecordFlags(args, std.out)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
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
		Observe: ctrs.Observe}
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
	pcfg.Enrichers = append([]pipeline.Enricher{res.Attribution()}, pcfg.Enrichers...)
	p := pipeline.New(pcfg)
	res.Feed(p)
	if len(opt.Merge) > 0 && p.Set.Len() == 0 {
		prog := res.Program()
		p.Touch(&prog) // the merged calls still make the program's profile
	}
	if !cfg.out.quiet {
		fmt.Fprintf(std.errOut, "recorded %s (%s): %s\n", pipeline.Quote(cfg.args[0]), res.Tracking, runner.DescribeExit(res.State))
		res.WriteWarnings(std.errOut)
	}
	ctrs.Settle()
	if err := cfg.out.write(p, opt, "record", nil, std.out, std.errOut); err != nil {
		return err
	}
	return runner.ExitStatus(res.State)
}

func parseRecordFlags(args []string, helpOut io.Writer) (*recordConfig, error) {
	cfg := &recordConfig{}
	fs := pflag.NewFlagSet("record", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false) // flags end at CMD, with or without "--"
	cfg.out.register(fs)
	cfg.profile.register(fs)
	fs.StringVar(&cfg.under, "under", "", "record under the profile `FILE` (from 'recorder profile --recording') instead of logging every call")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(helpOut, helpText("record")+fs.FlagUsages())
			return nil, err
		}
		return nil, usageError{err}
	}
	cfg.out.explain = cfg.profile.explain
	if err := cfg.out.check(fs); err != nil {
		return nil, err
	}
	cfg.args = fs.Args()
	if len(cfg.args) == 0 {
		return nil, usageError{errNoProgram}
	}
	if cfg.under != "" {
		var err error
		if cfg.underProfile, err = profilegen.ReadFileLimit(cfg.under, cfg.profile.maxProfile); err != nil {
			return nil, fmt.Errorf("--under: %w", err)
		}
	}
	return cfg, nil
}

// errNoProgram: record and run need a program after "--".
var errNoProgram = errors.New("no program given (recorder COMMAND [flags] -- CMD [ARG...])")
