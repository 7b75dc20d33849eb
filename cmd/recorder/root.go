package main

import (
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
// ends with, before its flags.
//
//go:embed help
var help embed.FS

// helpText returns the help of command name ("" when it has none).
func helpText(name string) string {
	text, _ := help.ReadFile("help/" + name + ".txt")
	return string(text)
}

// helpWidth is the width help is wrapped to.
const helpWidth = 100

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
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if !writeHelp(cmd) {
			defaultHelp(cmd, args)
		}
	})
	root.AddCommand(newReplayCmd(std), newWatchCmd(std), newRecordCmd(std), newRunCmd(std))
	root.AddCommand(toolCommands(std)...)
	root.AddCommand(newPullCmd(std))
	root.AddCommand(newVersionCmd(std))
	for _, c := range root.Commands() {
		completeValues(c)
	}
	usageOfBuiltins(root)
	return root
}

// usageOfBuiltins makes a bad command line of cobra's own help and
// completion commands a usage error (exit status 2), as every other's:
// "help nosuch" printed the root's help and "completion bogus" its help,
// both exit 0, and "completion bash extra" exited 1.
func usageOfBuiltins(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			run := c.Run
			c.Run, c.RunE = nil, func(c *cobra.Command, args []string) error {
				if cmd, _, err := root.Find(args); cmd == nil || err != nil || cmd == root && len(args) > 0 {
					return usage.Errorf("help: unknown command %q (see 'recorder --help')", strings.Join(args, " "))
				}
				run(c, args)
				return nil
			}
		case "completion":
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usage.Errorf("unknown command %q for %q (bash, zsh, fish, powershell)", args[0], c.CommandPath())
				}
				return c.Help()
			}
			c.Args, c.DisableFlagsInUseLine = cobra.ArbitraryArgs, true
			for _, sub := range c.Commands() {
				if args := sub.Args; args != nil {
					sub.Args = func(c *cobra.Command, a []string) error {
						if err := args(c, a); err != nil {
							return usage.Wrap(err)
						}
						return nil
					}
				}
			}
		}
	}
}

// writeHelp writes cmd's help from help/NAME.txt, the exit status table
// and its flags, wrapped to helpWidth; false when cmd has no help text
// (completion's commands keep cobra's own).
func writeHelp(cmd *cobra.Command) bool {
	name := cmd.Name()
	text := helpText(name)
	if text == "" {
		return false
	}
	w := cmd.OutOrStdout()
	fmt.Fprint(w, text)
	if cmd.HasParent() {
		fmt.Fprint(w, "\n"+helpText("exit-status")+"\nFlags:\n")
		fmt.Fprint(w, usage.Flags(cmd.LocalFlags(), helpWidth))
	}
	return true
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

// argsBetween accepts min to max arguments (max < 0: any); anything else is
// a usage error.
func argsBetween(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if n := len(args); n < min || max >= 0 && n > max {
			return usage.Errorf("%s: wrong number of arguments (%d; see 'recorder %s --help')", cmd.Name(), n, cmd.Name())
		}
		return nil
	}
}

// newVersionCmd is 'recorder version': what --version prints.
func newVersionCmd(std stdio) *cobra.Command {
	return command("version", "print the recorder's version and its syscall table's Linux version", argsBetween(0, 0),
		func(*pflag.FlagSet) {},
		func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(std.out, "recorder %s\n", buildinfo.String())
			return err
		})
}

// flagValues are the values shell completion offers for a flag's value.
var flagValues = map[string][]string{
	"group-by":    {"exe", "exe-name", "comm", "pid", "none", "container", "pod"},
	"base":        {"minimal", "runc", "crun", "none"},
	"source":      {"auto", "netlink", "kmsg", "syslog", "auditlog"},
	"log-format":  {"text", "json"},
	"log-level":   {"debug", "info", "warn", "error"},
	"spo-version": {"v1", "v1beta1"},
}

// completeValues registers the completion of the values of cmd's flags
// that take one of a few words (--format: oci, spo, and convert's systemd).
func completeValues(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		values := flagValues[f.Name]
		if f.Name == "format" {
			values = []string{"oci", "spo"}
			if cmd.Name() == "convert" {
				values = append(values, "systemd")
			}
		}
		if values != nil {
			cmd.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	})
}
