//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/profiletool"
)

// toolkitWorkload builds testdata/toolkit/workloads/toolkit.c with gcc
// (make test installs it).
func toolkitWorkload(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "toolkit")
	out, err := exec.Command("gcc", "-O2", "-Wall", "-o", bin, "../../testdata/toolkit/workloads/toolkit.c").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc (make test installs it): %v\n%s", err, out)
	}
	return bin
}

// recorderCmd runs the recorder binary and returns its stdout, stderr and
// exit status.
func recorderCmd(t *testing.T, recorder string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, recorder, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("recorder %q: %v", args, err)
	}
	return out.String(), errOut.String(), 0
}

// withoutENOSYS writes the profile at path without its durable rule.
func withoutENOSYS(t *testing.T, path string) string {
	t.Helper()
	p, err := profilegen.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Syscalls)
	p.Syscalls = slices.DeleteFunc(p.Syscalls, profilegen.IsDurableRule)
	if len(p.Syscalls) != n-1 {
		t.Fatalf("%s: %d durable rules, want 1", path, n-len(p.Syscalls))
	}
	data, _ := profilegen.Marshal(p)
	out := strings.TrimSuffix(path, ".json") + "-no-enosys.json"
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDurableProfile: a workload that creates its child as glibc 2.34
// does (clone3, then clone on ENOSYS only) runs under the profile recorded
// from its older self (clone alone), because of the ENOSYS rule, and
// fails under the same profile without the rule.
func TestDurableProfile(t *testing.T) {
	recorder, _ := e2e(t)
	work := toolkitWorkload(t)
	prof := filepath.Join(t.TempDir(), "old.json")
	if out, errOut, code := recorderCmd(t, recorder, "record", "-o", prof, "--", work, "clone-only"); code != 0 {
		t.Fatalf("record: exit %d\n%s%s", code, out, errOut)
	}
	p, err := profilegen.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if v := profiletool.Evaluate(p, "SCMP_ARCH_X86_64", "clone3"); v.Act.String() != "SCMP_ACT_ERRNO(38)" {
		t.Fatalf("clone3: %s; want the durable rule's ENOSYS", v.Describe(p))
	}
	out, errOut, code := recorderCmd(t, recorder, "run", "--report=false", "--profile", prof, "--", work, "clone3")
	if code != 0 || !strings.Contains(out, "clone3: ENOSYS, falling back to clone\nclone: child exited 0") {
		t.Errorf("under the durable profile: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = recorderCmd(t, recorder, "run", "--report=false", "--profile", withoutENOSYS(t, prof), "--", work, "clone3")
	if code != 1 || !strings.Contains(out, "clone3: Operation not permitted") {
		t.Errorf("without the ENOSYS rule: exit %d, want 1 and EPERM\n%s%s", code, out, errOut)
	}
}

// TestSafeRecording records under 'profile --recording': calls the runtime
// default denies get EPERM (they succeed outside it, as root) and show as
// denied in the summary; clone3 gets the runtime default's ENOSYS, the
// workload falls back to clone, and the durable profile written runs the
// workload, which fails without its ENOSYS rule. --explain tells the call
// made 1.2 s in from the startup calls.
func TestSafeRecording(t *testing.T) {
	recorder, _ := e2e(t)
	work := toolkitWorkload(t)
	dir := t.TempDir()
	if out, err := exec.Command(work, "keyctl", "unshare").CombinedOutput(); err != nil || string(out) != "keyctl: ok\nunshare: ok\n" {
		t.Fatalf("outside any filter, as root: %v %q", err, out)
	}
	rec, prof, explain := filepath.Join(dir, "recording.json"), filepath.Join(dir, "work.json"), filepath.Join(dir, "explain.tsv")
	if _, errOut, code := recorderCmd(t, recorder, "profile", "--recording", "-o", rec); code != 0 {
		t.Fatal(errOut)
	}
	out, summary, code := recorderCmd(t, recorder, "record", "--under", rec, "--explain", explain, "-o", prof, "--", work, "keyctl", "unshare", "clone3", "late")
	want := "keyctl: Operation not permitted\nunshare: Operation not permitted\nclone3: ENOSYS, falling back to clone\nclone: child exited 0\nlate: getppid ok\n"
	if code != 0 || out != want {
		t.Fatalf("record --under: exit %d, output %q; want %q\n%s", code, out, want, summary)
	}
	for _, call := range []string{"keyctl", "unshare", "clone3"} {
		// The group is the workload's full path (--group-by exe, issue 11).
		if !strings.Contains(summary, "denied: "+call+" (SCMP_ARCH_X86_64) in "+work+": 1 record with SCMP_ACT_ERRNO") {
			t.Errorf("the summary does not show %s denied:\n%s", call, summary)
		}
	}
	p, err := profilegen.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	for call, want := range map[string]string{"keyctl": "SCMP_ACT_ERRNO", "clone3": "SCMP_ACT_ERRNO(38)", "clone": "SCMP_ACT_ALLOW", "getppid": "SCMP_ACT_ALLOW"} {
		if v := profiletool.Evaluate(p, "SCMP_ARCH_X86_64", call); v.Act.String() != want {
			t.Errorf("recorded profile: %s: %s; want %s", call, v.Describe(p), want)
		}
	}
	startup := explainColumn(t, explain, "startup-only")
	if startup["getppid"] != "no" || startup["mmap"] != "yes" || startup["execve"] != "yes" {
		t.Errorf("startup-only: getppid %q, mmap %q, execve %q; want no, yes, yes", startup["getppid"], startup["mmap"], startup["execve"])
	}
	out, errOut, code := recorderCmd(t, recorder, "run", "--report=false", "--profile", prof, "--", work, "clone3")
	if code != 0 || !strings.Contains(out, "clone3: ENOSYS, falling back to clone") {
		t.Errorf("under the recorded profile: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := recorderCmd(t, recorder, "run", "--report=false", "--profile", withoutENOSYS(t, prof), "--", work, "clone3"); code != 1 {
		t.Errorf("without the ENOSYS rule: exit %d, want 1\n%s", code, out)
	}
	// Re-recording from the profile allows what it holds: only new calls
	// are logged, and the profile written still allows the others.
	quiet, again := filepath.Join(dir, "quiet.json"), filepath.Join(dir, "again.json")
	recorderCmd(t, recorder, "profile", "--recording", "--from", prof, "-o", quiet)
	_, summary, code = recorderCmd(t, recorder, "record", "--under", quiet, "-o", again, "--", work, "clone3", "unshare")
	if code != 0 || !strings.Contains(summary, "ERRNO 2\n") || strings.Contains(summary, "LOG") {
		t.Errorf("re-recording from the profile logged calls it allows (want the ERRNO of clone3 and unshare alone):\n%s", summary)
	}
	if out, _, code := recorderCmd(t, recorder, "diff", prof, again); code != 0 {
		t.Errorf("the re-recording's profile differs from the first:\n%s", out)
	}
}

// explainColumn returns, per syscall of explain's lines, the column named
// col.
func explainColumn(t *testing.T, path, col string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var head []string
	out := map[string]string{}
	for s := bufio.NewScanner(f); s.Scan(); {
		fields := strings.Split(s.Text(), "\t")
		if h, ok := strings.CutPrefix(fields[0], "# "); ok && len(fields) > 3 {
			head = append([]string{h}, fields[1:]...)
			continue
		}
		if strings.HasPrefix(s.Text(), "#") || len(fields) != len(head) {
			continue
		}
		out[fields[1]] = fields[slices.Index(head, col)]
	}
	if len(out) == 0 {
		t.Fatalf("%s: no lines", path)
	}
	return out
}

// TestSystemdUnit: the systemd settings convert writes from a recorded
// profile are accepted by systemd-analyze verify (Debian's systemd), and
// the same allow-list, loaded through run (PID 1 here is not systemd, so
// systemd-run cannot start a unit), makes the workload behave as under the
// OCI profile: what it allows succeeds, keyctl gets EPERM.
func TestSystemdUnit(t *testing.T) {
	recorder, _ := e2e(t)
	work := toolkitWorkload(t)
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze (Debian's systemd package; make test installs it): %v", err)
	}
	dir := t.TempDir()
	prof := filepath.Join(dir, "work.json")
	if _, errOut, code := recorderCmd(t, recorder, "record", "-o", prof, "--", work, "clone-only", "late"); code != 0 {
		t.Fatal(errOut)
	}
	settings, notes, code := recorderCmd(t, recorder, "convert", "--format", "systemd", prof)
	if code != 0 || !strings.Contains(notes, "clone3") {
		t.Fatalf("convert: exit %d\n%s", code, notes)
	}
	unit := filepath.Join(dir, "toolkit-test.service")
	os.WriteFile(unit, []byte("[Unit]\nDescription=recorder test\n\n[Service]\nType=oneshot\nExecStart="+work+" clone-only late keyctl\n\n"+settings), 0o644)
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || strings.Contains(string(out), unit) {
		t.Errorf("systemd-analyze verify: %v\n%s\nunit:\n%s", err, out, settings)
	}
	// The allow-list, read back as systemd would load it.
	back := systemdProfile(t, settings)
	data, _ := json.Marshal(back)
	allowList := filepath.Join(dir, "allow-list.json")
	os.WriteFile(allowList, data, 0o644)
	args := []string{"clone-only", "late", "keyctl"}
	oci, _, ociCode := recorderCmd(t, recorder, append([]string{"run", "--report=false", "--profile", prof, "--", work}, args...)...)
	sd, errOut, sdCode := recorderCmd(t, recorder, append([]string{"run", "--report=false", "--profile", allowList, "--", work}, args...)...)
	want := "clone: child exited 0\nlate: getppid ok\nkeyctl: Operation not permitted\n"
	if oci != want || sd != oci || ociCode != 0 || sdCode != 0 {
		t.Errorf("under the OCI profile: exit %d %q; under the systemd allow-list: exit %d %q %s; want %q", ociCode, oci, sdCode, sd, errOut, want)
	}
}

// systemdProfile reads the SystemCallArchitectures=, SystemCallFilter= (an
// allow-list) and SystemCallErrorNumber=EPERM lines of settings back into
// an OCI profile.
func systemdProfile(t *testing.T, settings string) *specs.LinuxSeccomp {
	t.Helper()
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess}
	var names []string
	for _, l := range strings.Split(settings, "\n") {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "SystemCallArchitectures":
			for _, a := range strings.Fields(v) {
				for oci := range map[string]bool{"SCMP_ARCH_X86_64": true, "SCMP_ARCH_X86": true, "SCMP_ARCH_X32": true} {
					if s, _ := profiletool.SystemdArch(oci); s == a {
						p.Architectures = append(p.Architectures, specs.Arch(oci))
					}
				}
			}
		case "SystemCallFilter":
			if strings.HasPrefix(v, "~") {
				t.Fatalf("a deny-list: %s", l)
			}
			names = append(names, strings.Fields(v)...)
		case "SystemCallErrorNumber":
			if v != "EPERM" {
				t.Fatalf("error number %s", v)
			}
			p.DefaultAction = specs.ActErrno
		}
	}
	slices.Sort(p.Architectures)
	p.Syscalls = []specs.LinuxSyscall{{Names: names, Action: specs.ActAllow}}
	if len(names) < 10 || len(p.Architectures) != 3 {
		t.Fatalf("read back %+v from:\n%s", p, settings)
	}
	return p
}
