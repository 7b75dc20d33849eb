package main

import (
	"io"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/usage"
)

// parseFlags parses args as cfg's command does (engineCmd), without
// running it; logs go to logOut.
func parseFlags[C engine](cfg C, args []string, interspersed bool, logOut io.Writer) (C, error) {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(interspersed)
	cfg.register(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, usage.Wrap(err)
	}
	return cfg, cfg.check(fs, fs.Args(), stdio{out: io.Discard, errOut: logOut})
}

func parseRecordFlags(args []string) (*recordConfig, error) {
	return parseFlags(&recordConfig{}, args, false, io.Discard)
}

func parseWatchFlags(args []string, logOut io.Writer) (*watchConfig, error) {
	return parseFlags(&watchConfig{}, args, true, logOut)
}

func parseRunFlags(args []string) (*runConfig, error) {
	return parseFlags(&runConfig{}, args, false, io.Discard)
}
