package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/recorder-dev/recorder/source"
)

// decodeStrict decodes one YAML document into v, failing on any field v's
// type does not have (a misspelt or misplaced field an API server would
// drop or reject).
func decodeStrict(t *testing.T, name string, doc []byte, v any) {
	t.Helper()
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s: more than one object", name)
	}
}

// daemonSet decodes deploy/kubernetes/daemonset.yaml.
func daemonSet(t *testing.T) *appsv1.DaemonSet {
	t.Helper()
	data, err := os.ReadFile("../../deploy/kubernetes/daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.DaemonSet
	decodeStrict(t, "daemonset.yaml", data, &d)
	return &d
}

// TestDeployManifests decodes every manifest in deploy/kubernetes strictly
// into the k8s.io/api types, and checks that the DaemonSet asks for what
// the kernel requires and nothing privileged beyond it, and that its
// arguments are a valid watch command line.
func TestDeployManifests(t *testing.T) {
	files, _ := filepath.Glob("../../deploy/kubernetes/*.yaml")
	if len(files) < 3 {
		t.Fatalf("manifests missing: %q", files)
	}
	var ds *appsv1.DaemonSet
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(data, &meta); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch meta.Kind {
		case "DaemonSet":
			var d appsv1.DaemonSet
			decodeStrict(t, f, data, &d)
			if filepath.Base(f) == "daemonset.yaml" {
				ds = &d
			}
		case "Namespace":
			var ns corev1.Namespace
			decodeStrict(t, f, data, &ns)
			if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
				t.Errorf("%s: the namespace must allow hostPID, hostNetwork and the audit capabilities", f)
			}
		default:
			t.Errorf("%s: kind %q not checked", f, meta.Kind)
		}
	}
	if ds == nil {
		t.Fatal("no daemonset.yaml")
	}
	pod := ds.Spec.Template.Spec
	if !pod.HostPID || !pod.HostNetwork || pod.HostIPC {
		t.Errorf("hostPID %v hostNetwork %v hostIPC %v: want the first two only", pod.HostPID, pod.HostNetwork, pod.HostIPC)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("%d containers, %d init containers: want one", len(pod.Containers), len(pod.InitContainers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Capabilities == nil {
		t.Fatal("no securityContext.capabilities")
	}
	if sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("privileged %v allowPrivilegeEscalation %v readOnlyRootFilesystem %v", sc.Privileged, sc.AllowPrivilegeEscalation, sc.ReadOnlyRootFilesystem)
	}
	if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		!slices.Equal(sc.Capabilities.Add, []corev1.Capability{"AUDIT_CONTROL", "AUDIT_READ", "BPF", "PERFMON"}) {
		t.Errorf("capabilities %+v: want drop ALL, add AUDIT_CONTROL, AUDIT_READ, BPF and PERFMON", sc.Capabilities)
	}
	// Two host directories, each where the recorder writes: the profiles,
	// and the audit state file (the root is read-only: without a volume
	// the state file cannot be written, and a kill leaves the node's audit
	// state changed). Each is the node's own path, made if missing.
	const recorded = "/var/lib/kubelet/seccomp/profiles/recorded"
	stateDir := filepath.Dir(source.DefaultStateFile)
	mounts := map[string]string{} // mount path -> host path
	for _, m := range c.VolumeMounts {
		i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
		if i < 0 || pod.Volumes[i].HostPath == nil || m.ReadOnly || m.SubPath != "" {
			t.Errorf("volume mount %+v: want a whole hostPath volume, writable", m)
			continue
		}
		hp := pod.Volumes[i].HostPath
		if hp.Type == nil || *hp.Type != corev1.HostPathDirectoryOrCreate {
			t.Errorf("hostPath %s: type %v, want DirectoryOrCreate", hp.Path, hp.Type)
		}
		mounts[m.MountPath] = hp.Path
	}
	if want := map[string]string{recorded: recorded, stateDir: stateDir}; !maps.Equal(mounts, want) || len(pod.Volumes) != len(want) {
		t.Errorf("host paths by mount path %v (%d volumes): want the host's %s and %s at the same paths", mounts, len(pod.Volumes), recorded, stateDir)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() ||
		c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v: want requests and limits of cpu and memory", c.Resources)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "metrics" {
		t.Errorf("ports %+v: want the metrics port", c.Ports)
	}
	// The arguments are a valid watch command line, with $(POD_IP) as the
	// kubelet expands it, and write where the hostPath is.
	args := slices.Clone(c.Args)
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "$(POD_IP)", "10.0.0.1")
	}
	if len(args) == 0 || args[0] != "watch" {
		t.Fatalf("args %q: want watch", args)
	}
	cfg, err := parseWatchFlags(args[1:], io.Discard)
	if err != nil {
		t.Fatalf("args %q: %v", args, err)
	}
	defer cfg.ctrs.Close()
	if cfg.Output.Dir != recorded || cfg.MetricsAddr != "10.0.0.1:9101" || cfg.Pipeline.GroupBy.String() != "container" {
		t.Errorf("watch writes %s, serves metrics at %s, groups by %s", cfg.Output.Dir, cfg.MetricsAddr, cfg.Pipeline.GroupBy)
	}
	if filepath.Dir(cfg.StateFile) != stateDir {
		t.Errorf("watch keeps its audit state file in %q, want it in the volume at %s", cfg.StateFile, stateDir)
	}
	if got := c.Ports[0].ContainerPort; !strings.HasSuffix(cfg.MetricsAddr, ":9101") || got != 9101 {
		t.Errorf("metrics port %d, address %s", got, cfg.MetricsAddr)
	}
}
