//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/kube"
	"github.com/recorder-dev/recorder/internal/kubetest"
	"github.com/recorder-dev/recorder/internal/runctest"
	"github.com/recorder-dev/recorder/profilegen"
)

// kubeCluster is one test's single-node Kubernetes with the recorder's
// DaemonSet (deploy/kubernetes, applied with kubectl apply -k) publishing.
type kubeCluster struct {
	*kubetest.Node
	profiles dynamic.ResourceInterface
	recorded string // the node's directory of the DaemonSet's profile files
}

// TestKubeEndToEnd is issue 19 shown on a real single-node Kubernetes
// (kube-apiserver on kine, the kubelet on containerd, the controller
// manager and the scheduler, all built from k8s.io/kubernetes): the
// recorder's DaemonSet applied with kubectl apply -k deploy/kubernetes,
// then
//   - the RBAC of its ServiceAccount, through the ServiceAccount's own token;
//   - the tutorial: its audit-pod recorded, the published partial, the
//     profile pulled from it, and the tutorial's fine-pod serving under it;
//   - two replicas of one Deployment, under the recording profile the
//     DaemonSet installed: one workload profile, coverage 2/2;
//   - the API server stopped while the replicas make new calls (an exec
//     probe): the node's files get them, and the partial catches up once
//     the API server is back.
//
// The DaemonSet registers as the kernel's audit daemon: the kernel lock is
// held, and the audit state must be as before once its pod is stopped.
func TestKubeEndToEnd(t *testing.T) {
	begin := time.Now()
	c := startRecorderCluster(t)
	t.Logf("cluster and DaemonSet ready in %v", time.Since(begin).Round(time.Second))

	t.Run("rbac", func(t *testing.T) { c.checkRBAC(t) })
	t.Run("tutorial", func(t *testing.T) { c.tutorial(t) })
	t.Run("replicas", func(t *testing.T) { c.replicas(t) })
	t.Logf("in all %v", time.Since(begin).Round(time.Second))
}

// startRecorderCluster starts the cluster, imports the images (the
// recorder's, the tutorial's http-echo, the pause image) and applies the
// DaemonSet through an overlay of deploy/kubernetes that changes only what
// this machine needs: the kubelet's directories and containerd's socket of
// this test, its own metrics port and state directory (tests run side by
// side), a flush every second, and the API server's address (no
// kube-proxy: a host-network pod reaches it on 127.0.0.1).
func startRecorderCluster(t *testing.T) *kubeCluster {
	t.Helper()
	cp := kubetest.StartControlPlane(t)
	n := kubetest.StartNode(t, cp)
	c := &kubeCluster{Node: n, recorded: filepath.Join(n.SeccompDir, "profiles", "recorded"),
		profiles: dynamic.NewForConfigOrDie(cp.Config).Resource(kube.ProfilesResource)}
	n.Containerd.Import(t, runctest.RecorderArchive(t, "amd64"))
	echo := runctest.Static(t, "./testdata/workloads/echo", nil)
	probe := runctest.Static(t, "./testdata/workloads/probe", nil)
	n.Containerd.Import(t, runctest.OCIImage(t, kubetest.EchoImage, map[string]string{"/echo": echo}, "/echo"))
	n.Containerd.Import(t, runctest.OCIImage(t, replicaImage, map[string]string{"/echo": echo, "/probe": probe}, "/echo"))
	copyFile(t, "../../testdata/tutorial/profiles/audit.json", filepath.Join(n.SeccompDir, "profiles", "audit.json"))

	overlay := t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(overlay, filepath.Join(root, "deploy/kubernetes")) // kustomize takes no absolute base
	if err != nil {
		t.Fatal(err)
	}
	port := kubetest.Port(t)
	writeTestFile(t, filepath.Join(overlay, "kustomization.yaml"), fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- %s
patches:
- path: node.yaml
- target: {kind: DaemonSet, name: seccomp-recorder}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/ports/0/containerPort
      value: %s
`, rel, port))
	writeTestFile(t, filepath.Join(overlay, "node.yaml"), fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: seccomp-recorder, namespace: seccomp-recorder}
spec:
  template:
    spec:
      containers:
      - name: recorder
        args: [watch, --source=netlink, --output-dir=/var/lib/kubelet/seccomp/profiles/recorded, --group-by=container,
          --flush-interval=1s, --log-format=json, "--metrics-addr=$(POD_IP):%[1]s", --cri-endpoint=unix:///run/cri/cri.sock, --publish]
        env:
        - {name: KUBERNETES_SERVICE_HOST, value: "127.0.0.1"}
        - {name: KUBERNETES_SERVICE_PORT, value: "%[2]s"}
      volumes:
      - {name: kubelet-seccomp-profiles, hostPath: {path: %[3]s/profiles}}
      - {name: profiles, hostPath: {path: %[3]s/profiles/recorded}}
      - {name: state, hostPath: {path: %[4]s}}
      - {name: cri-socket, hostPath: {path: %[5]s}}
`, port, strings.TrimPrefix(cp.Server, "https://127.0.0.1:"), n.SeccompDir, filepath.Join(cp.Dir, "run-recorder"),
		strings.TrimPrefix(n.Containerd.Endpoint, "unix://")))
	// The kernel lock from here on, the cluster up: the DaemonSet
	// registers as the audit daemon. Its pod is stopped (as the kubelet
	// stops a pod's: SIGTERM, then a grace period) before the lock is let
	// go, and must have put the audit state back.
	audittest.NeedRoot(t)
	prev := audittest.NoDaemon(t)
	locked := time.Now()
	t.Cleanup(func() {
		if t.Failed() && cp.APIServerRunning() {
			t.Logf("the recorder's log:\n%s", c.recorderLog())
		}
		n.StopPods(t)
		audittest.CheckSame(t, "after the recorder's pod stopped", prev, audittest.Status(t))
		t.Logf("the kernel lock held %v", time.Since(locked).Round(time.Second))
	})
	cp.Kubectl(t, "apply", "-k", overlay)
	n.WaitPods(t, "seccomp-recorder", "app.kubernetes.io/name=seccomp-recorder", 1)
	if _, err := profilegen.ReadFile(filepath.Join(n.SeccompDir, "profiles", "recording.json")); err != nil {
		t.Errorf("the recording profile the init container installs: %v", err)
	}
	return c
}

// replicaImage holds the echo workload and probe (testdata/workloads/probe:
// after a while, it calls sysinfo and getpriority).
const replicaImage = "docker.io/recorder/echo-brief:test"

// checkRBAC asks, with the DaemonSet's ServiceAccount's own token, what it
// may do: every verb publishing needs (kube.PublishRules), and nothing
// beside.
func (c *kubeCluster) checkRBAC(t *testing.T) {
	token := c.ServiceAccountToken(t, "seccomp-recorder", "seccomp-recorder")
	_, kubeconfig := c.ConfigFor(t, "seccomp-recorder", token)
	type check struct{ verb, resource, ns, want string }
	var cases []check
	for _, r := range kube.PublishRules { // what publishing needs: allowed
		for _, res := range r.Resources {
			if r.APIGroups[0] != "" {
				res += "." + r.APIGroups[0]
			}
			ns := "default"
			if strings.HasPrefix(res, "seccompprofiles.") {
				ns = "" // cluster-scoped
			}
			for _, v := range r.Verbs {
				cases = append(cases, check{v, res, ns, "yes"})
			}
		}
	}
	if len(cases) < 7 {
		t.Fatalf("kube.PublishRules: %d verbs", len(cases))
	}
	cases = append(cases, []check{ // and nothing beside
		{"delete", "seccompprofiles.security-profiles-operator.x-k8s.io", "", "no"},
		{"patch", "seccompprofiles.security-profiles-operator.x-k8s.io", "", "no"},
		{"watch", "seccompprofiles.security-profiles-operator.x-k8s.io", "", "no"},
		{"list", "pods", "default", "no"},
		{"watch", "pods", "default", "no"},
		{"create", "pods", "default", "no"},
		{"delete", "pods", "default", "no"},
		{"get", "secrets", "default", "no"},
		{"get", "secrets", "seccomp-recorder", "no"},
		{"get", "deployments.apps", "default", "no"},
		{"update", "daemonsets.apps", "seccomp-recorder", "no"},
		{"get", "nodes", "", "no"},
		{"create", "serviceaccounts/token", "seccomp-recorder", "no"},
	}...)
	for _, tc := range cases {
		args := []string{"--kubeconfig", kubeconfig, "auth", "can-i", tc.verb, tc.resource}
		if tc.ns != "" {
			args = append(args, "-n", tc.ns)
		}
		out, _ := c.KubectlErr("", args...) // exit status 1 for no
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("the DaemonSet's ServiceAccount: can-i %s %s -n %q = %q, want %s", tc.verb, tc.resource, tc.ns, got, tc.want)
		}
	}
}

// tutorial runs the tutorial's audit-pod as published (host network and
// its own port aside), waits for its partial, pulls the pod's profile into
// the file the tutorial's fine-pod names, and runs fine-pod under it.
func (c *kubeCluster) tutorial(t *testing.T) {
	addr := "127.0.0.1:" + kubetest.Port(t)
	c.apply(t, kubetest.HostNetworkPod(t, "../../testdata/tutorial/pods/audit-pod.yaml", addr))
	c.WaitPods(t, "default", "app.kubernetes.io/name=audit-pod", 1)
	for range 3 {
		if got := httpGet(t, addr, 20*time.Second); got != "just made some syscalls!\n" {
			t.Fatalf("audit-pod answered %q", got)
		}
	}
	// accept4 is made only by serving a request.
	partial := c.waitPartial(t, "audit-pod", "test-container", "accept4")
	if l := partial.GetLabels(); l[kube.PartialLabel] != "true" || l[kube.NodeLabel] != c.NodeName || l[kube.KindLabel] != "pod" {
		t.Errorf("partial %s: labels %v", partial.GetName(), l)
	}
	// The DaemonSet published it, with its pod's token, under the
	// deploy's admission policy (admission.yaml), which is in force: the
	// admin's partial of the same node is denied.
	forged := partial.DeepCopy()
	forged.SetName(forged.GetName() + "-forged")
	forged.SetResourceVersion("")
	if _, err := c.profiles.Create(context.Background(), forged, metav1.CreateOptions{}); err == nil ||
		!strings.Contains(err.Error(), "ValidatingAdmissionPolicy 'seccomp-recorder-partials'") {
		t.Errorf("the admin's partial of node %s: %v; want it denied by the deploy's admission policy", c.NodeName, err)
	}
	// kube-controller-manager type-checks the policy's expressions against
	// the CRD's schema, into the policy's status: no warning.
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		out := c.Kubectl(t, "get", "validatingadmissionpolicy", "seccomp-recorder-partials", "-o", "json")
		var pol struct {
			Metadata struct{ Generation int64 }
			Status   struct {
				ObservedGeneration int64
				TypeChecking       *struct{ ExpressionWarnings []any }
			}
		}
		if err := json.Unmarshal([]byte(out), &pol); err != nil {
			t.Fatal(err)
		}
		if pol.Status.TypeChecking != nil && pol.Status.ObservedGeneration == pol.Metadata.Generation {
			if w := pol.Status.TypeChecking.ExpressionWarnings; len(w) > 0 {
				t.Errorf("the admission policy's type checking warns: %v", w)
			}
			break
		}
		if time.Now().After(end) {
			t.Errorf("the admission policy is not type-checked after 30 s:\n%s", out)
			break
		}
	}
	file := filepath.Join(c.recorded, "default_audit-pod_test-container.json")
	if !fileHas(file, "accept4") {
		t.Errorf("the node's file %s lacks accept4", file)
	}

	fine := filepath.Join(c.SeccompDir, "profiles", "fine-grained.json")
	report := c.pull(t, "pod/default/audit-pod", "-o", fine)
	if !strings.Contains(report, "pod/default/audit-pod") || !strings.Contains(report, "seen on 1/1") {
		t.Errorf("pull's report:\n%s", report)
	}
	p, err := profilegen.ReadFile(fine)
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction == specs.ActAllow || p.DefaultAction == specs.ActLog {
		t.Fatalf("pulled profile: default action %s, want one that denies", p.DefaultAction)
	}
	c.Kubectl(t, "delete", "pod", "audit-pod", "--wait")

	addr = "127.0.0.1:" + kubetest.Port(t)
	c.apply(t, kubetest.HostNetworkPod(t, "../../testdata/tutorial/pods/fine-pod.yaml", addr))
	c.WaitPods(t, "default", "app.kubernetes.io/name=fine-pod", 1)
	for range 3 {
		if got := httpGet(t, addr, 20*time.Second); got != "just made some syscalls!\n" {
			t.Fatalf("fine-pod, under the pulled profile, answered %q", got)
		}
	}
	if got := c.Kubectl(t, "get", "pod", "fine-pod", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"); got != "0" {
		t.Errorf("fine-pod restarted %s times under the pulled profile", got)
	}
}

// replicas runs two replicas of one Deployment under the recording profile
// the DaemonSet installed, each served a request, and pulls the
// Deployment's one profile of its container app: coverage 2/2 on the calls
// both made. Then it stops the API server before the replicas' container
// later makes its late calls (sysinfo and getpriority, which neither the
// Go runtime nor runc make): the node's files get them while the API
// server is away, and later's partial catches up with all the files hold
// once it is back.
func (c *kubeCluster) replicas(t *testing.T) {
	const probeDelay = 30 // seconds: well after the first publication of later's start (12-15 s)
	c.apply(t, []byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      securityContext:
        seccompProfile: {type: Localhost, localhostProfile: profiles/recording.json}
      containers:
      - name: app
        image: %[1]s
        imagePullPolicy: Never
        args: ["-listen=127.0.0.1:0", "-text=replica"]
      - name: later
        image: %[1]s
        imagePullPolicy: Never
        command: ["/probe", "-after=%[2]ds", "-stay"]
`, replicaImage, probeDelay)))
	created := time.Now()
	c.WaitPods(t, "default", "app=web", 2)
	pods := strings.Fields(c.Kubectl(t, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"))
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	for _, pod := range pods {
		m := listening.FindStringSubmatch(c.Kubectl(t, "logs", pod))
		if m == nil {
			t.Fatalf("%s's log names no address", pod)
		}
		if got := httpGet(t, m[1], 20*time.Second); got != "replica\n" {
			t.Fatalf("%s answered %q", pod, got)
		}
	}
	waitUntil(t, "accept4 in both replicas' files", 30*time.Second, func() bool {
		return fileHas(filepath.Join(c.recorded, "default_"+pods[0]+"_app.json"), "accept4") &&
			fileHas(filepath.Join(c.recorded, "default_"+pods[1]+"_app.json"), "accept4")
	})
	partial := c.waitPartialThat(t, "web", "app", "with accept4 on both replicas", func(u *unstructured.Unstructured) bool {
		cov, err := kube.ParseCoverage(u.GetAnnotations()[kube.CoverageAnnotation])
		return err == nil && cov.Syscalls["accept4"] == 2
	})
	if got := partial.GetAnnotations()[kube.PodsAnnot]; strings.Count(got, ",") != 1 {
		t.Errorf("partial %s: pods %q, want the two replicas", partial.GetName(), got)
	}

	spo := filepath.Join(t.TempDir(), "web.yaml")
	report := c.pull(t, "deployment/default/web", "--container", "app", "--format", "spo", "-o", spo)
	cov := coverage(t, spo)
	if cov.Total != 2 || cov.Syscalls["accept4"] != 2 || cov.Syscalls["execve"] != 2 {
		t.Errorf("coverage %+v, want total 2 and accept4, execve on 2", cov)
	}
	if !strings.Contains(report, "2 replicas") || !strings.Contains(report, "seen on 2/2") {
		t.Errorf("pull's report:\n%s", report)
	}

	// Stop the API server before the probe first runs; what the node's
	// files gain while it is away (the probe's calls) must reach the
	// partial once it is back.
	files := make([]string, len(pods))
	for i, pod := range pods {
		files[i] = filepath.Join(c.recorded, "default_"+pod+"_later.json")
	}
	waitUntil(t, "later's start in both replicas' files", 30*time.Second, func() bool {
		return fileHas(files[0], "execve") && fileHas(files[1], "execve")
	})
	// First the partial holds all the files hold, so that what the files
	// gain from now on is what the API server misses.
	waitUntil(t, "the partial up to date with the node's files", 30*time.Second, func() bool {
		before := partialNames(c.waitPartial(t, "web", "later"))
		for n := range fileNames(t, files...) {
			if !before[n] {
				return false
			}
		}
		return true
	})
	before := partialNames(c.waitPartial(t, "web", "later"))
	if left := time.Until(created.Add(probeDelay * time.Second)); left < 5*time.Second {
		t.Fatalf("too slow to stop the API server before the probe: %v left", left)
	}
	c.StopAPIServer()
	stopped := time.Now()
	probeCalls := []string{"getpriority", "sysinfo"}
	if slices.ContainsFunc(probeCalls, func(n string) bool { return before[n] }) {
		t.Fatalf("the partial holds the probe's calls %q before the probe ran", probeCalls)
	}
	defer func() {
		if t.Failed() {
			t.Logf("the partial before %v\nthe files %v\nthe kubelet's log:\n%s", slices.Sorted(maps.Keys(before)),
				slices.Sorted(maps.Keys(fileNames(t, files...))), c.KubeletLog())
		}
	}()
	waitUntil(t, "the probe's calls in both replicas' files, the API server away", probeDelay*time.Second+60*time.Second, func() bool {
		return fileHas(files[0], probeCalls...) && fileHas(files[1], probeCalls...)
	})
	t.Logf("the probe's calls in the node's files %v after the API server stopped", time.Since(stopped).Round(time.Second))
	c.StartAPIServer(t)
	partial = c.waitPartialThat(t, "web", "later", "with the probe's calls on both replicas", func(u *unstructured.Unstructured) bool {
		cov, err := kube.ParseCoverage(u.GetAnnotations()[kube.CoverageAnnotation])
		return err == nil && cov.Syscalls["sysinfo"] == 2 && cov.Syscalls["getpriority"] == 2
	})
	got := partialNames(partial)
	for n := range fileNames(t, files...) {
		if !got[n] {
			t.Errorf("the node's files hold %s, the partial does not: lost", n)
		}
	}
	if log := c.recorderLog(); !strings.Contains(log, "publish") {
		t.Errorf("the recorder logged nothing of publishing:\n%s", log)
	}
}

// fileNames is the union of the calls of profile files.
func fileNames(t *testing.T, files ...string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, f := range files {
		p, err := profilegen.ReadFile(f)
		if err != nil {
			continue // not written yet
		}
		for _, r := range p.Syscalls {
			for _, n := range r.Names {
				names[n] = true
			}
		}
	}
	return names
}

// apply applies a manifest as the admin.
func (c *kubeCluster) apply(t *testing.T, manifest []byte) {
	t.Helper()
	if out, err := c.KubectlErr(string(manifest), "apply", "-f", "-"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// waitPartial waits for the partial SeccompProfile of workload (its name)
// and container holding every call of want, and returns it.
func (c *kubeCluster) waitPartial(t *testing.T, workload, container string, want ...string) *unstructured.Unstructured {
	t.Helper()
	return c.waitPartialThat(t, workload, container, fmt.Sprintf("with %q", want), func(u *unstructured.Unstructured) bool {
		names := partialNames(u)
		return !slices.ContainsFunc(want, func(n string) bool { return !names[n] })
	})
}

// waitPartialThat waits for the one partial SeccompProfile of workload
// (its name) and container for which cond holds, and returns it.
func (c *kubeCluster) waitPartialThat(t *testing.T, workload, container, what string, cond func(*unstructured.Unstructured) bool) *unstructured.Unstructured {
	t.Helper()
	sel := kube.PartialLabel + "=true," + kube.WorkloadLabel + "=" + workload
	var last string
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		list, err := c.profiles.List(context.Background(), metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			last = err.Error()
			continue
		}
		var mine []unstructured.Unstructured
		for _, u := range list.Items {
			if u.GetAnnotations()[kube.ContainerAnnot] == container {
				mine = append(mine, u)
			}
		}
		last = fmt.Sprintf("%d partials", len(mine))
		if len(mine) != 1 {
			continue
		}
		if cond(&mine[0]) {
			return &mine[0]
		}
		last = fmt.Sprintf("%s: %v, annotations %v", mine[0].GetName(), slices.Sorted(maps.Keys(partialNames(&mine[0]))), mine[0].GetAnnotations())
	}
	t.Fatalf("no partial of %s, container %s, %s: %s\nthe recorder's log:\n%s", workload, container, what, last, c.recorderLog())
	return nil
}

// partialNames returns the calls a SeccompProfile object allows.
func partialNames(obj *unstructured.Unstructured) map[string]bool {
	names := map[string]bool{}
	rules, _, _ := unstructured.NestedSlice(obj.Object, "spec", "syscalls")
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		list, _ := rule["names"].([]any)
		for _, n := range list {
			if s, ok := n.(string); ok {
				names[s] = true
			}
		}
	}
	return names
}

// pull runs recorder pull as the admin and returns its report.
func (c *kubeCluster) pull(t *testing.T, args ...string) string {
	t.Helper()
	var out, report strings.Builder
	err := run(context.Background(), append([]string{"pull", "--kubeconfig", c.Kubeconfig}, args...), strings.NewReader(""), &out, &report)
	if err != nil {
		t.Fatalf("recorder pull %q: %v\n%s", args, err, report.String())
	}
	return report.String()
}

// recorderLog is the DaemonSet's recorder's log, through the kubelet.
func (c *kubeCluster) recorderLog() string {
	out, err := c.KubectlErr("", "logs", "-n", "seccomp-recorder", "daemonset/seccomp-recorder", "-c", "recorder", "--tail", "60")
	if err != nil {
		return err.Error()
	}
	return out
}

// coverage reads the coverage annotation of the SPO object in path.
func coverage(t *testing.T, path string) (cov struct {
	Total    int            `json:"total"`
	Syscalls map[string]int `json:"syscalls"`
}) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ann := obj.Metadata.Annotations[kube.CoverageAnnotation]
	if err := json.Unmarshal([]byte(ann), &cov); err != nil {
		t.Fatalf("%s: coverage annotation %q: %v", path, ann, err)
	}
	return cov
}

func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); !cond(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, dst, string(data))
}

func writeTestFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
