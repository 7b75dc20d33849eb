//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/profiletest"
)

// e2eTimeout bounds each recorder process an end-to-end test starts.
const e2eTimeout = 30 * time.Second

// tutorialProfiles is the Kubernetes tutorial's profiles, copied into
// testdata/tutorial (see its README).
const tutorialProfiles = "../../testdata/tutorial/profiles"

// e2e takes the kernel lock, checks that the audit status is as it was
// when the test ends (and restores it if not), and builds the recorder and
// the echo workload.
func e2e(t *testing.T) (recorder, echo string) {
	t.Helper()
	audittest.NeedRoot(t)
	audittest.Restored(t)
	dir := t.TempDir()
	recorder, echo = filepath.Join(dir, "recorder"), filepath.Join(dir, "echo")
	for bin, pkg := range map[string]string{recorder: ".", echo: "../../testdata/workloads/echo"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return recorder, echo
}

// recProc is a recorder process started by a test.
type recProc struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr bytes.Buffer
	done   chan struct{}
}

func startRecorder(t *testing.T, bin string, args ...string) *recProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	p := &recProc{cmd: exec.CommandContext(ctx, bin, args...), done: make(chan struct{})}
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdout = bufio.NewReader(out)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// wait returns the recorder's exit status and the rest of its stdout.
func (p *recProc) wait(t *testing.T) (int, string) {
	t.Helper()
	rest, _ := io.ReadAll(p.stdout)
	err := p.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(rest)
	} else if err != nil {
		t.Fatalf("recorder: %v\nstderr:\n%s", err, p.stderr.String())
	}
	return 0, string(rest)
}

// serving waits for echo's "listening on ADDR" line and returns ADDR.
func (p *recProc) serving(t *testing.T) string {
	t.Helper()
	line, err := p.stdout.ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		t.Fatalf("echo did not start: %q %v\nstderr:\n%s", line, err, p.stderr.String())
	}
	return addr
}

// getEcho makes n requests and checks echo's answer.
func getEcho(t *testing.T, addr string, n int) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < n; i++ {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "just made some syscalls!\n" {
			t.Fatalf("request %d: answer %q", i, body)
		}
	}
}

// goServerCalls is what a Go HTTP server on loopback (runtime, dynamic
// loader, net/http) can call: an oracle for "nothing the workload never
// made", together with the noise below never showing up.
var goServerCalls = []string{
	"accept4", "access", "arch_prctl", "bind", "brk", "clone", "clone3", "close", "connect", "epoll_create1",
	"epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd2", "execve", "exit", "exit_group", "fcntl",
	"fstat", "futex", "getpid", "getrandom", "getrlimit", "getsockname", "getsockopt", "gettid", "ioctl", "listen",
	"madvise", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat", "pipe2", "prctl", "pread64",
	"prlimit64", "read", "readlinkat", "recvfrom", "rseq", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"sched_getaffinity", "sched_yield", "sendto", "set_robust_list", "set_tid_address", "setsockopt", "shutdown",
	"sigaltstack", "socket", "tgkill", "uname", "write", "writev", "getpeername", "mincore", "fstatfs",
}

// noiseCalls are made by a process under a LOG filter next to the
// recording, never by the echo workload.
var noiseCalls = []string{"mkdir", "rmdir", "chdir"}

// startNoise runs a LOG-ed shell loop making noiseCalls, outside the
// recorded tree, until the test ends.
func startNoise(t *testing.T, recorder string) {
	t.Helper()
	dir := t.TempDir()
	logAll := filepath.Join(dir, "log.json")
	if err := os.WriteFile(logAll, []byte(`{"defaultAction": "SCMP_ACT_LOG"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	noise := exec.Command(recorder, "run", "--report=false", "--profile", logAll, "--",
		"sh", "-c", `cd "$1" && while :; do mkdir d; rmdir d; cd .; sleep 0.01; done`, "sh", dir)
	if err := noise.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		noise.Process.Signal(syscall.SIGTERM)
		noise.Wait()
	})
}

// TestRecordEcho records the echo server while a client makes requests
// and a LOG-ed process runs beside it; SIGINT to record reaches echo, which
// exits 0, and the profile is written. Then echo runs under the profile
// and serves; under the tutorial's violation.json and under the profile
// without listen it fails, and run's report names the calls denied.
func TestRecordEcho(t *testing.T) {
	recorder, echo := e2e(t)
	startNoise(t, recorder)
	prof := filepath.Join(t.TempDir(), "echo.json")

	rec := startRecorder(t, recorder, "record", "-o", prof, "--", echo, "-listen", "127.0.0.1:0")
	getEcho(t, rec.serving(t), 5)
	rec.cmd.Process.Signal(syscall.SIGINT)
	if code, _ := rec.wait(t); code != 0 {
		t.Fatalf("record exit status %d, want echo's 0\nstderr:\n%s", code, rec.stderr.String())
	}
	t.Logf("record:\n%s", rec.stderr.String())
	names := profiletest.Allowed(profiletest.Read(t, prof))
	for _, want := range []string{"accept4", "bind", "listen", "socket", "execve", "exit_group", "write"} {
		if !slices.Contains(names, want) {
			t.Errorf("profile lacks %s, which echo made: %q", want, names)
		}
	}
	for _, n := range names {
		if slices.Contains(noiseCalls, n) || !slices.Contains(goServerCalls, n) {
			t.Errorf("profile allows %s, which echo never makes", n)
		}
	}
	if strings.Contains(rec.stderr.String(), "warning") {
		t.Errorf("record warned:\n%s", rec.stderr.String())
	}

	t.Run("run under the profile", func(t *testing.T) {
		run := startRecorder(t, recorder, "run", "--profile", prof, "--", echo, "-listen", "127.0.0.1:0")
		getEcho(t, run.serving(t), 5)
		run.cmd.Process.Signal(syscall.SIGTERM)
		if code, _ := run.wait(t); code != 0 {
			t.Fatalf("run exit status %d\nstderr:\n%s", code, run.stderr.String())
		}
	})
	t.Run("violation.json", func(t *testing.T) {
		run := startRecorder(t, recorder, "run", "--profile", filepath.Join(tutorialProfiles, "violation.json"), "--", echo, "-listen", "127.0.0.1:0")
		code, _ := run.wait(t)
		report := run.stderr.String()
		if code == 0 || !strings.Contains(report, "denied:") || !strings.Contains(report, "execve ") {
			t.Fatalf("exit status %d, want a failure with execve denied; report:\n%s", code, report)
		}
		if !strings.Contains(report, `add {"names": ["execve"], "action": "SCMP_ACT_ALLOW"} to syscalls`) {
			t.Errorf("report lacks the fix for execve:\n%s", report)
		}
	})
	t.Run("profile minus listen", func(t *testing.T) {
		p := profiletest.Read(t, prof)
		p.Syscalls[0].Names = slices.DeleteFunc(slices.Clone(p.Syscalls[0].Names), func(n string) bool { return n == "listen" })
		minus := filepath.Join(t.TempDir(), "minus.json")
		data, _ := json.Marshal(p)
		os.WriteFile(minus, data, 0o644)
		run := startRecorder(t, recorder, "run", "--profile", minus, "--", echo, "-listen", "127.0.0.1:0")
		code, _ := run.wait(t)
		report := run.stderr.String()
		if code == 0 {
			t.Fatalf("echo served without listen:\n%s", report)
		}
		// Calls the recording missed (the Go runtime's rare ones) may be
		// denied too; of the calls the profile allowed, only listen may be.
		denied := deniedNames(report)
		var had []string
		for _, n := range denied {
			if slices.Contains(names, n) {
				had = append(had, n)
			}
		}
		if !slices.Equal(had, []string{"listen"}) {
			t.Errorf("denied calls the profile had: %q, want [listen]; report:\n%s", had, report)
		}
		if !strings.Contains(report, `add "listen" to the SCMP_ACT_ALLOW names (syscalls[0])`) {
			t.Errorf("report lacks the fix for listen:\n%s", report)
		}
	})
}

// deniedNames reads the syscall names of run's report lines.
func deniedNames(report string) []string {
	var names []string
	for _, line := range strings.Split(report, "\n") {
		if f := strings.Fields(line); len(f) > 2 && strings.HasPrefix(line, "  ") && strings.HasPrefix(f[1], "SCMP_ACT_") {
			names = append(names, f[0])
		}
	}
	return names
}

// TestRecordShellTree records a shell that runs several programs, one
// profile per program: every program is followed, and a LOG-ed process
// beside them (mkdir, rmdir) does not leak in. --merge adds a profile's names.
func TestRecordShellTree(t *testing.T) {
	recorder, _ := e2e(t)
	startNoise(t, recorder)
	dir := t.TempDir()
	merge := filepath.Join(dir, "merge.json")
	os.WriteFile(merge, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["chroot"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644)
	out := filepath.Join(dir, "profiles")
	rec := startRecorder(t, recorder, "record", "-d", out, "--group-by", "exe", "--merge", merge, "--",
		"sh", "-c", "ls / >/dev/null; date >/dev/null; cat /etc/hostname >/dev/null; id -u >/dev/null; exit 3")
	if code, _ := rec.wait(t); code != 3 {
		t.Fatalf("exit status %d, want the shell's 3\nstderr:\n%s", code, rec.stderr.String())
	}
	t.Logf("record:\n%s", rec.stderr.String())
	for _, prog := range []string{"ls", "date", "cat", "id"} {
		// --group-by exe: the file of /usr/bin/ls is ls@HASH-OF-THE-PATH.json.
		found, _ := filepath.Glob(filepath.Join(out, prog+"@*.json"))
		if len(found) != 1 {
			t.Errorf("no profile for %s (child not followed): %q", prog, found)
			continue
		}
		path := found[0]
		names := profiletest.Allowed(profiletest.Read(t, path))
		if !slices.Contains(names, "execve") || !slices.Contains(names, "chroot") {
			t.Errorf("%s: profile lacks execve or the merged chroot: %q", prog, names)
		}
		for _, n := range noiseCalls {
			if slices.Contains(names, n) {
				t.Errorf("%s: noise call %s leaked in", prog, n)
			}
		}
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if base := strings.TrimSuffix(e.Name(), ".json"); base == "mkdir" || base == "rmdir" || base == "sleep" {
			t.Errorf("profile of the noise process %s written", e.Name())
		}
		if e.Name() == "recorder.json" {
			t.Errorf("the helper's own calls got a profile of their own instead of the shell's")
		}
	}
}

// TestRecordSignal sends SIGINT to record: the shell's trap gets it, its
// exit status comes back, and the profile is still written.
func TestRecordSignal(t *testing.T) {
	recorder, _ := e2e(t)
	prof := filepath.Join(t.TempDir(), "sh.json")
	rec := startRecorder(t, recorder, "record", "-o", prof, "--",
		// "ready" once a child has been waited for: the calls the test asks of
		// the profile (wait4, rt_sigreturn) are made before SIGINT can come.
		"sh", "-c", `trap 'echo got INT; exit 7' INT; while :; do sleep 0.05; [ -n "$r" ] || { echo ready; r=1; }; done`)
	if line, _ := rec.stdout.ReadString('\n'); line != "ready\n" {
		t.Fatalf("shell said %q\n%s", line, rec.stderr.String())
	}
	rec.cmd.Process.Signal(syscall.SIGINT)
	code, out := rec.wait(t)
	if code != 7 || out != "got INT\n" {
		t.Fatalf("exit status %d, output %q; want 7 and the trap's output\nstderr:\n%s", code, out, rec.stderr.String())
	}
	if names := profiletest.Allowed(profiletest.Read(t, prof)); !slices.Contains(names, "wait4") || !slices.Contains(names, "rt_sigreturn") {
		t.Errorf("profile lacks the shell's wait4 / rt_sigreturn: %q\nstderr:\n%s", names, rec.stderr.String())
	}
}
