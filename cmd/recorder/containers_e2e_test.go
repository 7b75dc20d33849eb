//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/runctest"
	"github.com/recorder-dev/recorder/internal/sandbox"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// echoText is what the echo containers answer.
const echoText = "just made some syscalls!"

// freeAddr returns a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// echoContainer is an http-echo-like container: the static echo binary
// alone, under profile, in the kubelet's cgroup path of a BestEffort pod.
type echoContainer struct {
	id, uid, addr string
	pid           int
}

// runEcho starts an echo container under profile (nil: none) and waits
// until it answers.
func runEcho(t *testing.T, r *runctest.Runc, profile *specs.LinuxSeccomp) *echoContainer {
	t.Helper()
	c := &echoContainer{id: runctest.NewID(), uid: runctest.NewUID(), addr: freeAddr(t)}
	echo := runctest.Static(t, "./testdata/workloads/echo", nil)
	b := runctest.NewBundle(t, map[string]string{"/echo": echo}, "/echo", "-listen", c.addr, "-text", echoText)
	b.Spec.Linux.CgroupsPath = runctest.PodCgroup(c.uid, c.id)
	b.Spec.Linux.Seccomp = profile
	log, err := os.Create(filepath.Join(t.TempDir(), "echo.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	c.pid = r.Run(t, b, c.id, log)
	if got := httpGet(t, c.addr, 10*time.Second); got != echoText+"\n" {
		data, _ := os.ReadFile(log.Name())
		t.Fatalf("container %s answered %q, want %q; its log:\n%s", c.id[:12], got, echoText, data)
	}
	return c
}

// httpGet returns the body served at addr, trying until timeout.
func httpGet(t *testing.T, addr string, timeout time.Duration) string {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			last = err
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			return string(body)
		}
		last = err
	}
	t.Logf("GET %s: %v", addr, last)
	return ""
}

// tutorialAudit is the tutorial's audit.json: log every call.
func tutorialAudit(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	p, err := profilegen.ReadFile("../../testdata/tutorial/profiles/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// readProfile reads a profile file and returns it and the names it allows.
func readProfile(t *testing.T, path string) (*specs.LinuxSeccomp, []string) {
	t.Helper()
	p, err := profilegen.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Syscalls {
		if r.Action == specs.ActAllow {
			names = append(names, r.Names...)
		}
	}
	slices.Sort(names)
	return p, names
}

func fileHas(path string, want ...string) bool {
	p, err := profilegen.ReadFile(path)
	if err != nil {
		return false
	}
	for _, w := range want {
		if !slices.ContainsFunc(p.Syscalls, func(r specs.LinuxSyscall) bool { return slices.Contains(r.Names, w) }) {
			return false
		}
	}
	return true
}

// containerCalls are calls every echo container's profile must hold:
// fstatfs and prctl from runc's init after it loaded the filter (the calls
// a profile of http-echo's own records lacks, so the container cannot
// start), execve of the entrypoint, and accept4 from serving.
var containerCalls = []string{"fstatfs", "prctl", "execve", "accept4"}

// outsiderCall is a call of the outsider that echo never makes.
const outsiderCall = "inotify_add_watch"

// startOutsider runs "tail -f FILE" outside every container under a
// logging filter until the test ends: it lives on, so that watch finds it
// in /proc, and calls inotify_add_watch.
func startOutsider(t *testing.T) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "followed")
	os.WriteFile(f, []byte("x\n"), 0o644)
	c := &sandbox.Cmd{Profile: audittest.LogAll, Args: []string{"tail", "-f", f}, Stdout: io.Discard, Stderr: io.Discard}
	if err := c.Start(); err != nil {
		t.Fatalf("start the outsider: %v", err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
	})
}

// TestContainersRunc: two containers of the same image under the
// tutorial's audit.json, with kubelet-style cgroup paths, and a process
// outside every container under a logging filter. watch --group-by
// container writes one profile per container, named by its ID, and the
// outsider's calls are in neither; a new container then starts and serves
// under the first one's profile.
func TestContainersRunc(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", "none",
		"--flush-interval", "100ms", "--pid-map", filepath.Join(dir, "pids.map"), "--tee", filepath.Join(dir, "tee.log"))
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })

	audit := tutorialAudit(t)
	a := runEcho(t, r, audit)
	startOutsider(t)
	b := runEcho(t, r, audit)
	httpGet(t, a.addr, time.Second)
	fileA, fileB := filepath.Join(dir, a.id+".json"), filepath.Join(dir, b.id+".json")
	host := filepath.Join(dir, "host.json")
	w.waitFor(t, "both containers' profiles and the outsider's", 15*time.Second, func() bool {
		return fileHas(fileA, containerCalls...) && fileHas(fileB, containerCalls...) && fileHas(host, outsiderCall)
	})
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))

	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	t.Logf("profiles: %q\nwatch log:\n%s", files, w.log.String())
	for _, f := range []string{fileA, fileB} {
		if _, names := readProfile(t, f); slices.Contains(names, outsiderCall) {
			t.Errorf("%s holds the outsider's %s", filepath.Base(f), outsiderCall)
		}
	}
	for _, f := range files {
		// unattributed.json may hold the last calls of a process that
		// exited before watch looked it up (the sandbox's helper's).
		if base := filepath.Base(f); base != filepath.Base(fileA) && base != filepath.Base(fileB) && base != "host.json" && base != "unattributed.json" {
			t.Errorf("unexpected profile %s (a container's records went elsewhere?)", base)
		}
	}

	// A new container starts and serves under the first one's profile.
	profA, _ := readProfile(t, fileA)
	c := runEcho(t, r, profA)
	if got := httpGet(t, c.addr, 5*time.Second); got != echoText+"\n" {
		t.Errorf("under %s's profile the new container answered %q", a.id[:12], got)
	}

	// replay --pid-map attributes the lines watch teed as watch did.
	replayDir := t.TempDir()
	var out, errOut strings.Builder
	err := run(t.Context(), []string{"replay", "--group-by", "container", "--pid-map", filepath.Join(dir, "pids.map"),
		"-d", replayDir, filepath.Join(dir, "tee.log")}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("replay --pid-map: %v\n%s", err, errOut.String())
	}
	for _, f := range []string{fileA, fileB} {
		_, want := readProfile(t, f)
		_, got := readProfile(t, filepath.Join(replayDir, filepath.Base(f)))
		if !slices.Equal(got, want) {
			t.Errorf("replay --pid-map: %s allows %q, watch wrote %q", filepath.Base(f), got, want)
		}
	}
	t.Logf("replay --pid-map:\n%s", errOut.String())
}

// staticRecorder builds the recorder as the DaemonSet's image holds it: a
// static binary without cgo (make static; deploy/kubernetes/Containerfile).
func staticRecorder(t *testing.T) string {
	return runctest.Static(t, "./cmd/recorder", nil, "-trimpath", "-ldflags", "-s -w") // as make static
}

// recordedDir is where the DaemonSet writes profiles, on the node.
const recordedDir = "/var/lib/kubelet/seccomp/profiles/recorded"

// daemonSetMounts returns a bind mount of a new directory of the test's
// for each hostPath directory the DaemonSet's container mounts, at its
// mount path, and those directories by mount path. (Its CRI socket and
// ServiceAccount token are for naming and publishing, which this test does
// not do.)
func daemonSetMounts(t *testing.T) ([]specs.Mount, map[string]string) {
	t.Helper()
	pod := daemonSet(t).Spec.Template.Spec
	var mounts []specs.Mount
	dirs := map[string]string{}
	for _, m := range pod.Containers[0].VolumeMounts {
		i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
		if i < 0 {
			t.Fatalf("volume mount %s: no volume", m.Name)
		}
		if hp := pod.Volumes[i].HostPath; hp == nil || hp.Type == nil || *hp.Type != corev1.HostPathDirectoryOrCreate {
			continue
		}
		dir := t.TempDir()
		mounts = append(mounts, specs.Mount{Destination: m.MountPath, Type: "bind", Source: dir, Options: []string{"rbind", "rw"}})
		dirs[m.MountPath] = dir
	}
	return mounts, dirs
}

// TestContainersDaemonSet runs the recorder as the DaemonSet does: the
// static binary alone in a runc container with a read-only root, the
// host's PID and network namespaces (the kernel takes AUDIT_SET only from
// the initial PID namespace and multicasts only into the initial network
// namespace), a cgroup namespace of its own (as a pod on cgroup v2 has),
// no capability but CAP_AUDIT_CONTROL and CAP_AUDIT_READ, and a directory
// of the host mounted where each of the DaemonSet's hostPath volumes is.
// While registered it keeps its audit state file (what a restart puts
// back after a kill) in the host's directory; it records an echo container
// into the host's profiles directory.
func TestContainersDaemonSet(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	r := runctest.New(t)
	mounts, dirs := daemonSetMounts(t)
	out := dirs[recordedDir]
	if out == "" {
		t.Fatalf("the DaemonSet mounts no hostPath at %s", recordedDir)
	}

	rec := runctest.NewBundle(t, map[string]string{"/recorder": staticRecorder(t)},
		"/recorder", "watch", "--source", "netlink", "-d", recordedDir, "--group-by", "container",
		"--flush-interval", "100ms", "--metrics-addr", "127.0.0.1:0")
	s := rec.Spec
	s.Linux.Namespaces = append(runctest.Without(s.Linux.Namespaces, specs.PIDNamespace, specs.NetworkNamespace),
		specs.LinuxNamespace{Type: specs.CgroupNamespace})
	caps := []string{"CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_BPF", "CAP_PERFMON"}
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	s.Process.NoNewPrivileges = true
	s.Mounts = append(s.Mounts, mounts...)
	recID := runctest.NewID()
	s.Linux.CgroupsPath = runctest.PodCgroup(runctest.NewUID(), recID)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "recorder.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	recLog := func() string { data, _ := os.ReadFile(logFile.Name()); return string(data) }
	pid := r.Run(t, rec, recID, logFile)
	registered := false
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && !registered; time.Sleep(20 * time.Millisecond) {
		registered = audittest.Status(t).PID == uint32(pid)
	}
	if !registered {
		t.Fatalf("the recorder in its container (pid %d) did not register as the audit daemon; its log:\n%s", pid, recLog())
	}
	// The audit state file is on the host, naming the recorder: a
	// restarted pod puts the state back after a kill (OOM).
	stateFile := ""
	if dir := dirs[filepath.Dir(source.DefaultStateFile)]; dir != "" {
		stateFile = filepath.Join(dir, filepath.Base(source.DefaultStateFile))
	}
	var state struct{ PID int }
	if data, err := os.ReadFile(stateFile); err != nil || json.Unmarshal(data, &state) != nil || state.PID != pid {
		t.Errorf("while the recorder is registered, the host holds no audit state file naming it (%q: %q, %v; the DaemonSet must mount a hostPath at %s); its log:\n%s",
			stateFile, data, err, filepath.Dir(source.DefaultStateFile), recLog())
	}
	status, _ := os.ReadFile("/proc/" + itoa(pid) + "/status")
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "CapEff:") && strings.TrimSpace(strings.TrimPrefix(l, "CapEff:")) != "000000e040000000" {
			t.Errorf("recorder's %s, want only CAP_AUDIT_CONTROL (30), CAP_AUDIT_READ (37), CAP_PERFMON (38) and CAP_BPF (39): 000000e040000000", l)
		}
	}
	if strings.Contains(recLog(), "process events unavailable") {
		t.Errorf("with the DaemonSet's capabilities the process events did not load; its log:\n%s", recLog())
	}

	e := runEcho(t, r, tutorialAudit(t))
	want := filepath.Join(out, e.id+".json")
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end) && !fileHas(want, containerCalls...); time.Sleep(50 * time.Millisecond) {
	}
	r.Kill(t, recID, "TERM")
	r.WaitStopped(t, recID, 15*time.Second)
	audittest.CheckSame(t, "after the recorder's container stopped", prev, audittest.Status(t))
	if _, err := os.Stat(stateFile); stateFile != "" && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the audit state file is left after the recorder put the state back: %v", err)
	}
	t.Logf("recorder's log:\n%s", recLog())
	if !fileHas(want, containerCalls...) {
		files, _ := filepath.Glob(filepath.Join(out, "*"))
		t.Fatalf("no profile of the echo container with %q in the hostPath; files %q", containerCalls, files)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestContainersRecord: record --group-by container runs runc, which runs
// a container: the container's calls (runc's init's after the move into
// its cgroup, the entrypoint's) go to its profile, named by its ID, and
// runc's own to host.
func TestContainersRecord(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.Restored(t)
	r := runctest.New(t)
	pause := runctest.Static(t, "./testdata/workloads/pause", nil)
	b := runctest.NewBundle(t, map[string]string{"/pause": pause}, "/pause")
	id := runctest.NewID()
	b.Spec.Linux.CgroupsPath = runctest.PodCgroup(runctest.NewUID(), id)
	dir := t.TempDir()
	done := make(chan error, 1)
	var out, errOut strings.Builder
	args := append([]string{"record", "-d", dir, "--group-by", "container", "--cri-endpoint", "none", "--"}, r.Command(t, b, id)...)
	go func() { done <- run(context.Background(), args, nil, &syncWriter{w: &out}, &syncWriter{w: &errOut}) }()
	for end := time.Now().Add(15 * time.Second); r.Status(id) != "running"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the container did not start under record")
		}
	}
	time.Sleep(300 * time.Millisecond) // its start-up calls are made and looked up
	r.Kill(t, id, "TERM")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("record: %v\n%s", err, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("record did not end after the container stopped")
	}
	t.Logf("record:\n%s", errOut.String())
	ctr := filepath.Join(dir, id+".json")
	if !fileHas(ctr, "execve", "rt_sigaction") {
		t.Errorf("the container's profile lacks the entrypoint's execve and rt_sigaction")
	}
	if !fileHas(filepath.Join(dir, "host.json"), "execve", "clone") {
		t.Errorf("runc's own calls are not in host.json")
	}
}

// syncWriter is a strings.Builder safe to write from record's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
