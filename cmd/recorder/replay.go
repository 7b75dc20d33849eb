package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/spf13/pflag"
)

const replayUsage = `Usage: recorder replay [flags] [FILE...]

Reads seccomp audit records from captured logs — syslog, kern.log, dmesg,
/dev/kmsg, auditd's audit.log, journald — and writes the SCMP_ACT_ERRNO profile
that allows what the records show. FILE "-" or no FILE reads standard input;
gzip-compressed files are read transparently.

Examples:
  recorder replay /var/log/syslog > profile.json
  recorder replay --comm '^http-echo$' -o fine-grained.json /var/log/syslog.1.gz /var/log/syslog
  recorder replay -d profiles/ --group-by exe /var/log/audit/audit.log
  dmesg | recorder replay --base runc -

Flags:
`

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
	groupBy, filter, opt, err := cfg.profile.resolve()
	if err != nil {
		return err
	}
	inputs, err := openInputs(cfg.files, std.in)
	if err != nil {
		return err
	}
	defer closeInputs(inputs)

	sum := newSummary("line")
	set := profilegen.NewSet(groupBy)
	sc := &scanner{filter: filter, groupBy: groupBy, set: set, sum: sum}
	prog := startProgress(std.errOut, inputs)
	readErr := sc.scanAll(ctx, inputs)
	prog.stop()
	if errors.Is(readErr, context.Canceled) {
		return readErr
	}

	out := cfg.out.outputs(std.out)
	reports, writeErr := out.write(set, opt)
	if !cfg.out.quiet {
		sum.print(std.errOut, reports)
	}
	return errors.Join(readErr, writeErr)
}

func parseReplayFlags(args []string, helpOut io.Writer) (*replayConfig, error) {
	cfg := &replayConfig{}
	fs := pflag.NewFlagSet("replay", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.out.register(fs)
	cfg.profile.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(helpOut, replayUsage+fs.FlagUsages())
			return nil, err
		}
		return nil, usageError{err}
	}
	if err := cfg.out.check(fs); err != nil {
		return nil, err
	}
	cfg.files = fs.Args()
	return cfg, nil
}
