//go:build linux && cgo

package sandbox

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/internal/testlock"
)

// TestMain lets the test binary serve as the helper, as the recorder binary does.
func TestMain(m *testing.M) {
	if IsHelper() {
		Main()
	}
	os.Exit(m.Run())
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: loads seccomp filters and sets loginuid")
	}
	testlock.Kernel(t)
}

func start(t *testing.T, p *specs.LinuxSeccomp, args ...string) (*Cmd, string, error) {
	t.Helper()
	var out bytes.Buffer
	c := &Cmd{Profile: p, Args: args, Stdout: &out, Stderr: &out}
	if err := c.Start(); err != nil {
		return c, "", err
	}
	err := c.Wait()
	return c, out.String(), err
}

// TestExecErrnoRet runs a program under a profile that fails mkdir with
// ENOSPC: the program sees the profile's errno, and everything else works.
func TestExecErrnoRet(t *testing.T) {
	needRoot(t)
	_, out, err := start(t, profiletest.Read(t, "testdata/args.json"), "mkdir", t.TempDir()+"/x")
	if err == nil {
		t.Fatalf("mkdir succeeded under a profile that denies it: %s", out)
	}
	if !strings.Contains(out, "No space left on device") {
		t.Errorf("mkdir's error = %q, want ENOSPC (errnoRet 28)", out)
	}
}

// TestExecEnvironment: the program gets the recorder's environment as it
// is; the helper's own GODEBUG (async preemption off) does not leak.
func TestExecEnvironment(t *testing.T) {
	needRoot(t)
	t.Setenv("GODEBUG", "madvdontneed=1")
	t.Setenv("RECORDER_TEST_VAR", "a b")
	log := &specs.LinuxSeccomp{DefaultAction: specs.ActLog}
	_, out, err := start(t, log, "sh", "-c", `printf '%s|%s' "$GODEBUG" "$RECORDER_TEST_VAR"`)
	if err != nil || out != "madvdontneed=1|a b" {
		t.Errorf("environment seen %q (%v), want %q", out, err, "madvdontneed=1|a b")
	}
	if got := helperEnv([]string{"A=1", "GODEBUG=x=1"}); strings.Join(got, " ") != "A=1 GODEBUG=x=1,asyncpreemptoff=1" {
		t.Errorf("helperEnv = %q", got)
	}
}

// TestExecSession checks that the program runs in a fresh audit session
// that the parent knows and its children inherit, and that the filter
// is loaded (Seccomp: 2 in /proc/self/status).
func TestExecSession(t *testing.T) {
	needRoot(t)
	allow := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	c, out, err := start(t, allow, "sh", "-c", "cat /proc/self/sessionid; echo; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if c.SesErr != nil {
		t.Fatalf("no fresh session: %v", c.SesErr)
	}
	mine, err := readUint("/proc/self/sessionid")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(out)
	if len(lines) < 5 || lines[0] != strconv.FormatUint(uint64(c.Ses), 10) || c.Ses == mine {
		t.Fatalf("child's session %q, reported %d, ours %d", out, c.Ses, mine)
	}
	if !strings.Contains(out, "Seccomp:\t2") && !strings.Contains(out, "Seccomp: 2") {
		t.Errorf("child not under a filter: %s", out)
	}
	if !strings.Contains(out, "NoNewPrivs:\t1") && !strings.Contains(out, "NoNewPrivs: 1") {
		t.Errorf("no_new_privs not set: %s", out)
	}
	c2, _, err := start(t, allow, "true")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Ses == c.Ses {
		t.Errorf("two programs share session %d", c.Ses)
	}
	if c.Path != "/bin/sh" && c.Path != "/usr/bin/sh" {
		t.Errorf("Path = %q", c.Path)
	}
}

// TestExecFails: a program that cannot start gives a shell's status (127
// not found, 126 cannot run) and the reason, whether the exec fails before
// the filter loads, under it (the file is not a program: ENOEXEC), or
// because the profile denies execve itself (the tutorial's violation.json,
// under which the helper could make no other call: it used to crash).
func TestExecFails(t *testing.T) {
	needRoot(t)
	notProgram := t.TempDir() + "/not-a-program"
	if err := os.WriteFile(notProgram, []byte{0x7f, 'E', 'L', 'F', 0, 0, 0}, 0o755); err != nil {
		t.Fatal(err)
	}
	allow := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	for _, tt := range []struct {
		p      *specs.LinuxSeccomp
		prog   string
		code   int
		denied bool
		want   string
	}{
		{allow, "no-such-program-here", 127, false, "no-such-program-here"},
		{allow, notProgram, 126, false, "exec format error"},
		{profiletest.Read(t, "../../testdata/tutorial/profiles/violation.json"), "true", 126, true, "denies execve (SCMP_ACT_ERRNO: 1, operation not permitted)"},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActTrace}, "true", 126, true, "SCMP_ACT_TRACE"},
	} {
		_, _, err := start(t, tt.p, tt.prog)
		var he *HelperError
		if !errors.As(err, &he) || !errors.Is(err, ErrHelper) || he.Code != tt.code || he.Denied != tt.denied ||
			errors.Is(err, ErrExecDenied) != tt.denied || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %#v (%v); want code %d, denied %v, naming %q", tt.prog, he, err, tt.code, tt.denied, tt.want)
		}
	}
}

func TestExecBadProfile(t *testing.T) {
	needRoot(t)
	_, _, err := start(t, &specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, "true")
	if !errors.Is(err, ErrHelper) || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("err = %v, want the helper's unsupported error", err)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Errorf("helper failure reported as the program's exit: %v", err)
	}
}
