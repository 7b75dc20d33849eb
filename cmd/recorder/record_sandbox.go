package main

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
)

// sandboxRun is a program to run under a filter while the records of its
// process tree are collected (record and run).
type sandboxRun struct {
	profile *specs.LinuxSeccomp
	opt     sandbox.Options
	args    []string
	std     stdio
}

// sandboxResult is what came out of a sandboxRun.
type sandboxResult struct {
	records   tally // of the program's process tree, in order of first arrival
	state     *os.ProcessState
	path      string      // the program's resolved path
	tracking  string      // how records were told to be the tree's
	malformed uint64      // netlink lines audit.Parse rejected
	stats     audit.Stats // the netlink source's losses
	drained   bool        // the end marker came through: no record is still in flight
	warnings  []string
}

// exitStatus turns the program's end into run's error: nil for 0,
// exitStatusError for another status, 128+N for death by signal N (as
// shells report it).
func exitStatus(st *os.ProcessState) error {
	if st == nil {
		return nil
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return exitStatusError{128 + int(ws.Signal())}
	}
	if code := st.ExitCode(); code != 0 {
		return exitStatusError{code}
	}
	return nil
}

// startFailed turns err from running the program into command's error. A
// program that could not start is reported on w and gives a shell's status
// (127 not found, 126 cannot run), as CMD's own status would be: a script
// running "recorder run ... -- CMD" sees what running CMD would give.
func startFailed(command string, err error, w io.Writer) error {
	var he *sandbox.HelperError
	if !errors.As(err, &he) {
		return fmt.Errorf("%s: %w", command, err)
	}
	fmt.Fprintf(w, "recorder: %s: %v\n", command, err)
	return exitStatusError{he.Code}
}

// attribute gives the helper's own records (its calls between loading the
// filter and exec, execve at least) the program's comm and exe: they are
// the program's calls. The helper is the recorder binary at the program's
// pid; the program's names come from its first record after exec, else
// from the path the helper exec'd (comm is the basename, cut to 15 bytes).
func attribute(recs []audit.Record, pid int32, self, path string) {
	comm, exe := programNames(recs, pid, self, path)
	for i := range recs {
		r := &recs[i]
		if r.PID == pid && string(r.Exe) == self {
			r.Comm, r.Exe = comm, exe
		}
	}
}

func programNames(recs []audit.Record, pid int32, self, path string) (comm, exe []byte) {
	for _, r := range recs {
		if r.PID == pid && string(r.Exe) != self {
			return r.Comm, r.Exe
		}
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	base := filepath.Base(path)
	if len(base) > 15 {
		base = base[:15]
	}
	return []byte(base), []byte(path)
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

// errNoProgram: record and run need a program after "--".
var errNoProgram = errors.New("no program given (recorder COMMAND [flags] -- CMD [ARG...])")
