//go:build linux

package kubetest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/recorder-dev/recorder/internal/runctest"
)

// Node is the cluster's one node: containerd with its CRI plugin, the
// kubelet, kube-controller-manager and kube-scheduler, on a control plane.
type Node struct {
	*ControlPlane
	Containerd *runctest.Containerd
	RootDir    string // the kubelet's --root-dir
	// SeccompDir is the kubelet's seccomp directory: a pod's Localhost
	// profile "profiles/x.json" is SeccompDir/profiles/x.json.
	SeccompDir string
	// CgroupRoot is the kubelet's cgroup root: pods' cgroups are under
	// CgroupRoot/kubepods, apart from any other kubelet's on the machine.
	CgroupRoot string

	kubelet, kcm, scheduler *process
	stopped                 bool
}

// StartNode starts containerd (runctest's, with a loopback CNI network so
// the node turns Ready; pods use the host network), imports the pause
// image, and starts the kubelet, kube-controller-manager and
// kube-scheduler on cp, then waits until the node is Ready. It needs root.
// Everything is stopped when the test ends, pods and cgroups removed.
func StartNode(t testing.TB, cp *ControlPlane) *Node {
	t.Helper()
	runctest.Need(t)
	n := &Node{ControlPlane: cp, CgroupRoot: "/recorder-" + cp.NodeName}
	n.RootDir = filepath.Join(cp.Dir, "kubelet")
	n.SeccompDir = filepath.Join(n.RootDir, "seccomp")
	if err := os.MkdirAll(filepath.Join(n.SeccompDir, "profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the cgroups go after containerd removed the
	// pods, which it does after the kubelet stopped.
	n.makeCgroupRoot(t)
	n.Containerd = runctest.StartContainerd(t)
	// Pods are host-network; a loopback network only makes the runtime's
	// network ready, as the kubelet wants before it turns the node Ready.
	writeFile(t, filepath.Join(n.Containerd.Dir, "cni", "10-loopback.conflist"),
		`{"cniVersion": "1.0.0", "name": "kubetest", "plugins": [{"type": "loopback"}]}`)
	n.Containerd.Import(t, runctest.OCIImage(t, runctest.PauseImage,
		map[string]string{"/pause": runctest.Static(t, "./testdata/workloads/pause", nil)}, "/pause"))

	t.Cleanup(func() {
		n.StopPods(t)
		if t.Failed() {
			for _, p := range []*process{n.kubelet, n.kcm, n.scheduler} {
				if p != nil {
					t.Log(p.tail(4000))
				}
			}
		}
	})

	n.kubelet = start(t, cp.Dir, "kubelet", cp.Tools.Kube, "kubelet",
		"--config", n.writeKubeletConfig(t), "--kubeconfig", cp.component["kubelet"],
		"--root-dir", n.RootDir, "--hostname-override", cp.NodeName, "--v", "2")
	n.kcm = start(t, cp.Dir, "kube-controller-manager", cp.Tools.Kube, "controller-manager",
		"--kubeconfig", cp.component["kube-controller-manager"],
		"--service-account-private-key-file", cp.SAKeyFile, "--root-ca-file", cp.CAFile,
		"--use-service-account-credentials", "--leader-elect=false", "--secure-port", "0")
	n.scheduler = start(t, cp.Dir, "kube-scheduler", cp.Tools.Kube, "scheduler",
		"--kubeconfig", cp.component["kube-scheduler"], "--leader-elect=false", "--secure-port", "0")
	if out, err := cp.KubectlErr("", "wait", "--for", "condition=Ready", "--timeout", "120s", "node/"+cp.NodeName); err != nil {
		// kubectl wait fails at once while the node is not registered yet.
		n.waitNode(t, out)
	}
	n.WaitServiceAccount(t, "default", "default")
	return n
}

// StopPods stops the node's daemons, then every container as the kubelet
// stops a pod's; the test's end does it too (a second call does nothing).
// A test that must see its pods end before a cleanup of its own (the
// kernel lock's) calls it there.
func (n *Node) StopPods(t testing.TB) {
	if n.stopped {
		return
	}
	n.stopped = true
	n.scheduler.stop(10 * time.Second)
	n.kcm.stop(10 * time.Second)
	n.kubelet.stop(20 * time.Second)
	n.stopContainers(t)
}

// stopContainers stops every container through the CRI as the kubelet
// does when it deletes a pod: SIGTERM, then SIGKILL after a grace period,
// so that a container that puts something back when it ends (the
// recorder's audit state) can. Run once the kubelet is stopped (it would
// restart them) and before containerd removes the pods (it kills them).
func (n *Node) stopContainers(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := n.Containerd.CRI.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		t.Errorf("list containers: %v", err)
		return
	}
	var wg sync.WaitGroup
	for _, c := range list.GetContainers() {
		if c.GetState() != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		wg.Go(func() {
			if _, err := n.Containerd.CRI.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: c.GetId(), Timeout: 15}); err != nil {
				t.Errorf("stop container %s: %v", c.GetMetadata().GetName(), err)
			}
		})
	}
	wg.Wait()
}

// WaitServiceAccount waits until ServiceAccount ns/name exists: the
// controller manager makes each namespace's "default" soon after the
// namespace, and a pod cannot be created before.
func (n *Node) WaitServiceAccount(t testing.TB, ns, name string) {
	t.Helper()
	var err error
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if _, err = n.KubectlErr("", "get", "serviceaccount", name, "-n", ns); err == nil {
			return
		}
	}
	t.Fatalf("ServiceAccount %s/%s: %v\n%s", ns, name, err, n.kcm.tail(4000))
}

// waitNode waits for the node to register and turn Ready.
func (n *Node) waitNode(t testing.TB, first string) {
	t.Helper()
	last := first
	for end := time.Now().Add(120 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		if n.kubelet.exited() {
			t.Fatalf("the kubelet exited (%s)\n%s", n.kubelet.state(), n.kubelet.tail(8000))
		}
		out, err := n.KubectlErr("", "get", "node", n.NodeName, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}`)
		if err == nil && len(out) > 4 && out[:4] == "True" {
			return
		}
		last = out
	}
	t.Fatalf("node %s not Ready: %s\n%s", n.NodeName, last, n.kubelet.tail(8000))
}

// writeKubeletConfig writes the KubeletConfiguration of this machine:
// cgroupfs on its v1 layout (with v2 beside it), swap allowed, no node
// allocatable enforcement, no image garbage collection (the images are
// imported, never pulled), its own ports and directories.
func (n *Node) writeKubeletConfig(t testing.TB) string {
	t.Helper()
	path := filepath.Join(n.Dir, "kubelet.yaml")
	writeFile(t, path, fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: %s
cgroupDriver: cgroupfs
cgroupRoot: %s
failSwapOn: false
failCgroupV1: false
enforceNodeAllocatable: []
port: %d
healthzPort: 0
readOnlyPort: 0
podLogsDir: %s
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: %s}
authorization: {mode: AlwaysAllow}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi", nodefs.available: "0%%", imagefs.available: "0%%"}
serializeImagePulls: false
`, n.Containerd.Endpoint, n.CgroupRoot, freePort(t), filepath.Join(n.Dir, "pod-logs"), n.CAFile))
	return path
}

// makeCgroupRoot makes CgroupRoot in every cgroup hierarchy (the kubelet
// wants it there). When the test ends, after containerd has removed the
// pods, it unmounts what the kubelet mounted under its root directory
// (the directory itself, bound onto itself, and the pods' volumes) and
// removes the cgroups under CgroupRoot, deepest first.
func (n *Node) makeCgroupRoot(t testing.TB) {
	hier, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hier {
		if fi, err := os.Stat(filepath.Join(h, "cgroup.procs")); err != nil || fi.IsDir() {
			continue // not a hierarchy's root
		}
		if err := os.Mkdir(filepath.Join(h, n.CgroupRoot), 0o755); err != nil {
			t.Fatalf("make the kubelet's cgroup root: %v", err)
		}
	}
	t.Cleanup(func() {
		unmountUnder(t, n.RootDir)
		for _, h := range hier {
			var dirs []string
			filepath.WalkDir(filepath.Join(h, n.CgroupRoot), func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					dirs = append(dirs, p)
				}
				return nil
			})
			slices.Reverse(dirs)
			for _, d := range dirs {
				os.Remove(d)
			}
		}
	})
}

// ImportBinaryImage imports an image named name whose root holds the
// static build of the Go package pkg (relative to the module root) as
// /name-of-pkg, its entrypoint.
func (n *Node) ImportBinaryImage(t testing.TB, name, pkg string) {
	t.Helper()
	bin := "/" + filepath.Base(pkg)
	n.Containerd.Import(t, runctest.OCIImage(t, name, map[string]string{bin: runctest.Static(t, pkg, nil)}, bin))
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// KubeletLog returns the end of the kubelet's log.
func (n *Node) KubeletLog() string { return n.kubelet.tail(16000) }

// WaitPods waits until want pods of namespace ns match selector and all are
// Ready.
func (n *Node) WaitPods(t testing.TB, ns, selector string, want int) {
	t.Helper()
	var last string
	for end := time.Now().Add(120 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		out, err := n.KubectlErr("", "get", "pods", "-n", ns, "-l", selector, "-o",
			`jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}`)
		last = out
		if err != nil {
			continue
		}
		fields := strings.Fields(out)
		ready := 0
		for _, f := range fields {
			if strings.HasSuffix(f, "=True") {
				ready++
			}
		}
		if len(fields) == want && ready == want {
			return
		}
	}
	desc, _ := n.KubectlErr("", "describe", "pods", "-n", ns, "-l", selector)
	t.Fatalf("pods %s in %s: %q, want %d Ready\n%s\n%s", selector, ns, last, want, desc, n.kubelet.tail(6000))
}

// unmountUnder unmounts every mount point at or under dir, deepest first.
func unmountUnder(t testing.TB, dir string) {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Error(err)
		return
	}
	var points []string
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) > 1 && (f[1] == dir || strings.HasPrefix(f[1], dir+"/")) {
			points = append(points, f[1])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		if err := syscall.Unmount(points[i], syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", points[i], err)
		}
	}
}
