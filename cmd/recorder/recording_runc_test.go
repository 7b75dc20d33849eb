//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/runctest"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestRecordingProfileUnderRunc is issue 16's "its own profiles load where
// users run them", with this machine's runc (Debian's 1.1.5): a container
// under 'recorder profile --recording' starts, serves, and is recorded by
// watch (its file holds runc's init's calls after the filter and
// accept4). The profile with --log-denials carries SECCOMP_FILTER_FLAG_LOG,
// which runc 1.1.x refuses ("seccomp flags are not yet supported by
// runc"): that is what the default profile carried before, and the pod
// never started.
func TestRecordingProfileUnderRunc(t *testing.T) {
	audittest.NeedRoot(t)
	r := runctest.New(t)
	dir := t.TempDir()
	rec, logged := filepath.Join(dir, "recording.json"), filepath.Join(dir, "logged.json")
	for _, args := range [][]string{
		{"profile", "--recording", "-o", rec},
		{"profile", "--recording", "--log-denials", "-o", logged},
	} {
		if _, errOut, code := recorder(t, args...); code != 0 {
			t.Fatalf("recorder %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
	recP, err := profilegen.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(recP.Flags) != 0 {
		t.Fatalf("profile --recording has flags %q", recP.Flags)
	}

	// With the flag: refused by runc 1.1.x, loaded by 1.2.0 and later.
	loggedP, err := profilegen.ReadFile(logged)
	if err != nil {
		t.Fatal(err)
	}
	b := runctest.NewBundle(t, nil, "/nothing")
	b.Spec.Linux.Seccomp = loggedP
	id := runctest.NewID()
	args := r.Command(t, b, id)
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	refused := bytes.Contains(out, []byte("seccomp flags are not yet supported by runc"))
	if old := runcBefore12(t); old != refused {
		t.Errorf("runc older than 1.2.0: %v; runc run with the LOG flag: %v: %s", old, err, out)
	}
	t.Logf("with --log-denials, runc run: %v: %s", err, bytes.TrimSpace(out))

	// Without: the container starts, serves and is recorded.
	prev := audittest.NoDaemon(t)
	wdir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", wdir, "--group-by", "container", "--cri-endpoint", "none", "--flush-interval", "100ms")
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
	c := runEcho(t, r, recP)
	file := filepath.Join(wdir, c.id+".json")
	w.waitFor(t, "the container's profile", 15*time.Second, func() bool { return fileHas(file, containerCalls...) })
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	_, names := readProfile(t, file)
	t.Logf("recorded under profile --recording: %d calls: %q", len(names), names)
}

// runcBefore12 reports whether this machine's runc is older than 1.2.0,
// the first that takes seccomp flags.
func runcBefore12(t *testing.T) bool {
	out, err := exec.Command("runc", "--version").Output()
	m := regexp.MustCompile(`runc version (\d+)\.(\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("runc --version: %v: %s", err, out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major < 1 || major == 1 && minor < 2
}
