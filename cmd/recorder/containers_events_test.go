//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/runctest"
)

// brief is a short-lived container: testdata/workloads/brief, which exits
// within milliseconds, in its own pod's cgroup.
type brief struct {
	id, uid string
	out     string // what it printed under audit.json
}

// runBriefs runs the containers, each in the foreground under its profile
// (profile(c)), at most par at a time, and returns their output and errors.
func runBriefs(t *testing.T, r *runctest.Runc, bin string, cs []*brief, par int, profile func(*brief) *specs.LinuxSeccomp) ([]string, []error) {
	t.Helper()
	cmds := make([][]string, len(cs))
	for i, c := range cs {
		b := runctest.NewBundle(t, map[string]string{"/brief": bin}, "/brief")
		b.Spec.Linux.CgroupsPath = runctest.PodCgroup(c.uid, c.id)
		b.Spec.Linux.Seccomp = profile(c)
		cmds[i] = r.Command(t, b, c.id)
	}
	outs, errs := make([]string, len(cs)), make([]error, len(cs))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range cs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, err := exec.Command(cmds[i][0], cmds[i][1:]...).CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	return outs, errs
}

func newBriefs(n int) []*brief {
	cs := make([]*brief, n)
	for i := range cs {
		cs[i] = &brief{id: runctest.NewID(), uid: runctest.NewUID()}
	}
	return cs
}

// briefCalls are calls every brief container's profile holds: fstatfs from
// runc's init after it loaded the filter, execve of the entrypoint and of
// its child, getdents64 of the entrypoint.
var briefCalls = []string{"fstatfs", "execve", "getdents64"}

// TestContainersShortLived: 50 containers that exit within milliseconds,
// 20 in a row and 30 ten at a time, under the tutorial's audit.json while
// watch --group-by container records. Every record is attributed (none in
// unattributed), each container has its profile, each then runs under its
// own profile with the same output, and replay --pid-map of watch's tee
// writes the same profiles (issue 15).
func TestContainersShortLived(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	bin := runctest.Static(t, "./testdata/workloads/brief", nil)
	dir := t.TempDir()
	pidMap, tee := filepath.Join(dir, "pids.map"), filepath.Join(dir, "tee.log")
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", "none",
		"--process-events", "on", "--flush-interval", "100ms", "--pid-map", pidMap, "--tee", tee)
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })

	audit := tutorialAudit(t)
	all := newBriefs(50)
	for _, wave := range []struct{ from, to, par int }{{0, 20, 1}, {20, 50, 10}} {
		cs := all[wave.from:wave.to]
		outs, errs := runBriefs(t, r, bin, cs, wave.par, func(*brief) *specs.LinuxSeccomp { return audit })
		for i, c := range cs {
			if errs[i] != nil || !strings.HasSuffix(outs[i], "child\n") {
				t.Fatalf("container %s under audit.json: %v: %s", c.id[:12], errs[i], outs[i])
			}
			c.out = outs[i]
		}
	}
	w.waitFor(t, "every container's profile", 20*time.Second, func() bool {
		return !slices.ContainsFunc(all, func(c *brief) bool { return !fileHas(filepath.Join(dir, c.id+".json"), briefCalls...) })
	})
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	if !strings.Contains(w.log.String(), "unattributed=0 ") {
		t.Errorf("records went to unattributed:\n%s", w.log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "unattributed.json")); err == nil {
		data, _ := os.ReadFile(filepath.Join(dir, "unattributed.json"))
		t.Errorf("unattributed.json written:\n%s", data)
	}

	// Each runs under its own recorded profile, with the same output.
	again := newBriefs(len(all))
	outs, errs := runBriefs(t, r, bin, again, 10, func(c *brief) *specs.LinuxSeccomp {
		p, _ := readProfile(t, filepath.Join(dir, all[slices.Index(again, c)].id+".json"))
		return p
	})
	failed := 0
	for i, c := range all {
		if errs[i] != nil || outs[i] != c.out {
			failed++
			t.Errorf("container %s under its own profile: %v: %q, want %q", c.id[:12], errs[i], outs[i], c.out)
		}
	}
	t.Logf("%d of %d ran under their own profiles with the same output", len(all)-failed, len(all))

	// replay --pid-map writes what watch wrote.
	replayDir := t.TempDir()
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"replay", "--group-by", "container", "--pid-map", pidMap, "-d", replayDir, tee}, nil, &out, &errOut); err != nil {
		t.Fatalf("replay --pid-map: %v\n%s", err, errOut.String())
	}
	for _, c := range all {
		f := c.id + ".json"
		_, want := readProfile(t, filepath.Join(dir, f))
		_, got := readProfile(t, filepath.Join(replayDir, f))
		if !slices.Equal(got, want) {
			t.Errorf("replay --pid-map: %s allows %q, watch wrote %q", f, got, want)
		}
	}
	if t.Failed() {
		fmt.Fprintf(os.Stderr, "watch log:\n%s\n", w.log.String())
	}
}

// runcRoot is the --root of r's commands.
func runcRoot(t *testing.T, r *runctest.Runc, b *runctest.Bundle, id string) string {
	args := r.Command(t, b, id)
	return args[slices.Index(args, "--root")+1]
}

// busyLoops runs two busy loops until the test ends: a preemption signal
// is then likelier to reach runc's init between loading the filter and
// exec'ing (FACTS.md).
func busyLoops(t *testing.T) {
	for range 2 {
		c := exec.Command("sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
}

// TestContainersExecProbes: a long-running container and 5 exec probes
// (runc exec, as a Kubernetes exec probe or kubectl exec makes) recorded
// by watch --group-by container. Under the recorded profile, with two busy
// loops on the machine, a new container serves 100 exec probes and 50 new
// containers of the image start and run: 0 failures (issue 15).
func TestContainersExecProbes(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	files := map[string]string{"/pause": runctest.Static(t, "./testdata/workloads/pause", nil), "/brief": runctest.Static(t, "./testdata/workloads/brief", nil)}
	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", "none",
		"--process-events", "on", "--flush-interval", "100ms")
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })

	long := func(id string, profile *specs.LinuxSeccomp) (root string) {
		b := runctest.NewBundle(t, files, "/pause")
		b.Spec.Linux.CgroupsPath = runctest.PodCgroup(runctest.NewUID(), id)
		b.Spec.Linux.Seccomp = profile
		log, err := os.Create(filepath.Join(t.TempDir(), "log"))
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		r.Run(t, b, id, log) // a log file: a pipe would stay open in the detached container
		return runcRoot(t, r, b, id+"-unused")
	}
	probe := func(root, id string) error {
		out, err := exec.Command("runc", "--root", root, "exec", id, "/brief", "-child").CombinedOutput()
		if err == nil && string(out) != "child\n" {
			err = fmt.Errorf("output %q", out)
		}
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	}
	id := runctest.NewID()
	root := long(id, tutorialAudit(t))
	for i := range 5 {
		if err := probe(root, id); err != nil {
			t.Fatalf("probe %d under audit.json: %v", i, err)
		}
	}
	file := filepath.Join(dir, id+".json")
	w.waitFor(t, "the container's profile", 15*time.Second, func() bool { return fileHas(file, "fstatfs", "execve", "write") })
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	profile, names := readProfile(t, file)
	t.Logf("recorded: %q\n%s", names, w.log.String())
	// runc's init was told from its records (comm and exe, as the kernel
	// prints them here): the profile holds runc's whole base, seen or not.
	for _, n := range containers.RuntimeBase("runc") {
		if !slices.Contains(names, n) {
			t.Errorf("the profile lacks %s of runc's base: was runc's init recognised?", n)
		}
	}

	busyLoops(t)
	id2 := runctest.NewID()
	root2 := long(id2, profile)
	failed := 0
	for i := range 100 {
		if err := probe(root2, id2); err != nil {
			failed++
			t.Errorf("exec probe %d under the recorded profile: %v", i, err)
		}
	}
	starts := newBriefs(50)
	outs, errs := make([]string, len(starts)), make([]error, len(starts))
	for i, c := range starts {
		b := runctest.NewBundle(t, files, "/brief", "-child")
		b.Spec.Linux.CgroupsPath = runctest.PodCgroup(c.uid, c.id)
		b.Spec.Linux.Seccomp = profile
		args := r.Command(t, b, c.id)
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		outs[i], errs[i] = string(out), err
		if err != nil || outs[i] != "child\n" {
			failed++
			t.Errorf("container start %d under the recorded profile: %v: %q", i, err, out)
		}
	}
	t.Logf("%d failures in 100 exec probes and 50 container starts under the recorded profile", failed)
}

// TestContainersForkStorm: a container runs 5,000 short-lived processes
// one after the other (testdata/workloads/storm: fork and exec of a static
// binary that exits at once) under audit.json while watch --group-by
// container records: every record is attributed to the container; any
// that is not is counted with its cause.
func TestContainersForkStorm(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	storm := buildStorm(t)
	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", "none",
		"--process-events", "on", "--flush-interval", "200ms")
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })
	c := newBriefs(1)[0]
	b := runctest.NewBundle(t, map[string]string{"/storm": storm}, "/storm", "5000")
	b.Spec.Linux.CgroupsPath = runctest.PodCgroup(c.uid, c.id)
	b.Spec.Linux.Seccomp = tutorialAudit(t)
	args := r.Command(t, b, c.id)
	start := time.Now()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil || string(out) != "5000 ran\n" {
		t.Fatalf("the storm: %v: %s", err, out)
	}
	t.Logf("5,000 processes in %v", time.Since(start))
	file := filepath.Join(dir, c.id+".json")
	w.waitFor(t, "the container's profile", 30*time.Second, func() bool { return fileHas(file, "execve", "wait4", "exit_group", "arch_prctl") })
	time.Sleep(500 * time.Millisecond) // the last records of the storm
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	log := w.log.String()
	unattributed := logCount(t, log, "unattributed")
	causes := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, `msg="records not attributed"`) {
			causes += logCount(t, l, "records")
		}
	}
	if unattributed != causes {
		t.Errorf("%d records unattributed, %d counted with a cause:\n%s", unattributed, causes, log)
	}
	if unattributed != 0 {
		t.Errorf("%d records unattributed:\n%s", unattributed, log)
	}
	if _, err := os.Stat(filepath.Join(dir, "unattributed.json")); err == nil {
		t.Errorf("unattributed.json written")
	}
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "watch ended") || strings.Contains(l, "process events") {
			t.Log(l)
		}
	}
}

// buildStorm builds testdata/workloads/storm static.
func buildStorm(t *testing.T) string {
	t.Helper()
	storm := filepath.Join(t.TempDir(), "storm")
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", storm, filepath.Join(runctest.ModuleRoot(t), "testdata/workloads/storm/storm.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc -static: %v\n%s", err, out)
	}
	return storm
}

// logCount returns the number after " key=" in a log line (0: absent).
func logCount(t *testing.T, log, key string) int {
	i := strings.LastIndex(log, " "+key+"=")
	if i < 0 {
		return 0
	}
	f := strings.Fields(log[i+len(key)+2:])
	n, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatalf("%s=%s: %v", key, f[0], err)
	}
	return n
}

// TestContainersPidReuse: a container's process under audit.json holds pid
// P and is killed; a host process is then made to get P (ns_last_pid, as
// CRIU restores pids), loads a logging filter and calls sync(2), exiting
// at once (testdata/workloads/storm's "storm sync"). Its records, sync among them, go to the host (or unattributed),
// never to the container; replay --pid-map agrees.
func TestContainersPidReuse(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	dir := t.TempDir()
	pidMap, tee := filepath.Join(dir, "pids.map"), filepath.Join(dir, "tee.log")
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", "none",
		"--process-events", "on", "--flush-interval", "100ms", "--pid-map", pidMap, "--tee", tee)
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })

	id := runctest.NewID()
	b := runctest.NewBundle(t, map[string]string{"/pause": runctest.Static(t, "./testdata/workloads/pause", nil)}, "/pause")
	b.Spec.Linux.CgroupsPath = runctest.PodCgroup(runctest.NewUID(), id)
	b.Spec.Linux.Seccomp = tutorialAudit(t)
	log, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	pid := r.Run(t, b, id, log)
	file := filepath.Join(dir, id+".json")
	w.waitFor(t, "the container's profile", 15*time.Second, func() bool { return fileHas(file, "fstatfs", "execve") })
	r.Kill(t, id, "KILL")
	r.WaitStopped(t, id, 10*time.Second)
	storm := buildStorm(t)
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) { // reaped
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			break
		}
		if time.Now().After(end) {
			st, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			t.Fatalf("the container's process %d is still there: %s", pid, st)
		}
	}

	reused, got := false, []int{}
	for try := 0; try < 50 && !reused; try++ {
		if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid-1)), 0o644); err != nil {
			t.Fatal(err)
		}
		c := exec.Command(storm, "sync")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		reused, got = c.Process.Pid == pid, append(got, c.Process.Pid)
		if err := c.Wait(); err != nil {
			t.Fatalf("storm sync: %v", err)
		}
	}
	if !reused {
		t.Fatalf("no host process got the container's pid %d in 50 tries: %v", pid, got)
	}
	host := filepath.Join(dir, "host.json")
	w.waitFor(t, "the host's sync", 15*time.Second, func() bool { return fileHas(host, "sync") })
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	if _, names := readProfile(t, file); slices.Contains(names, "sync") {
		t.Errorf("the container's profile holds the sync of the host process that reused its pid %d:\n%s", pid, w.log.String())
	}
	replayDir := t.TempDir()
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"replay", "--group-by", "container", "--pid-map", pidMap, "-d", replayDir, tee}, nil, &out, &errOut); err != nil {
		t.Fatalf("replay --pid-map: %v\n%s", err, errOut.String())
	}
	if _, names := readProfile(t, filepath.Join(replayDir, id+".json")); slices.Contains(names, "sync") {
		t.Errorf("replay --pid-map gave the host's sync to the container")
	}
}
