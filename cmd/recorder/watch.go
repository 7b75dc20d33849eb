package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/internal/watch"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

func newWatchCmd(std stdio) *cobra.Command {
	cfg := &watchConfig{}
	return command("watch --output-dir DIR [flags]", "live daemon: profiles from the netlink audit socket, /dev/kmsg, syslog or audit.log",
		cobra.ArbitraryArgs, cfg.register,
		func(cmd *cobra.Command, args []string) error {
			if err := cfg.check(args, std.errOut); err != nil {
				return err
			}
			return cfg.run(cmd.Context(), std)
		})
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
	if err != nil || sum.Counts == nil {
		return err
	}
	return cfg.end(sum, std.errOut)
}

// end tells what the whole watch saw when nothing matched, and returns its
// exit status (help/exit-status.txt), written as JSON with --json.
func (cfg *watchConfig) end(sum pipeline.Summary, w io.Writer) error {
	c := sum.Counts
	err := cfg.status.outcome(c)
	if c.Kept == 0 {
		if c.Filtered == 0 && cfg.Source.Mode != "auditlog" {
			sum.Hint = source.Where(nil)
		}
		cfg.Logger.Warn("nothing matched: no seccomp record kept", "filtered", c.Filtered, "seen_comms", c.Seen.Comm.String(),
			"seen_exes", c.Seen.Exe.String(), "seen_containers", c.Seen.Container.String(), "hint", sum.Hint)
	}
	if cfg.status.on() {
		out := cfg.Output
		j := summaryJSON("watch", sum, &out, len(sum.Built) > 0, err)
		if jerr := cfg.status.write(w, j); jerr != nil {
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
	fs.StringVarP(&cfg.Output.Dir, "output-dir", "d", "", "write one profile per group into `DIR` (required)")
	cfg.format.register(fs)
	cfg.format.registerSPO(fs)
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

// check checks the parsed flags and resolves them; logs go to logOut.
func (cfg *watchConfig) check(args []string, logOut io.Writer) error {
	if err := checkWatchConfig(cfg, cfg.src, args); err != nil {
		return err
	}
	if err := cfg.status.checkDir(cfg.Output.Dir); err != nil {
		return err
	}
	if err := cfg.format.resolve(); err != nil {
		return err
	}
	cfg.Output.Format, cfg.Output.SPO = cfg.format.f, cfg.format.spo
	cfg.Output.Provenance = &profilegen.Provenance{Version: buildinfo.Version()} // no span: it would change at every flush
	cfg.Logger = newLogger(cfg.logFormat, cfg.logLevel, logOut)
	var err error
	if cfg.Pipeline, cfg.Build, err = cfg.profile.resolve(); err != nil {
		return err
	}
	cfg.Explain = cfg.profile.explain
	if cfg.ctrs, err = cfg.profile.containers(&cfg.Pipeline, true, cfg.Logger); err != nil {
		return err
	}
	return cfg.publish.setup(cfg)
}

// watchFlags are the flags of watch.Config's fields.
var watchFlags = map[string]string{"Output.Dir": "--output-dir", "Explain": "--explain", "Tee": "--tee"}

// parseWatchFlags parses watch's command line as the command does.
func parseWatchFlags(args []string, logOut io.Writer) (*watchConfig, error) {
	cfg := &watchConfig{}
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usage.Wrap(err)
	}
	return cfg, cfg.check(fs.Args(), logOut)
}

func checkWatchConfig(cfg *watchConfig, src string, rest []string) error {
	var err error
	var lv slog.Level
	switch {
	case len(rest) > 0:
		err = fmt.Errorf("watch takes no arguments, got %q", rest)
	case cfg.Output.Dir == "":
		err = errors.New("--output-dir is required")
	case cfg.FlushInterval <= 0:
		err = fmt.Errorf("--flush-interval: %v is not positive", cfg.FlushInterval)
	case cfg.duration < 0:
		err = fmt.Errorf("--duration: %v is negative", cfg.duration)
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		err = fmt.Errorf("--log-format: %q is not text or json", cfg.logFormat)
	case lv.UnmarshalText([]byte(cfg.logLevel)) != nil:
		err = fmt.Errorf("--log-level: %q is not debug, info, warn or error", cfg.logLevel)
	}
	if err == nil {
		if cfg.Source, err = source.ParseSpec(src); err != nil {
			err = fmt.Errorf("--source %w", err)
		}
	}
	if err != nil {
		return usage.Wrap(err)
	}
	return nil
}

func newLogger(format, level string, w io.Writer) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level)) // checked by checkWatchConfig
	opt := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}
