// Command recorder writes seccomp profiles from the audit records of what a
// workload really does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/internal/usage"
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

// exitCode prints err, if it needs printing, and returns the process's exit status.
func exitCode(err error, errOut io.Writer) int {
	var es runner.ExitError
	var st statusError
	switch {
	case err == nil, errors.As(err, &es) && !errors.As(err, &st):
	case errors.As(err, &st) && st.err == nil:
	default:
		fmt.Fprintf(errOut, "recorder: %v\n", err)
	}
	return exitStatus(err)
}

// exitStatus is the exit status of a command that returned err
// (help/exit-status.txt).
func exitStatus(err error) int {
	var ue usage.Error
	var es runner.ExitError
	var se signalError
	var st statusError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &es):
		return es.Code
	case errors.As(err, &se):
		return 128 + int(se.sig)
	case errors.As(err, &ue):
		return 2
	case errors.As(err, &st):
		return st.code
	}
	return 1
}

// statusError is an outcome with an exit status of its own (see
// help/exit-status.txt); err, when set, is printed.
type statusError struct {
	code int
	err  error
}

func (e statusError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e statusError) Unwrap() error { return e.err }

// Exit statuses besides 0, 1 and 2 (help/exit-status.txt).
const (
	exitEmpty = 3 // nothing matched: no profile written
	exitLost  = 4 // the kernel dropped records: the profile may miss calls
)

// run runs the command line args (without the program name).
func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) error {
	root := newRoot(stdio{in: in, out: out, errOut: errOut})
	root.SetArgs(args)
	_, err := root.ExecuteContextC(ctx)
	return err
}
