package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/pipeline"
)

// replayConfig is what replay's command line asks for.
type replayConfig struct {
	out     outputFlags
	profile profileFlags
	files   []string
}

func runReplay(ctx context.Context, args []string, std stdio) error {
	cfg, err := parseReplayFlags(args, std.out)
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
	ctrs, err := cfg.profile.containers(&pcfg, false, nil)
	if err != nil {
		return err
	}
	defer ctrs.Close()
	inputs, err := pipeline.OpenInputsContext(ctx, cfg.files, std.in)
	if err != nil {
		return err
	}
	defer pipeline.CloseInputs(inputs)
	for _, out := range [][2]string{{"--output", cfg.out.output}, {"--explain", cfg.out.explain}} {
		if err := pipeline.CheckOutput(out[1], inputs); err != nil {
			return usageError{fmt.Errorf("%s: %w", out[0], err)}
		}
	}
	if err := cfg.out.open(std.out); err != nil { // before the reading starts, not after
		return err
	}
	defer cfg.out.close()

	p := pipeline.New(pcfg)
	prog := startProgress(std.errOut, inputs)
	readErr := p.ReadAll(ctx, inputs)
	prog.stop()
	if errors.Is(readErr, context.Canceled) {
		return readErr
	}
	writeErr := cfg.out.write(p, opt, "line", readErr, std.out, std.errOut)
	return errors.Join(readErr, writeErr)
}

func parseReplayFlags(args []string, helpOut io.Writer) (*replayConfig, error) {
	cfg := &replayConfig{}
	fs := pflag.NewFlagSet("replay", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.out.register(fs)
	fs.BoolVar(&cfg.out.partial, "partial", false, "when an input fails (read error, corrupt gzip), still write the profile of what was read, labelled partial (by default nothing is written)")
	cfg.profile.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(helpOut, helpText("replay")+fs.FlagUsages())
			return nil, err
		}
		return nil, usageError{err}
	}
	cfg.out.explain = cfg.profile.explain
	if err := cfg.out.check(fs); err != nil {
		return nil, err
	}
	if cfg.out.outputDir == "" && !fs.Changed("group-by") {
		cfg.profile.groupBy = "none" // one profile, the union: no state per group
	}
	cfg.files = fs.Args()
	return cfg, nil
}
