package kubetest

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

var seccompProfiles = schema.GroupVersionResource{Group: "security-profiles-operator.x-k8s.io", Version: "v1", Resource: "seccompprofiles"}

// TestControlPlane starts kine and kube-apiserver, and checks what the
// end-to-end tests build on: SPO's CRD served at v1 with its schema
// enforced, a SeccompProfile created and read back through client-go, a
// ServiceAccount's token from the TokenRequest API judged by RBAC, and the
// object still there after the API server restarted on kine's data.
func TestControlPlane(t *testing.T) {
	cp := StartControlPlane(t)
	served := cp.Kubectl(t, "get", "crd", "seccompprofiles.security-profiles-operator.x-k8s.io",
		"-o", `jsonpath={range .spec.versions[*]}{.name}={.served}/{.storage} {end}`)
	if !strings.Contains(served, "v1=true/true") {
		t.Fatalf("SeccompProfile's versions: %q, want v1 served and stored", served)
	}

	client := dynamic.NewForConfigOrDie(cp.Config)
	ctx := context.Background()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "security-profiles-operator.x-k8s.io/v1", "kind": "SeccompProfile",
		"metadata": map[string]any{"name": "smoke"},
		"spec": map[string]any{"defaultAction": "SCMP_ACT_ERRNO", "architectures": []any{"SCMP_ARCH_X86_64"},
			"syscalls": []any{map[string]any{"action": "SCMP_ACT_ALLOW", "names": []any{"read", "write"}}}},
	}}
	if _, err := client.Resource(seccompProfiles).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create a SeccompProfile: %v", err)
	}
	bad := obj.DeepCopy()
	bad.SetName("bad")
	bad.Object["spec"].(map[string]any)["defaultAction"] = "SCMP_ACT_MAYBE"
	if _, err := client.Resource(seccompProfiles).Create(ctx, bad, metav1.CreateOptions{}); err == nil ||
		!strings.Contains(err.Error(), "defaultAction") {
		t.Errorf("a SeccompProfile with defaultAction SCMP_ACT_MAYBE: error %v, want the CRD's schema to refuse it", err)
	}

	cp.Kubectl(t, "create", "serviceaccount", "reader", "-n", "default")
	cp.Kubectl(t, "create", "clusterrole", "read-profiles", "--verb", "get,list", "--resource", "seccompprofiles.security-profiles-operator.x-k8s.io")
	cp.Kubectl(t, "create", "clusterrolebinding", "read-profiles", "--clusterrole", "read-profiles", "--serviceaccount", "default:reader")
	_, kubeconfig := cp.ConfigFor(t, "reader", cp.ServiceAccountToken(t, "default", "reader"))
	for verb, want := range map[string]string{"get": "yes", "list": "yes", "create": "no", "delete": "no"} {
		out, _ := cp.KubectlErr("", "--kubeconfig", kubeconfig, "auth", "can-i", verb, "seccompprofiles.security-profiles-operator.x-k8s.io")
		if strings.TrimSpace(out) != want {
			t.Errorf("the reader's token: can-i %s seccompprofiles = %q, want %s", verb, out, want)
		}
	}
	if out, err := cp.KubectlErr("", "--kubeconfig", kubeconfig, "get", "seccompprofile", "smoke", "-o", "name"); err != nil ||
		strings.TrimSpace(out) != "seccompprofile.security-profiles-operator.x-k8s.io/smoke" {
		t.Errorf("get as the reader: %q, %v", out, err)
	}

	begin := time.Now()
	cp.StopAPIServer()
	if _, err := cp.KubectlErr("", "get", "ns"); err == nil {
		t.Fatal("kubectl answered with the API server stopped")
	}
	cp.StartAPIServer(t)
	t.Logf("API server restarted and ready in %v", time.Since(begin).Round(time.Millisecond))
	got, err := client.Resource(seccompProfiles).Get(ctx, "smoke", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get the SeccompProfile after the restart: %v", err)
	}
	names, _, _ := unstructured.NestedSlice(got.Object, "spec", "syscalls")
	if len(names) != 1 {
		t.Errorf("after the restart: syscalls %v, want the one rule written", names)
	}
}
