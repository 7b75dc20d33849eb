package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/internal/usage"
)

// help holds the long help of recorder and of each command:
// help/COMMAND.txt; help/exit-status.txt is the table every command's help
// ends with, before its flags (usage.Texts), wrapped to 100 columns.
//
//go:embed help
var help embed.FS

var helpTexts = usage.Texts{FS: help, Dir: "help", Width: 100}

// helpText returns the help of command name ("" when it has none).
func helpText(name string) string { return helpTexts.Of(name) }

// stdio is the command's standard streams: tests pass buffers.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
}

// newRoot returns the recorder command and its subcommands, each writing
// to std.
func newRoot(std stdio) *cobra.Command {
	root := &cobra.Command{
		Use:           "recorder",
		Short:         "write seccomp profiles from what a workload really does",
		Version:       buildinfo.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
	}
	root.RunE = func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			hint := ""
			if s := root.SuggestionsFor(args[0]); len(s) > 0 {
				hint = "did you mean " + strings.Join(s, " or ") + "? "
			}
			return usage.Errorf("unknown command %q (%ssee 'recorder --help')", args[0], hint)
		}
		fmt.Fprint(std.errOut, helpText("recorder"))
		return usage.Wrap(errors.New("no command given"))
	}
	root.SuggestionsMinimumDistance = 3 // "replya" is 2 from replay
	root.SetIn(std.in)
	root.SetOut(std.out)
	root.SetErr(std.errOut)
	root.SetVersionTemplate("recorder {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage.Wrap(err) })
	helpTexts.Install(root)
	root.AddCommand(newReplayCmd(std), newWatchCmd(std), newRecordCmd(std), newRunCmd(std))
	root.AddCommand(toolCommands(std)...)
	root.AddCommand(newPullCmd(std))
	root.AddCommand(newVersionCmd(std))
	for _, c := range root.Commands() {
		usage.CompleteValues(c, flagValues)
	}
	usage.Builtins(root, usage.Wrap)
	return root
}

// command returns a cobra command named by use's first word, with the
// one-line summary short, whose flags reg registers and whose run is do.
// Its long help is help/NAME.txt (writeHelp).
func command(use, short string, args cobra.PositionalArgs, reg func(*pflag.FlagSet), do func(*cobra.Command, []string) error) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: args, RunE: do, DisableFlagsInUseLine: true}
	reg(c.Flags())
	c.Flags().SortFlags = false
	return c
}

// engine is what replay, watch, record and run each are: a configuration
// that registers its flags, checks them once parsed, and runs.
type engine interface {
	register(fs *pflag.FlagSet)
	check(fs *pflag.FlagSet, args []string, std stdio) error
	run(ctx context.Context, std stdio) error
}

// engineCmd is the cobra command of cfg, the one prologue of replay,
// watch, record and run: parse, check, run. Unless interspersed, its
// flags end at its first argument (record's and run's CMD).
func engineCmd(use, short string, cfg engine, interspersed bool, std stdio) *cobra.Command {
	c := command(use, short, cobra.ArbitraryArgs, cfg.register, func(cmd *cobra.Command, args []string) error {
		if err := cfg.check(cmd.Flags(), args, std); err != nil {
			return err
		}
		return cfg.run(cmd.Context(), std)
	})
	c.Flags().SetInterspersed(interspersed)
	return c
}

// argsBetween accepts min to max arguments (max < 0: any); anything else is
// a usage error.
func argsBetween(min, max int) cobra.PositionalArgs { return usage.ArgsBetween(min, max, usage.Wrap) }

// newVersionCmd is 'recorder version': what --version prints.
func newVersionCmd(std stdio) *cobra.Command {
	return command("version", "print the recorder's version and its syscall table's Linux version", argsBetween(0, 0),
		func(*pflag.FlagSet) {},
		func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(std.out, "recorder %s\n", buildinfo.String())
			return err
		})
}

// flagValues are the values shell completion offers for a flag's value
// (--format: oci, spo, and convert's systemd); nil for a flag of any value.
func flagValues(cmd, flag string) []string {
	switch flag {
	case "group-by":
		return []string{"exe", "exe-name", "comm", "pid", "none", "container", "pod"}
	case "base":
		return []string{"minimal", "runc", "crun", "none"}
	case "source":
		return []string{"auto", "netlink", "kmsg", "syslog", "auditlog"}
	case "log-format":
		return []string{"text", "json"}
	case "log-level":
		return []string{"debug", "info", "warn", "error"}
	case "spo-version":
		return []string{"v1", "v1beta1"}
	case "format":
		if cmd == "convert" {
			return []string{"oci", "spo", "systemd"}
		}
		return []string{"oci", "spo"}
	}
	return nil
}
