package runner

import (
	"errors"
	"fmt"
	"io"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/profilegen"
)

// ProfileError: the profile file Path to run under could not be read
// (Apply false) or the sandbox cannot apply it; the command words it with
// its flag.
type ProfileError struct {
	Path  string
	Apply bool
	Err   error
}

func (e *ProfileError) Error() string {
	if e.Apply {
		return "profile " + e.Path + ": " + e.Err.Error()
	}
	return "profile: " + e.Err.Error()
}

func (e *ProfileError) Unwrap() error { return e.Err }

// LoadProfile reads the profile file path (at most max bytes) to run a
// program under, and checks that the sandbox can apply it (a *ProfileError
// when not), warning on warn of the syscall names libseccomp does not know
// (skipped, as runc skips them).
func LoadProfile(path string, max int64, warn io.Writer) (*specs.LinuxSeccomp, error) {
	p, err := profilegen.ReadFileLimit(path, max)
	if err != nil {
		return nil, &ProfileError{path, false, err}
	}
	unknown, err := sandbox.Check(p)
	if err != nil {
		return nil, &ProfileError{path, true, err}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(warn, "warning: %s: syscalls unknown to libseccomp skipped, as runc skips them: %s\n", path, strings.Join(unknown, ", "))
	}
	return p, nil
}

// RunFailed reports on w a program that could not start under p (see
// StartFailed); when p denies its execve, with the change to p that lets
// it start.
func RunFailed(err error, p *specs.LinuxSeccomp, w io.Writer) error {
	denied := errors.Is(err, sandbox.ErrExecDenied)
	err = StartFailed("run", err, w)
	if denied {
		fmt.Fprintf(w, "denied: execve, so CMD never started -> %s\n", FixFor(p, "", "execve"))
	}
	return err
}
