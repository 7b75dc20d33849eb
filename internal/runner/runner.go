package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/syscalls"
)

// Run is a program to run under a filter while the records of its process
// tree are collected (record, and run --report).
type Run struct {
	Profile *specs.LinuxSeccomp
	Options sandbox.Options
	Args    []string // the program and its arguments
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// Pipeline is what the program's records go down as they come (see
	// Result.Pipeline).
	Pipeline pipeline.Config
	// Observe, when set, is called with each seccomp record as it comes,
	// while its process may still run (a container attributor looks it up).
	Observe func(*audit.Record)
}

// Result is what came out of a Run.
type Result struct {
	State    *os.ProcessState
	Path     string // the program's resolved path
	Tracking string // how records were told to be the tree's
	Drained  bool   // the end marker came through: no record is still in flight
	Warnings []string
	// Pipeline took the program's records, each line read as watch takes
	// it (Pipeline.Line); its Counts hold the malformed lines and the
	// netlink source's losses (Counts.Source). Its first enricher gives the
	// helper's own records (its calls between loading the filter and exec,
	// execve at least), which are the program's calls, the program's comm
	// and exe.
	Pipeline *pipeline.Pipeline

	prog audit.Record
}

// Program returns a record that names the program as its own records do:
// its comm and exe, from its first record after exec, else from the path
// the helper exec'd.
func (res *Result) Program() audit.Record { return res.prog }

// WriteWarnings tells what may be missing from the records.
func (res *Result) WriteWarnings(w io.Writer) {
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if !res.Drained {
		fmt.Fprintln(w, "warning: the end of the records was not seen within the wait: the last records may be missing")
	}
	if s := res.Pipeline.Counts.Source; s.KernelLost > 0 || s.NoBufs > 0 {
		fmt.Fprintf(w, "lost: the kernel dropped %d audit records (backlog full) and the socket %d times (buffer full) while recording: the profile may miss syscalls\n",
			s.KernelLost, s.NoBufs)
	}
}

// ExitError is a program's exit status other than 0, passed on as the
// recorder's own: 128+N for death by signal N, as shells report it.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitStatus turns the program's end into an error: nil for 0, an
// ExitError otherwise.
func ExitStatus(st *os.ProcessState) error {
	if st == nil {
		return nil
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitError{128 + int(ws.Signal())}
	}
	if code := st.ExitCode(); code != 0 {
		return ExitError{code}
	}
	return nil
}

// DescribeExit says how the program ended.
func DescribeExit(st *os.ProcessState) string {
	var ee ExitError
	switch err := ExitStatus(st); {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee) && ee.Code > 128 && !st.Exited():
		return fmt.Sprintf("killed by signal %d (%s)", ee.Code-128, st.String())
	default:
		return err.Error()
	}
}

// StartFailed turns err from running the program into command's error. A
// program that could not start is reported on w and gives a shell's status
// (127 not found, 126 cannot run), as the program's own status would be: a
// script running "recorder run ... -- CMD" sees what running CMD would give.
func StartFailed(command string, err error, w io.Writer) error {
	var he *sandbox.HelperError
	if !errors.As(err, &he) {
		return fmt.Errorf("%s: %w", command, err)
	}
	fmt.Fprintf(w, "recorder: %s: %v\n", command, err)
	return ExitError{he.Code}
}

// selfExe is the recorder binary's path as the kernel prints it in exe=.
func selfExe() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	return self, nil
}

// LoggingProfile logs every call of the native ABI and its companions (a
// call of an ABI a filter does not list kills the process): what record
// runs a program under.
func LoggingProfile() *specs.LinuxSeccomp {
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActLog}
	if native, ok := syscalls.NativeArch(); ok {
		p.Architectures = append(p.Architectures, specs.Arch(native.OCI))
		for _, c := range native.Companions() {
			p.Architectures = append(p.Architectures, specs.Arch(c.OCI))
		}
	}
	return p
}
