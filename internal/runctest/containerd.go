//go:build linux

package runctest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Containerd is a containerd daemon a test started, with its CRI plugin,
// its own root, state and socket, and no CNI (pods use the host network).
type Containerd struct {
	Dir      string // root, state, socket and log are in it
	Endpoint string // unix://…/containerd.sock
	CRI      runtimeapi.RuntimeServiceClient
	cmd      *exec.Cmd
	log      string
	conn     *grpc.ClientConn
	cgroups  []string
}

// RemoveCgroupAtEnd removes the cgroup path (a pod's parent, which
// containerd leaves behind) once the pods are removed and the daemon
// stopped.
func (c *Containerd) RemoveCgroupAtEnd(path string) { c.cgroups = append(c.cgroups, path) }

// PauseImage is the name of the sandbox image StartContainerd configures.
const PauseImage = "docker.io/recorder/pause:test"

// StartContainerd starts containerd (Debian's package) with its CRI plugin
// and waits until the CRI answers. When the test ends every pod sandbox is
// stopped and removed through the CRI, the daemon stopped, its shims
// killed and its mounts unmounted, even when the test failed.
func StartContainerd(t testing.TB) *Containerd {
	t.Helper()
	Need(t)
	bin, err := exec.LookPath("containerd")
	if err != nil {
		t.Fatalf("containerd is needed (Debian package containerd; make test installs it): %v", err)
	}
	dir, err := os.MkdirTemp("/var/tmp", "recorder-containerd-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Containerd{Dir: dir, Endpoint: "unix://" + dir + "/containerd.sock", log: filepath.Join(dir, "containerd.log")}
	config := fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = %[3]q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[4]q
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # The CRI gives sandboxes oom_score_adj -998, which only CAP_SYS_RESOURCE
  # may set; the machine's root lacks it (CapEff 000001fffeffffff): clamp
  # to containerd's own, as containerd does in a container.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %[5]q
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), strings.TrimPrefix(c.Endpoint, "unix://"), PauseImage, filepath.Join(dir, "cni"))
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	c.cmd = exec.Command(bin, "--config", cfgPath, "--log-level", "info")
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start containerd: %v", err)
	}
	t.Cleanup(func() { c.stop(t) })
	c.conn, err = grpc.NewClient(c.Endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	c.CRI = runtimeapi.NewRuntimeServiceClient(c.conn)
	var last error
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, last = c.CRI.Version(ctx, &runtimeapi.VersionRequest{})
		cancel()
		if last == nil {
			return c
		}
		if c.cmd.ProcessState != nil {
			break
		}
	}
	t.Fatalf("containerd's CRI did not answer: %v\nits log:\n%s", last, c.Log())
	return nil
}

// Log returns what containerd logged.
func (c *Containerd) Log() string {
	data, _ := os.ReadFile(c.log)
	return string(data)
}

// Import imports an OCI image archive into the k8s.io namespace, as the
// kubelet's images are.
func (c *Containerd) Import(t testing.TB, archive string) {
	t.Helper()
	out, err := exec.Command("ctr", "--address", strings.TrimPrefix(c.Endpoint, "unix://"), "-n", "k8s.io",
		"images", "import", "--no-unpack", archive).CombinedOutput()
	if err != nil {
		t.Fatalf("ctr images import %s: %v: %s", archive, err, out)
	}
}

// stop removes every pod through the CRI, stops containerd, kills the
// shims it started and unmounts what is left under its directory.
func (c *Containerd) stop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if pods, err := c.CRI.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{}); err == nil {
		for _, p := range pods.GetItems() {
			c.CRI.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: p.GetId()})
			if _, err := c.CRI.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: p.GetId()}); err != nil {
				t.Errorf("remove pod %s: %v", p.GetMetadata().GetName(), err)
			}
		}
	}
	c.conn.Close()
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
	c.killShims(t)
	c.unmount(t)
	for _, p := range c.cgroups {
		RemoveCgroup(p)
	}
	if err := os.RemoveAll(c.Dir); err != nil {
		t.Errorf("remove containerd's directory: %v", err)
	}
}

// killShims kills the containerd-shim processes whose command line names
// this daemon's socket, and first the processes they still run: their
// children, each a container's init (its PID namespace ends with it) or a
// runc the shim waits for. Pods removed through the CRI leave none.
func (c *Containerd) killShims(t testing.TB) {
	sock := strings.TrimPrefix(c.Endpoint, "unix://")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var shims []int
	parent := map[int]int{}
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if pp, ok := ppid(d); ok {
			parent[pid] = pp
		}
		data, err := os.ReadFile(d + "/cmdline")
		if err == nil && bytes.Contains(data, []byte("containerd-shim")) && bytes.Contains(data, []byte(sock)) {
			shims = append(shims, pid)
		}
	}
	for _, shim := range shims {
		for pid, pp := range parent {
			if pp == shim {
				t.Logf("killing pid %d, which a shim left behind still runs", pid)
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		t.Logf("killing a shim left behind: pid %d", shim)
		syscall.Kill(shim, syscall.SIGKILL)
	}
}

// ppid returns the parent pid of the process of /proc/PID dir.
func ppid(dir string) (int, bool) {
	data, err := os.ReadFile(dir + "/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return n, err == nil
		}
	}
	return 0, false
}

// unmount unmounts what is still mounted under the daemon's directory,
// deepest first.
func (c *Containerd) unmount(t testing.TB) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return
	}
	var mounts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 1 && strings.HasPrefix(fields[1], c.Dir+"/") {
			mounts = append(mounts, fields[1])
		}
	}
	f.Close()
	for i := len(mounts) - 1; i >= 0; i-- {
		if err := syscall.Unmount(mounts[i], syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", mounts[i], err)
		}
	}
}
