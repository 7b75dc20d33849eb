// Command recorder writes seccomp profiles from the audit records of what a
// workload really does.
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/sandbox"
)

func main() {
	if sandbox.IsHelper() { // re-executed by record/run: never returns
		sandbox.Main()
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs) // a second SIGINT or SIGTERM ends a shutdown that hangs
		cancel(signalError{s.(syscall.Signal)})
	}()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	var se signalError
	if errors.Is(err, context.Canceled) && errors.As(context.Cause(ctx), &se) {
		err = se // a command cut short by a signal: 128+N, as a shell reports it
	}
	os.Exit(exitCode(err, os.Stderr))
}

// signalError is the end of a command by a signal: exit status 128+N.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "stopped by " + e.sig.String() }

// help holds the --help text of recorder and of each command:
// help/COMMAND.txt, followed by the command's flags.
//
//go:embed help
var help embed.FS

// helpText returns the help of command name.
func helpText(name string) string {
	text, _ := help.ReadFile("help/" + name + ".txt")
	return string(text)
}

// commands maps each subcommand to its entry point.
var commands = map[string]func(ctx context.Context, args []string, io stdio) error{
	"replay": runReplay,
	"watch":  runWatch,
	"record": runRecord,
	"run":    runRun,
	// The profile toolkit (toolkit.go).
	"merge": runMerge, "diff": runDiff, "convert": runConvert,
	"lint": runLint, "check": runCheck, "profile": runProfile,
}

// stdio is the command's standard streams: tests pass buffers.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
}

func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(errOut, helpText("recorder"))
		return usageError{errors.New("no command given")}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(out, helpText("recorder"))
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return usageError{fmt.Errorf("unknown command %q (see 'recorder --help')", args[0])}
	}
	return cmd(ctx, args[1:], stdio{in: in, out: out, errOut: errOut})
}

// usageError marks a bad command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode prints err, if it needs printing, and returns the process's exit status.
func exitCode(err error, errOut io.Writer) int {
	var ue usageError
	var es runner.ExitError
	var se signalError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &es):
		return es.Code
	case errors.As(err, &se):
		fmt.Fprintf(errOut, "recorder: %v\n", err)
		return 128 + int(se.sig)
	case errors.As(err, &ue):
		fmt.Fprintf(errOut, "recorder: %v\n", err)
		return 2
	default:
		fmt.Fprintf(errOut, "recorder: %v\n", err)
		return 1
	}
}
