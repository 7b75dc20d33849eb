package usage

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Texts are the help texts of a program's commands: NAME.txt for each,
// and exit-status.txt, the table every command's help ends with before
// its flags.
type Texts struct {
	FS    fs.FS // holding the files
	Dir   string
	Width int // the help's width
}

// Of returns the help of command name ("" when it has none).
func (t Texts) Of(name string) string {
	text, _ := fs.ReadFile(t.FS, t.Dir+"/"+name+".txt")
	return string(text)
}

// Install makes root's help (and its commands') the texts: each command's
// text, then for a subcommand the exit status table and its flags wrapped
// to the width (Flags); a command with no text (completion's) keeps
// cobra's own.
func (t Texts) Install(root *cobra.Command) {
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		text := t.Of(cmd.Name())
		if text == "" {
			defaultHelp(cmd, args)
			return
		}
		w := cmd.OutOrStdout()
		fmt.Fprint(w, text)
		if cmd.HasParent() {
			fmt.Fprint(w, "\n"+t.Of("exit-status")+"\nFlags:\n")
			fmt.Fprint(w, Flags(cmd.LocalFlags(), t.Width))
		}
	})
}

// Builtins makes a bad command line of cobra's own help and completion
// commands an error that wrap (the program's usage error) makes of it, as
// every other's: "help nosuch" printed the root's help and "completion
// bogus" its help, both exit 0, and "completion bash extra" exited 1.
func Builtins(root *cobra.Command, wrap func(error) error) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			run := c.Run
			c.Run, c.RunE = nil, func(c *cobra.Command, args []string) error {
				if cmd, _, err := root.Find(args); cmd == nil || err != nil || cmd == root && len(args) > 0 {
					return wrap(fmt.Errorf("help: unknown command %q (see '%s --help')", strings.Join(args, " "), root.Name()))
				}
				run(c, args)
				return nil
			}
		case "completion":
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					return wrap(fmt.Errorf("unknown command %q for %q (bash, zsh, fish, powershell)", args[0], c.CommandPath()))
				}
				return c.Help()
			}
			c.Args, c.DisableFlagsInUseLine = cobra.ArbitraryArgs, true
			for _, sub := range c.Commands() {
				if args := sub.Args; args != nil {
					sub.Args = func(c *cobra.Command, a []string) error {
						if err := args(c, a); err != nil {
							return wrap(err)
						}
						return nil
					}
				}
			}
		}
	}
}

// CompleteValues registers, for each flag of cmd that values names, the
// completion of its value with those words.
func CompleteValues(cmd *cobra.Command, values func(cmd, flag string) []string) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if v := values(cmd.Name(), f.Name); v != nil {
			cmd.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(v, cobra.ShellCompDirectiveNoFileComp))
		}
	})
}

// ArgsBetween accepts min to max arguments (max < 0: any); anything else
// is an error that wrap makes of it.
func ArgsBetween(min, max int, wrap func(error) error) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if n := len(args); n < min || max >= 0 && n > max {
			return wrap(fmt.Errorf("%s: wrong number of arguments (%d; see '%s %s --help')", cmd.Name(), n, cmd.Root().Name(), cmd.Name()))
		}
		return nil
	}
}
