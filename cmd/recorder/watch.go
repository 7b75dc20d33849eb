package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/internal/watch"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

func newWatchCmd(std stdio) *cobra.Command {
	return engineCmd("watch --output-dir DIR [flags]", "live daemon: profiles from the netlink audit socket, /dev/kmsg, syslog or audit.log",
		&watchConfig{}, true, std)
}

func (cfg *watchConfig) run(ctx context.Context, std stdio) error {
	var err error
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	defer cfg.ctrs.Close()
	cfg.Output.W = std.out // --explain -
	// --explain and --json=FILE are opened before the reading starts, as
	// the output dir is.
	if err := cfg.Output.OpenReports(); err != nil {
		return err
	}
	defer cfg.Output.Close()
	var sum pipeline.Summary
	cfg.Done = func(s pipeline.Summary) { sum = s }
	stop := cfg.publish.start(ctx, cfg.Logger)
	err = watch.Run(ctx, cfg.Config)
	stop()
	var me *watch.MetricsAddrError
	var oe *watch.OptionError
	switch {
	case errors.As(err, &me):
		return usage.Errorf("--metrics-addr: %w", me.Err)
	case errors.As(err, &oe):
		return fmt.Errorf("%s: %w", watchFlags[oe.Option], oe.Err)
	}
	if sum.Counts == nil { // it did not start
		return err
	}
	return cfg.end(sum, err, std.errOut)
}

// end tells what the whole watch saw when nothing matched, and returns its
// exit status (help/exit-status.txt), written as JSON with --json;
// writeErr is the last write's failure (1: its profiles not in -d).
func (cfg *watchConfig) end(sum pipeline.Summary, writeErr error, w io.Writer) error {
	c := sum.Counts
	err := writeErr
	if err == nil {
		err = cfg.status.outcome(c)
	}
	if c.Kept == 0 {
		if c.Filtered == 0 && cfg.Source.Mode != "auditlog" {
			sum.Hint = source.Where(nil)
		}
		cfg.Logger.Warn("nothing matched: no seccomp record kept", "filtered", c.Filtered, "seen_comms", c.Seen.Comm.String(),
			"seen_exes", c.Seen.Exe.String(), "seen_containers", c.Seen.Container.String(), "hint", sum.Hint)
	}
	if cfg.status.on() {
		j := summaryJSON("watch", sum, &cfg.Output.Output, len(sum.Built) > 0 && writeErr == nil, err)
		if jerr := cfg.Output.Report(w, nil, j); jerr != nil {
			return errors.Join(err, jerr)
		}
	}
	return err
}

// watchConfig is what watch's command line asks for.
type watchConfig struct {
	watch.Config
	src       string
	status    statusFlags
	duration  time.Duration
	logFormat string
	logLevel  string
	profile   profileFlags
	format    formatFlag
	ctrs      *containers.Setup
	publish   publishFlags
}

func (cfg *watchConfig) register(fs *pflag.FlagSet) {
	fs.StringVar(&cfg.src, "source", "auto", "where records come from, `SOURCE`: netlink, kmsg, syslog[:PATH], auditlog[:PATH] or auto")
	cfg.Output = &output.Writer{}
	fs.StringVarP(&cfg.Output.Dir, "output-dir", "d", "", "write one profile per group into `DIR` (required)")
	cfg.format.register(fs)
	cfg.format.registerSPO(fs, "(its prefix: NAME-<group>)")
	fs.DurationVar(&cfg.FlushInterval, "flush-interval", 30*time.Second, "write the profiles every `D`")
	fs.BoolVar(&cfg.Resume, "resume", true, "start from the profiles already in the output dir, so a restart loses nothing")
	fs.DurationVar(&cfg.duration, "duration", 0, "stop after `D` (0: run until SIGINT or SIGTERM)")
	fs.StringVar(&cfg.Tee, "tee", "", "append every raw audit line read to `FILE` (a fixture for replay; other syslog lines are left out)")
	fs.BoolVar(&cfg.FromStart, "from-start", false, "read files and /dev/kmsg from their start, not their end")
	fs.Uint32Var(&cfg.BacklogLimit, "backlog-limit", 8192, "the kernel's audit backlog limit `N` while registered as the audit daemon (the kernel's default is 64)")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format, `FORMAT`: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level, `LEVEL`: debug, info, warn or error")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at `HOST:PORT`/metrics (off when empty)")
	fs.IntVar(&cfg.MetricsMaxGroups, "metrics-max-groups", 100, "give at most `N` groups a label of their own in the metrics; later ones count under group=\"other\" (0: no limit)")
	fs.StringVar(&cfg.StateFile, "audit-state-file", source.DefaultStateFile, "while registered as the audit daemon, keep in `FILE` the audit state to put back, so that the next start puts it back after a kill (empty: none)")
	cfg.status.register(fs, "watch")
	cfg.profile.register(fs, "watch")
	cfg.publish.register(fs)
}

// check checks the parsed flags and resolves them; logs go to standard
// error.
func (cfg *watchConfig) check(fs *pflag.FlagSet, args []string, std stdio) error {
	if err := checkWatchConfig(cfg, cfg.src, args, std.errOut); err != nil {
		return err
	}
	if err := cfg.format.resolve(fs, ""); err != nil {
		return err
	}
	cfg.Output.Format, cfg.Output.SPO, cfg.Output.JSON = cfg.format.f, cfg.format.spo, cfg.status.json
	cfg.Output.Explain = cfg.profile.explain
	if err := cfg.Output.Check(); err != nil {
		return usage.Wrap(err)
	}
	cfg.Output.Provenance = &profilegen.Provenance{Version: buildinfo.Version()} // no span: it would change at every flush
	var err error
	if cfg.Pipeline, cfg.Build, err = cfg.profile.resolve(); err != nil {
		return err
	}
	if cfg.ctrs, err = cfg.profile.containers(&cfg.Pipeline, true, cfg.Logger); err != nil {
		return err
	}
	return cfg.publish.setup(cfg)
}

// watchFlags are the flags of watch.Config's fields.
var watchFlags = map[string]string{"Output.Dir": "--output-dir", "Explain": "--explain", "Tee": "--tee"}

// checkWatchConfig checks the parsed flags; logs go to logOut.
func checkWatchConfig(cfg *watchConfig, src string, rest []string, logOut io.Writer) error {
	var err error
	switch {
	case len(rest) > 0:
		err = fmt.Errorf("watch takes no arguments, got %q", rest)
	case cfg.Output.Dir == "":
		err = errors.New("--output-dir is required")
	case cfg.FlushInterval <= 0:
		err = fmt.Errorf("--flush-interval: %v is not positive", cfg.FlushInterval)
	case cfg.duration < 0:
		err = fmt.Errorf("--duration: %v is negative", cfg.duration)
	}
	if err == nil {
		if cfg.Source, err = source.ParseSpec(src); err != nil {
			err = fmt.Errorf("--source %w", err)
		}
	}
	if err == nil {
		cfg.Logger, err = watch.NewLogger(cfg.logFormat, cfg.logLevel, logOut)
		switch {
		case errors.Is(err, watch.ErrLogFormat):
			err = fmt.Errorf("--log-format: %w", err)
		case errors.Is(err, watch.ErrLogLevel):
			err = fmt.Errorf("--log-level: %w", err)
		}
	}
	if err != nil {
		return usage.Wrap(err)
	}
	return nil
}
