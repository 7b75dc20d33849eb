package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/watch"
	"github.com/recorder-dev/recorder/source"
)

func runWatch(ctx context.Context, args []string, std stdio) error {
	cfg, err := parseWatchFlags(args, std.out, std.errOut)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	defer cfg.ctrs.Close()
	cfg.Output.W = std.out // --explain -
	err = watch.Run(ctx, cfg.Config)
	if errors.Is(err, watch.ErrMetricsAddr) {
		return usageError{err}
	}
	return err
}

// watchConfig is what watch's command line asks for.
type watchConfig struct {
	watch.Config
	duration  time.Duration
	logFormat string
	logLevel  string
	profile   profileFlags
	format    formatFlag
	ctrs      *containers.Setup
}

func parseWatchFlags(args []string, helpOut, logOut io.Writer) (*watchConfig, error) {
	cfg := &watchConfig{}
	var src string
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&src, "source", "auto", "where records come from: `netlink|kmsg|syslog[:PATH]|auditlog[:PATH]|auto`")
	fs.StringVarP(&cfg.Output.Dir, "output-dir", "d", "", "write one profile per group into `DIR` (required)")
	cfg.format.register(fs)
	cfg.format.registerSPO(fs)
	fs.DurationVar(&cfg.FlushInterval, "flush-interval", 30*time.Second, "write the profiles every `D`")
	fs.BoolVar(&cfg.Resume, "resume", true, "start from the profiles already in the output dir, so a restart loses nothing")
	fs.DurationVar(&cfg.duration, "duration", 0, "stop after `D` (0: run until SIGINT or SIGTERM)")
	fs.StringVar(&cfg.Tee, "tee", "", "append every raw audit line read to `FILE` (a fixture for replay; other syslog lines are left out)")
	fs.BoolVar(&cfg.FromStart, "from-start", false, "read files and /dev/kmsg from their start, not their end")
	fs.Uint32Var(&cfg.BacklogLimit, "backlog-limit", 8192, "kernel audit backlog limit while registered as the audit daemon (the kernel's default is 64)")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: `text|json`")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: `debug|info|warn|error`")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at `HOST:PORT`/metrics (off when empty)")
	fs.IntVar(&cfg.MetricsMaxGroups, "metrics-max-groups", 100, "give at most `N` groups a label of their own in the metrics; later ones count under group=\"other\" (0: no limit)")
	fs.StringVar(&cfg.StateFile, "audit-state-file", source.DefaultStateFile, "while registered as the audit daemon, keep in `FILE` the audit state to put back, so that the next start puts it back after a kill (empty: none)")
	cfg.profile.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(helpOut, helpText("watch")+fs.FlagUsages())
			return nil, err
		}
		return nil, usageError{err}
	}
	if err := checkWatchConfig(cfg, src, fs.Args()); err != nil {
		return nil, err
	}
	if err := cfg.format.resolve(); err != nil {
		return nil, err
	}
	cfg.Output.Format, cfg.Output.SPO = cfg.format.f, cfg.format.spo
	cfg.Logger = newLogger(cfg.logFormat, cfg.logLevel, logOut)
	var err error
	if cfg.Pipeline, cfg.Build, err = cfg.profile.resolve(); err != nil {
		return nil, err
	}
	cfg.Explain = cfg.profile.explain
	cfg.ctrs, err = cfg.profile.containers(&cfg.Pipeline, true, cfg.Logger)
	return cfg, err
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
		cfg.Source, err = source.ParseSpec(src)
	}
	if err != nil {
		return usageError{err}
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
