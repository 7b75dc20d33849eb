//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/runner"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
)

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{{"--", "true"}, {"--profile", "p.json"}, {"--profile", "p.json", "--"}} {
		_, err := parseRunFlags(args)
		var ue usage.Error
		if !errors.As(err, &ue) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
	cfg, err := parseRunFlags([]string{"--profile", "p.json", "ls", "-l"})
	if err != nil || cfg.profile != "p.json" || !cfg.report || strings.Join(cfg.args, " ") != "ls -l" {
		t.Errorf("cfg = %+v, %v: CMD's own flags must stay CMD's", cfg, err)
	}
}

// TestRunErrnoRet runs mkdir under a profile that fails it with ENOSPC:
// mkdir's exit status comes back, and the report names mkdir with the
// rule to change.
func TestRunErrnoRet(t *testing.T) {
	recorder, _ := e2e(t)
	profile := "../../internal/sandbox/testdata/args.json"
	dir := filepath.Join(t.TempDir(), "d")
	out, err := exec.Command(recorder, "run", "--profile", profile, "--", "mkdir", dir).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("err = %v, want mkdir's exit status 1\n%s", err, out)
	}
	for _, want := range []string{
		"No space left on device",
		"exit status 1",
		`remove "mkdir" from the SCMP_ACT_ERRNO rule (syscalls[0])`,
		"skipped, as runc skips them: nosuchcall_v99",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRunCannotStart: a program that cannot start exits as in a shell (127
// not found, 126 cannot run), and under the tutorial's violation.json,
// which denies execve itself, run names execve with the line to add
// (the helper used to crash with status 139 there, and the report named
// the helper's own denied calls).
func TestRunCannotStart(t *testing.T) {
	recorder, _ := e2e(t)
	violation := "../../testdata/tutorial/profiles/violation.json"
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--profile", violation, "--", "true"}, 126,
			"the profile denies execve (SCMP_ACT_ERRNO: 1, operation not permitted)\n" +
				`denied: execve, so CMD never started -> add {"names": ["execve"], "action": "SCMP_ACT_ALLOW"} to syscalls`},
		{[]string{"run", "--report=false", "--profile", violation, "--", "true"}, 126, "denies execve"},
		{[]string{"record", "-o", os.DevNull, "--", "no-such-program-here"}, 127, `"no-such-program-here": executable file not found`},
	} {
		out, err := exec.Command(recorder, tt.args...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != tt.code || !strings.Contains(string(out), tt.want) {
			t.Errorf("recorder %q: %v, want exit status %d and %q:\n%s", tt.args, err, tt.code, tt.want, out)
		}
	}
}

// TestRecordNothingMatched: a recording whose filter keeps no record exits
// 3 and writes no profile unless --allow-empty, naming what it dropped;
// the program's own failure comes first.
func TestRecordNothingMatched(t *testing.T) {
	recorder, _ := e2e(t)
	prof := filepath.Join(t.TempDir(), "p.json")
	for _, tt := range []struct {
		args    []string
		code    int
		written bool
		want    []string
	}{
		{[]string{"--comm", "^nomatch$", "--", "true"}, 3, false, []string{"nothing matched: the filter dropped all", "  comm      true (",
			"recorder: nothing matched: no seccomp record kept: no profile written (--allow-empty writes it)"}},
		{[]string{"--comm", "^nomatch$", "--allow-empty", "--", "true"}, 0, true, []string{"warning: the profile holds only the base set"}},
		{[]string{"--comm", "^nomatch$", "--", "false"}, 1, false, []string{"no profile written"}},
		{[]string{"--comm", "^nomatch$", "--json", "--", "true"}, 3, false, []string{`"status": "nothing-matched"`, `"exit": "exit status 0"`, `"name": "true"`}},
	} {
		os.Remove(prof)
		out, err := exec.Command(recorder, append([]string{"record", "-o", prof}, tt.args...)...).CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		_, statErr := os.Stat(prof)
		if code != tt.code || (statErr == nil) != tt.written {
			t.Errorf("record %q: exit %d, written %v; want %d, %v\n%s", tt.args, code, statErr == nil, tt.code, tt.written, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("record %q: output lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
}

// TestRunJSON: run's report as JSON names what the profile denied and the
// fix, with the program's exit status.
func TestRunJSON(t *testing.T) {
	recorder, _ := e2e(t)
	dir := t.TempDir()
	// Hand-made: everything allowed but getppid, which dash calls at its
	// start (for $PPID) and goes on without.
	prof := filepath.Join(dir, "p.json")
	os.WriteFile(prof, []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]}`), 0o644)
	sum := filepath.Join(dir, "report.json")
	out, err := exec.Command(recorder, "run", "--json="+sum, "--profile", prof, "--", "sh", "-c", "exit 3").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("run: %v, want sh's exit status 3\n%s", err, out)
	}
	data, err := os.ReadFile(sum)
	var j runner.ReportJSON
	if err == nil {
		err = json.Unmarshal(data, &j)
	}
	if err != nil || j.Command != "run" || j.ExitCode != 3 || j.Program != "sh" || j.Exit != "exit status 3" {
		t.Fatalf("report: %v\n%s", err, data)
	}
	if len(j.Denied) != 1 || j.Denied[0].Name != "getppid" || j.Denied[0].Records == 0 ||
		j.Denied[0].Fix != `remove "getppid" from the SCMP_ACT_ERRNO rule (syscalls[0])` {
		t.Errorf("denied: %+v; want getppid and its fix", j.Denied)
	}
}

// TestRecordJSONProgramStatus: when record's program fails, the exit code
// is the program's but the JSON's status is the recording's own: a
// program exiting 3 or 4 made a complete, written profile "nothing-matched"
// or "lost".
func TestRecordJSONProgramStatus(t *testing.T) {
	recorder, _ := e2e(t)
	dir := t.TempDir()
	for _, code := range []int{3, 4} {
		prof, sum := filepath.Join(dir, "p.json"), filepath.Join(dir, "summary.json")
		out, err := exec.Command(recorder, "record", "--json="+sum, "-o", prof, "--", "sh", "-c", "exit "+strconv.Itoa(code)).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != code {
			t.Fatalf("record: %v, want sh's exit status %d\n%s", err, code, out)
		}
		data, err := os.ReadFile(sum)
		var j pipeline.SummaryJSON
		if err == nil {
			err = json.Unmarshal(data, &j)
		}
		if err != nil || j.ExitCode != code || j.Status != "complete" || !j.Written || j.Program == nil || j.Program.Exit != "exit status "+strconv.Itoa(code) {
			t.Errorf("sh exiting %d: %v, status %q, exitCode %d, written %v, program %+v", code, err, j.Status, j.ExitCode, j.Written, j.Program)
		}
	}
}
