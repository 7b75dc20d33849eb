//go:build linux

package kubetest

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNode starts the whole node (containerd, kubelet, controller
// manager, scheduler) and runs the tutorial's default-pod, as published
// but for the host network and its port: scheduled, started under
// RuntimeDefault, serving, and its log read through the kubelet; then a
// Deployment of two replicas, which needs the controller manager and the
// scheduler, both Ready.
func TestNode(t *testing.T) {
	cp := StartControlPlane(t)
	n := StartNode(t, cp)
	n.ImportBinaryImage(t, EchoImage, "./testdata/workloads/echo")

	addr := "127.0.0.1:" + Port(t)
	pod := HostNetworkPod(t, filepath.Join(moduleRootOf(t), "testdata/tutorial/pods/default-pod.yaml"), addr)
	if out, err := cp.KubectlErr(string(pod), "apply", "-f", "-"); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	n.WaitPods(t, "default", "app.kubernetes.io/name=default-pod", 1)
	if got := httpGet(t, addr); got != "just made some more syscalls!\n" {
		t.Errorf("default-pod answered %q", got)
	}
	if log := cp.Kubectl(t, "logs", "default-pod"); !strings.Contains(log, "listening on "+addr) {
		t.Errorf("default-pod's log through the kubelet: %q", log)
	}
	if sec := cp.Kubectl(t, "get", "pod", "default-pod", "-o", "jsonpath={.spec.nodeName} {.spec.securityContext.seccompProfile.type}"); sec != cp.NodeName+" RuntimeDefault" {
		t.Errorf("default-pod: node and seccomp %q", sec)
	}

	deploy := `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      hostNetwork: true
      containers:
      - {name: echo, image: ` + EchoImage + `, imagePullPolicy: Never, args: ["-listen=127.0.0.1:0"]}
`
	if out, err := cp.KubectlErr(deploy, "apply", "-f", "-"); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	n.WaitPods(t, "default", "app=echo", 2)
}

func httpGet(t *testing.T, addr string) string {
	t.Helper()
	var last error
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			last = err
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	t.Fatalf("GET %s: %v", addr, last)
	return ""
}
