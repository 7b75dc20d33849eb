package kubetest

import (
	"fmt"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// EchoImage is the tutorial's image; the tests import the recorder's echo
// workload (testdata/workloads/echo, an http-echo of the same flags) under
// its name, since no registry is reachable.
const EchoImage = "docker.io/hashicorp/http-echo:1.0"

// HostNetworkPod reads a pod manifest (the tutorial's, as published) and
// returns it as YAML with what this single node needs and nothing else:
// the host's network (no CNI), images never pulled (they are imported),
// and each container's first argument -listen=listen (so that tests
// running side by side never share the tutorial's port 5678).
func HostNetworkPod(t testing.TB, manifest, listen string) []byte {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := yaml.UnmarshalStrict(data, &pod); err != nil {
		t.Fatalf("%s: %v", manifest, err)
	}
	HostNetwork(&pod.Spec, listen)
	out, err := yaml.Marshal(&pod)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// HostNetwork changes a pod's spec as HostNetworkPod does.
func HostNetwork(spec *corev1.PodSpec, listen string) {
	spec.HostNetwork = true
	for i := range spec.Containers {
		c := &spec.Containers[i]
		c.ImagePullPolicy = corev1.PullNever
		c.Args = append([]string{fmt.Sprintf("-listen=%s", listen)}, c.Args...)
	}
}
