package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/spf13/pflag"
)

const watchUsage = `Usage: recorder watch --output-dir DIR [flags]

Runs until stopped, turning the seccomp audit records the kernel reports into
profiles as they arrive, one per group, in DIR. Profiles are written every
--flush-interval, on SIGHUP, and on SIGINT or SIGTERM before it exits. Only
the set of calls seen and counters are kept in memory.

Sources (--source):
  netlink          the audit netlink socket: registers as the audit daemon when
                   none is (restoring the audit state on exit), else reads the
                   multicast group next to auditd; needs root, CAP_AUDIT_CONTROL
                   or CAP_AUDIT_READ
  kmsg             /dev/kmsg, kernel lines only
  syslog[:PATH]    a syslog file (default /var/log/syslog); forgeable by any user
  auditlog[:PATH]  auditd's log (default /var/log/audit/audit.log)
  auto             netlink if permitted, else audit.log if auditd runs, else
                   kmsg, else syslog

Examples:
  recorder watch -d /var/lib/recorder/profiles
  recorder watch --source kmsg -d profiles/ --comm '^http-echo$' --duration 10m
  recorder watch --source syslog:/var/log/kern.log -d profiles/ --tee capture.log

Flags:
`

// watchConfig is what watch's command line asks for.
type watchConfig struct {
	source        sourceSpec
	outputDir     string
	format        string
	flushInterval time.Duration
	merge         bool
	duration      time.Duration
	tee           string
	fromStart     bool
	backlogLimit  uint32
	logFormat     string
	logLevel      string
	metricsAddr   string
	profile       profileFlags
}

func runWatch(ctx context.Context, args []string, std stdio) error {
	cfg, err := parseWatchFlags(args, std.out)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, cfg.logLevel, std.errOut)
	d, err := newDaemon(cfg, log)
	if err != nil {
		return err
	}
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	o, err := d.open()
	if err != nil {
		d.closeTee()
		return fmt.Errorf("watch: %w", err)
	}
	d.counts.source = o.name
	if cfg.metricsAddr != "" {
		stop, err := d.serveMetrics(ctx, cfg.metricsAddr)
		if err != nil {
			o.src.Close()
			d.closeTee()
			return usageError{err}
		}
		defer stop()
	}
	d.run(ctx, o)
	return nil
}

// run reads until ctx ends and flushes on the interval and on SIGHUP; the
// last flush comes after the source is closed. A panic here stops the
// reader, which closes the source, before it goes on.
func (d *daemon) run(ctx context.Context, o opened) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	defer func() {
		cancel()
		<-done
	}()
	go func() {
		d.read(ctx, o)
		close(done)
	}()
	tick := time.NewTicker(d.cfg.flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			d.flush("interval", false)
		case <-hup:
			d.flush("SIGHUP", true)
		case <-done:
			d.flush("exit", true)
			d.closeTee()
			d.summary()
			return
		}
	}
}

func newDaemon(cfg *watchConfig, log *slog.Logger) (*daemon, error) {
	groupBy, filter, opt, err := cfg.profile.resolve()
	if err != nil {
		return nil, err
	}
	out := outputs{dir: cfg.outputDir, format: cfg.format}
	d := &daemon{cfg: cfg, log: log, filter: filter, opt: opt, out: out,
		set: profilegen.NewSet(groupBy)}
	d.open = d.openSource
	if cfg.merge {
		d.merge = loadMerge(cfg.outputDir, out.ext(), log)
	}
	if err := os.MkdirAll(cfg.outputDir, 0o755); err != nil {
		log.Error("create output dir; profiles stay in memory and are written when it works", "err", err)
	}
	if cfg.tee != "" {
		f, err := os.OpenFile(cfg.tee, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("--tee: %w", err)
		}
		d.teeFile, d.tee = f, bufio.NewWriterSize(f, 64<<10)
	}
	return d, nil
}

func newLogger(format, level string, w io.Writer) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level)) // checked by parseWatchFlags
	opt := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

func parseWatchFlags(args []string, helpOut io.Writer) (*watchConfig, error) {
	cfg := &watchConfig{}
	var source string
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&source, "source", "auto", "where records come from: `netlink|kmsg|syslog[:PATH]|auditlog[:PATH]|auto`")
	fs.StringVarP(&cfg.outputDir, "output-dir", "d", "", "write one profile per group into `DIR` (required)")
	fs.StringVar(&cfg.format, "format", "oci", "profile format: `oci` (plain OCI/Kubernetes JSON) or spo (Security Profiles Operator SeccompProfile YAML)")
	fs.DurationVar(&cfg.flushInterval, "flush-interval", 30*time.Second, "write the profiles every `D`")
	fs.BoolVar(&cfg.merge, "merge", true, "start from the profiles already in the output dir, so a restart loses nothing")
	fs.DurationVar(&cfg.duration, "duration", 0, "stop after `D` (0: run until SIGINT or SIGTERM)")
	fs.StringVar(&cfg.tee, "tee", "", "append every raw audit line read to `FILE` (a fixture for replay; other syslog lines are left out)")
	fs.BoolVar(&cfg.fromStart, "from-start", false, "read files and /dev/kmsg from their start, not their end")
	fs.Uint32Var(&cfg.backlogLimit, "backlog-limit", 8192, "kernel audit backlog limit while registered as the audit daemon (the kernel's default is 64)")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: `text|json`")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: `debug|info|warn|error`")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at `HOST:PORT`/metrics (off when empty)")
	cfg.profile.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(helpOut, watchUsage+fs.FlagUsages())
			return nil, err
		}
		return nil, usageError{err}
	}
	return cfg, checkWatchConfig(cfg, source, fs.Args())
}

func checkWatchConfig(cfg *watchConfig, source string, rest []string) error {
	var err error
	var lv slog.Level
	switch {
	case len(rest) > 0:
		err = fmt.Errorf("watch takes no arguments, got %q", rest)
	case cfg.outputDir == "":
		err = errors.New("--output-dir is required")
	case cfg.format != "oci" && cfg.format != "spo":
		err = fmt.Errorf("--format: %q is not oci or spo", cfg.format)
	case cfg.flushInterval <= 0:
		err = fmt.Errorf("--flush-interval: %v is not positive", cfg.flushInterval)
	case cfg.duration < 0:
		err = fmt.Errorf("--duration: %v is negative", cfg.duration)
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		err = fmt.Errorf("--log-format: %q is not text or json", cfg.logFormat)
	case lv.UnmarshalText([]byte(cfg.logLevel)) != nil:
		err = fmt.Errorf("--log-level: %q is not debug, info, warn or error", cfg.logLevel)
	}
	if err == nil {
		cfg.source, err = parseSource(source)
	}
	if err != nil {
		return usageError{err}
	}
	return nil
}
