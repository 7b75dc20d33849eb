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
	"github.com/recorder-dev/recorder/source"
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
}

// Result is what came out of a Run.
type Result struct {
	State     *os.ProcessState
	Path      string       // the program's resolved path
	Tracking  string       // how records were told to be the tree's
	Malformed uint64       // netlink lines audit.Parse rejected
	Stats     source.Stats // the netlink source's losses
	Drained   bool         // the end marker came through: no record is still in flight
	Warnings  []string

	records tally  // of the program's process tree, in order of first arrival
	pid     int32  // the program's
	self    string // the recorder binary, the helper's exe
}

// Feed takes the records collected down p, each distinct record once with
// its count (the first of them, and the last apart, so that a pipeline's
// Explain sees when a call was first and last made). The helper's own records (its calls between loading the filter
// and exec, execve at least) are the program's calls: p's first enricher
// gives them the program's comm and exe (see Attribution).
func (res *Result) Feed(p *pipeline.Pipeline) {
	t := &res.records
	for i := range t.recs {
		if last := t.lastOf(i); t.n[i] > 1 && last.Serial != t.recs[i].Serial {
			p.Add(&t.recs[i], t.n[i]-1)
			p.Add(&last, 1)
			continue
		}
		p.Add(&t.recs[i], t.n[i])
	}
}

// Program returns a record that names the program as its own records do:
// its comm and exe, from its first record after exec, else from the path
// the helper exec'd.
func (res *Result) Program() audit.Record {
	comm, exe := res.programNames()
	return audit.Record{PID: res.pid, Comm: comm, Exe: exe}
}

// Attribution is the enricher that gives the helper's records the
// program's names: put it first in the pipeline that Feed feeds.
func (res *Result) Attribution() pipeline.Enricher {
	comm, exe := res.programNames()
	return pipeline.EnrichFunc(func(r *pipeline.Record) {
		if r.PID == res.pid && string(r.Exe) == res.self {
			r.Comm, r.Exe = comm, exe
		}
	})
}

// programNames are the comm and exe of the program's first record after
// exec, else the basename (cut to 15 bytes, as comm is) and the resolved
// path the helper exec'd.
func (res *Result) programNames() (comm, exe []byte) {
	for _, r := range res.records.recs {
		if r.PID == res.pid && string(r.Exe) != res.self {
			return r.Comm, r.Exe
		}
	}
	path := res.Path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	base := filepath.Base(path)
	if len(base) > 15 {
		base = base[:15]
	}
	return []byte(base), []byte(path)
}

// WriteWarnings tells what may be missing from the records.
func (res *Result) WriteWarnings(w io.Writer) {
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if !res.Drained {
		fmt.Fprintln(w, "warning: the end of the records was not seen within the wait: the last records may be missing")
	}
	if res.Stats.KernelLost > 0 || res.Stats.NoBufs > 0 {
		fmt.Fprintf(w, "lost: the kernel dropped %d audit records (backlog full) and the socket %d times (buffer full) while recording: the profile may miss syscalls\n",
			res.Stats.KernelLost, res.Stats.NoBufs)
	}
	if res.Malformed > 0 {
		fmt.Fprintf(w, "malformed: %d audit messages could not be parsed\n", res.Malformed)
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
	if native, ok := audit.NativeArch(); ok {
		p.Architectures = append(p.Architectures, specs.Arch(native.OCI))
		for _, c := range native.Companions() {
			p.Architectures = append(p.Architectures, specs.Arch(c.OCI))
		}
	}
	return p
}
