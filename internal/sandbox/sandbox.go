package sandbox

import (
	"errors"
	"io"
	"os"
	"os/exec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Errors for profile fields the sandbox cannot apply.
var (
	ErrUnsupported = errors.New("unsupported")     // a field runc honours that the sandbox cannot apply
	ErrInvalid     = errors.New("invalid profile") // a value the OCI format does not define
)

// ErrNotSupported: this build has no seccomp sandbox. It needs Linux and
// libseccomp through cgo (CGO_ENABLED=1 and libseccomp-dev at build time);
// outside that, record and run cannot start a program under a filter.
var ErrNotSupported = errors.New("seccomp sandbox not supported in this build: record and run need a Linux build with cgo and libseccomp")

// maxArgs is the number of syscall arguments a seccomp filter can see.
const maxArgs = 6

// Options change how a profile is loaded.
type Options struct {
	// Log loads the filter with SECCOMP_FILTER_FLAG_LOG, whatever the
	// profile's flags say, so that ERRNO, TRAP and TRACE are logged too.
	Log bool
}

// HelperArg is the first argument of the re-executed recorder binary that
// makes it the helper: "recorder __sandbox-exec CMD [ARG...]". The binary's
// main calls Main first thing when IsHelper reports true.
const HelperArg = "__sandbox-exec"

// SesUnset is the audit session id of a process outside any session.
const SesUnset = 1<<32 - 1

// The helper's inherited descriptors: the config pipe and the status pipe.
const (
	configFD = 3
	statusFD = 4
)

// ErrHelper: the helper could not exec the program. Start's error is then
// a *HelperError.
var ErrHelper = errors.New("sandbox helper")

// ErrExecDenied: the profile does not let the program's execve through, so
// the program cannot start under it (the tutorial's violation.json).
var ErrExecDenied = errors.New("the profile denies execve")

// HelperError is what the helper reported before it could exec the
// program. It matches ErrHelper, and ErrExecDenied when the profile denies
// the program's execve.
type HelperError struct {
	Msg    string
	Code   int  // the helper's exit status, as a shell's: 127 not found, 126 cannot run
	Denied bool // the profile denies execve
}

func (e *HelperError) Error() string { return ErrHelper.Error() + ": " + e.Msg }

func (e *HelperError) Is(target error) bool {
	return target == ErrHelper || e.Denied && target == ErrExecDenied
}

// IsHelper reports whether this process was started as the helper.
func IsHelper() bool { return len(os.Args) > 1 && os.Args[1] == HelperArg }

// config is what the parent sends the helper on configFD.
type config struct {
	Profile *specs.LinuxSeccomp `json:"profile"`
	Options Options             `json:"options"`
	Env     []string            `json:"env"` // the program's environment (the helper's has GODEBUG changed)
}

// Cmd is a program to start under a filter.
type Cmd struct {
	Profile *specs.LinuxSeccomp
	Options Options
	Args    []string // the program and its arguments; Args[0] is looked up in $PATH
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Self    string // the recorder binary to re-execute; /proc/self/exe when empty

	// Foreground runs the program as a shell runs a job at a terminal: in
	// a process group of its own, made the foreground group of the
	// terminal Ctty (a descriptor of this process, which the terminal
	// must control), so that the signals the terminal makes (Ctrl-C,
	// Ctrl-\, Ctrl-Z) reach the program alone. Once the program has
	// exited (Wait, or a failed Start), the terminal goes back to this
	// process's group. Set it only when this process's group is the
	// terminal's foreground group. When the program stops (Ctrl-Z), the
	// caller calls Suspend, which stops this process too, as a shell's
	// job stops.
	Foreground bool
	Ctty       int

	// Set by Start.
	Process *os.Process
	Path    string // the program's path as the helper resolved and exec'd it
	Ses     uint32 // the fresh audit session of the program's process tree
	SesErr  error  // why there is no fresh session (Ses is then SesUnset)

	cmd *exec.Cmd
}
