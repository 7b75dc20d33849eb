package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/recorder-dev/recorder/internal/kube"
	"github.com/recorder-dev/recorder/internal/kubetest"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestAPIServerCLI runs the commands against a real kube-apiserver
// (internal/kubetest).
func TestAPIServerCLI(t *testing.T) {
	cp := kubetest.StartControlPlane(t)
	t.Run("pull", func(t *testing.T) { testPull(t, cp) })
	t.Run("watch-publish", func(t *testing.T) { testWatchPublish(t, cp) })
}

// testPull runs `recorder pull --kubeconfig` against an API server
// holding the partials of two nodes (the profiles of real replays of one
// program, testdata/logs/dmesg.json and journald.json): it writes the
// merged SeccompProfile, applies it, reports each call's coverage, and a
// second pull finds the applied one the same.
func testPull(t *testing.T, cp *kubetest.ControlPlane) {
	client := dynamic.NewForConfigOrDie(cp.Config).Resource(kube.ProfilesResource)
	ctx := context.Background()
	w := kube.Workload{Kind: kube.KindDeployment, Namespace: "shop", Name: "web"}
	for node, file := range map[string]string{"node-1": "dmesg.json", "node-2": "journald.json"} {
		prof, err := profilegen.ReadFile(filepath.Join(logsDir, file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := kube.NewPartial(w, "app", node, []string{"web-" + node}, []*specs.LinuxSeccomp{prof})
		if err != nil {
			t.Fatal(err)
		}
		obj, err := p.Object()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	final := kube.FinalName(w, "app")
	out := filepath.Join(t.TempDir(), "web.yaml")
	args := []string{"pull", "--kubeconfig", cp.Kubeconfig, "--format", "spo", "--apply", "-o", out, "deployment/shop/web"}
	_, errOut, code := recorder(t, args...)
	if code != 0 || !strings.Contains(errOut, "2 partials from 2 nodes (node-1, node-2), 2 replicas") ||
		!strings.Contains(errOut, "seen on 2/2: ") || !strings.Contains(errOut, "applied seccompprofile "+final) {
		t.Fatalf("pull: exit %d\n%s", code, errOut)
	}
	// The admin can read admission policies, and this API server has none
	// of the recorder's partials (deploy/kubernetes/admission.yaml).
	if !strings.Contains(errOut, "warning: no admission policy of the recorder's partials is in force (deploy/kubernetes/admission.yaml)") {
		t.Errorf("pull does not warn of the missing admission policy:\n%s", errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), kube.CoverageAnnotation) || strings.Contains(string(data), kube.PartialLabel) {
		t.Errorf("%s: %v\n%s", out, err, data)
	}
	got := cp.Kubectl(t, "get", "seccompprofile", final, "-o", "jsonpath={.metadata.annotations.spo\\.x-k8s\\.io/syscall-coverage}")
	cov, err := kube.ParseCoverage(got)
	if err != nil || cov.Total != 2 {
		t.Errorf("the applied profile's coverage %q: %+v, %v", got, cov, err)
	}
	_, errOut, code = recorder(t, "pull", "--kubeconfig", cp.Kubeconfig, "-o", "/dev/null", "deployment/shop/web")
	if code != 0 || !strings.Contains(errOut, "the same as the previous version (seccompprofile/"+final+")") {
		t.Errorf("pull again: exit %d\n%s", code, errOut)
	}
}

// syncBuffer is a writer the command and the test read at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// testWatchPublish runs `recorder watch --publish --kubeconfig` over a
// captured log: it reads its node's partials at start (node-1's, which
// testPull made), serves the publisher's metrics beside its own, and
// publishes at its flushes. The log's processes are gone, so nothing is
// attributed to a pod and no partial is written (internal/kube's
// TestAPIServer publishes real replicas' records through the same code).
func testWatchPublish(t *testing.T, cp *kubetest.ControlPlane) {
	dir := t.TempDir()
	port := kubetest.Port(t)
	args := []string{"watch", "--publish", "--kubeconfig", cp.Kubeconfig, "--node-name", "node-1", "--group-by", "container",
		"--cri-endpoint", "none", "--process-events", "off", "--source", "syslog:" + filepath.Join(logsDir, "tutorial.log"), "--from-start",
		"-d", filepath.Join(dir, "profiles"), "--flush-interval", "100ms", "--metrics-addr", "127.0.0.1:" + port, "--duration", "20s"}
	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, strings.NewReader(""), io.Discard, &errOut) }()
	defer func() {
		cancel()
		<-done
	}()
	var body string
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://127.0.0.1:" + port + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, "recorder_publish_last_success_timestamp_seconds") &&
				!strings.Contains(body, "recorder_publish_last_success_timestamp_seconds 0\n") {
				break
			}
		}
		if time.Now().After(end) {
			t.Fatalf("no successful publish in 15 s; metrics:\n%s\nlog:\n%s", body, errOut.String())
		}
	}
	for _, want := range []string{`recorder_publish_total{result="forbidden"} 0`, "recorder_publish_pending 0", "recorder_lines_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if !strings.Contains(errOut.String(), "read this node's partials") || !strings.Contains(errOut.String(), "partials=1") {
		t.Errorf("the watch did not read node-1's partial at start:\n%s", errOut.String())
	}
}
