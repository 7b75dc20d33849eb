package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
)

// replayConfig is what replay's command line asks for.
type replayConfig struct {
	out     outputFlags
	profile profileFlags
	files   []string
}

func newReplayCmd(std stdio) *cobra.Command {
	cfg := &replayConfig{}
	return command("replay [flags] [FILE...]", "write the profile of captured logs (syslog, kern.log, dmesg, audit.log, journald)",
		cobra.ArbitraryArgs, cfg.register,
		func(cmd *cobra.Command, args []string) error {
			if err := cfg.check(cmd.Flags(), args); err != nil {
				return err
			}
			return cfg.run(cmd.Context(), std)
		})
}

func (cfg *replayConfig) register(fs *pflag.FlagSet) {
	cfg.out.register(fs)
	fs.BoolVar(&cfg.out.partial, "partial", false, "when an input fails (read error, corrupt gzip), still write the profile of what was read, labelled partial (by default nothing is written)")
	cfg.profile.register(fs, "replay")
	fs.Lookup("group-by").DefValue = "none; with -d, exe" // the help's: check sets none without -d
}

// check checks the parsed flags and takes the files.
func (cfg *replayConfig) check(fs *pflag.FlagSet, args []string) error {
	cfg.out.explain = cfg.profile.explain
	if err := cfg.out.check(fs); err != nil {
		return err
	}
	if cfg.out.outputDir == "" && !fs.Changed("group-by") {
		cfg.profile.groupBy = "none" // one profile, the union: no state per group
	}
	cfg.files = args
	return nil
}

func (cfg *replayConfig) run(ctx context.Context, std stdio) error {
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
			return usage.Errorf("%s: %w", out[0], err)
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
	cfg.out.inputs = inputNames(inputs)
	writeErr := cfg.out.write("replay", p, opt, "line", readErr, std.out, std.errOut)
	return errors.Join(readErr, writeErr)
}

// inputNames are the names of the inputs, for the summary's hints.
func inputNames(inputs []*pipeline.Input) []string {
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Name
	}
	return names
}
