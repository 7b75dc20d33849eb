//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/runctest"
	"github.com/recorder-dev/recorder/profilegen"
)

// criPod is a pod made through the CRI as the kubelet makes one: a
// sandbox on the host network in the kubelet's cgroup of a BestEffort pod,
// and one container of the echo image under a Localhost seccomp profile.
type criPod struct {
	namespace, name, container, uid, addr string
	sandbox, id                           string
}

func runCRIPod(t *testing.T, c *runctest.Containerd, p *criPod, profile string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p.uid, p.addr = runctest.NewUID(), freeAddr(t)
	parent := "/kubepods/besteffort/pod" + p.uid
	c.RemoveCgroupAtEnd(parent)
	logs := t.TempDir()
	sandboxCfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: p.name, Namespace: p.namespace, Uid: p.uid},
		LogDirectory: logs,
		Labels: map[string]string{"io.kubernetes.pod.name": p.name, "io.kubernetes.pod.namespace": p.namespace,
			"io.kubernetes.pod.uid": p.uid},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent: parent,
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE, Pid: runtimeapi.NamespaceMode_CONTAINER, Ipc: runtimeapi.NamespaceMode_POD},
			},
		},
	}
	sb, err := c.CRI.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: sandboxCfg})
	if err != nil {
		t.Fatalf("RunPodSandbox %s/%s: %v\ncontainerd's log:\n%s", p.namespace, p.name, err, c.Log())
	}
	p.sandbox = sb.GetPodSandboxId()
	cc, err := c.CRI.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId:  p.sandbox,
		SandboxConfig: sandboxCfg,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: p.container},
			Image:    &runtimeapi.ImageSpec{Image: "docker.io/recorder/echo:test"},
			Args:     []string{"-listen", p.addr, "-text", echoText},
			LogPath:  p.container + ".log",
			Labels: map[string]string{"io.kubernetes.container.name": p.container, "io.kubernetes.pod.name": p.name,
				"io.kubernetes.pod.namespace": p.namespace, "io.kubernetes.pod.uid": p.uid},
			Linux: &runtimeapi.LinuxContainerConfig{SecurityContext: &runtimeapi.LinuxContainerSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE, Pid: runtimeapi.NamespaceMode_CONTAINER, Ipc: runtimeapi.NamespaceMode_POD},
				Seccomp:          &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: profile},
			}},
		},
	})
	if err != nil {
		t.Fatalf("CreateContainer %s: %v\ncontainerd's log:\n%s", p.container, err, c.Log())
	}
	p.id = cc.GetContainerId()
	if _, err := c.CRI.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: p.id}); err != nil {
		t.Fatalf("StartContainer %s: %v\ncontainerd's log:\n%s", p.container, err, c.Log())
	}
	if got := httpGet(t, p.addr, 10*time.Second); got != echoText+"\n" {
		data, _ := os.ReadFile(filepath.Join(logs, p.container+".log"))
		t.Fatalf("pod %s/%s answered %q; its log:\n%s", p.namespace, p.name, got, data)
	}
}

// TestContainersCRI starts containerd (Debian's package) with its CRI
// plugin, imports images built here (no registry is reachable), and makes
// two pods through the CRI API as the kubelet does, both named audit-pod
// with a container test-container as in the tutorial, in two namespaces,
// under the tutorial's audit.json as a Localhost profile. watch --group-by
// container --cri-endpoint names their profiles
// <namespace>_<pod>_<container>.
func TestContainersCRI(t *testing.T) {
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	c := runctest.StartContainerd(t)
	pause := runctest.Static(t, "./testdata/workloads/pause", nil)
	echo := runctest.Static(t, "./testdata/workloads/echo", nil)
	c.Import(t, runctest.OCIImage(t, runctest.PauseImage, map[string]string{"/pause": pause}, "/pause"))
	c.Import(t, runctest.OCIImage(t, "docker.io/recorder/echo:test", map[string]string{"/echo": echo}, "/echo"))
	profile := filepath.Join(t.TempDir(), "audit.json")
	data, err := os.ReadFile("../../testdata/tutorial/profiles/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(profile, data, 0o644)

	dir := t.TempDir()
	w := startWatch(t, "--source", "netlink", "-d", dir, "--group-by", "container", "--cri-endpoint", c.Endpoint,
		"--flush-interval", "100ms", "--log-level", "debug")
	w.waitFor(t, "registration", 5*time.Second, func() bool { return audittest.Status(t).PID == uint32(os.Getpid()) })

	pods := []*criPod{
		{namespace: "default", name: "audit-pod", container: "test-container"},
		{namespace: "recorder-e2e", name: "audit-pod", container: "test-container"},
	}
	for _, p := range pods {
		runCRIPod(t, c, p, profile)
	}
	var files []string
	for _, p := range pods {
		files = append(files, filepath.Join(dir, p.namespace+"_"+p.name+"_"+p.container+".json"))
	}
	w.waitFor(t, "the pods' profiles, by name", 20*time.Second, func() bool {
		return fileHas(files[0], containerCalls...) && fileHas(files[1], containerCalls...)
	})
	w.stop(t)
	audittest.CheckSame(t, "after watch", prev, audittest.Status(t))
	all, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range all {
		base := strings.TrimSuffix(filepath.Base(f), profilegen.ProvenanceExt) // a profile's provenance goes beside it
		if base != filepath.Base(files[0]) && base != filepath.Base(files[1]) {
			t.Errorf("unexpected profile %s", base)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("profiles %q; watch's log:\n%s", all, strings.TrimSpace(w.log.String()))
	}
}
