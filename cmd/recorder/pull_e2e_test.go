package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/recorder-dev/recorder/internal/kube"
	"github.com/recorder-dev/recorder/internal/kubetest"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestPullAPIServer runs `recorder pull --kubeconfig` against a real
// kube-apiserver holding the partials of two nodes (the profiles of real
// replays of one program, testdata/logs/dmesg.json and journald.json):
// it writes the merged SeccompProfile, applies it, reports each call's
// coverage, and a second pull finds the applied one the same.
func TestPullAPIServer(t *testing.T) {
	cp := kubetest.StartControlPlane(t)
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
	out := filepath.Join(t.TempDir(), "web.yaml")
	args := []string{"pull", "--kubeconfig", cp.Kubeconfig, "--format", "spo", "--apply", "-o", out, "deployment/shop/web"}
	_, errOut, code := recorder(t, args...)
	if code != 0 || !strings.Contains(errOut, "2 partials from 2 nodes (node-1, node-2), 2 replicas") ||
		!strings.Contains(errOut, "seen on 2/2: ") || !strings.Contains(errOut, "applied seccompprofile shop-web-app") {
		t.Fatalf("pull: exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), kube.CoverageAnnotation) || strings.Contains(string(data), kube.PartialLabel) {
		t.Errorf("%s: %v\n%s", out, err, data)
	}
	got := cp.Kubectl(t, "get", "seccompprofile", "shop-web-app", "-o", "jsonpath={.metadata.annotations.spo\\.x-k8s\\.io/syscall-coverage}")
	cov, err := kube.ParseCoverage(got)
	if err != nil || cov.Total != 2 {
		t.Errorf("the applied profile's coverage %q: %+v, %v", got, cov, err)
	}
	_, errOut, code = recorder(t, "pull", "--kubeconfig", cp.Kubeconfig, "-o", "/dev/null", "deployment/shop/web")
	if code != 0 || !strings.Contains(errOut, "the same as the previous version (seccompprofile/shop-web-app)") {
		t.Errorf("pull again: exit %d\n%s", code, errOut)
	}
}
