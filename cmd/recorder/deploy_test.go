package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/recorder-dev/recorder/internal/kube"
	"github.com/recorder-dev/recorder/source"
)

// deployDir is the kustomization applied with kubectl apply -k.
const deployDir = "../../deploy/kubernetes"

// decodeStrict decodes one YAML (or JSON) document into v, failing on any
// field v's type does not have (a misspelt or misplaced field an API
// server would drop or reject).
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
	data, err := os.ReadFile(filepath.Join(deployDir, "daemonset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.DaemonSet
	decodeStrict(t, "daemonset.yaml", data, &d)
	return &d
}

// deployment is what kustomize renders from a kustomization, each object
// decoded strictly into its k8s.io/api type.
type deployment struct {
	ns       *corev1.Namespace
	sa       *corev1.ServiceAccount
	role     *rbacv1.ClusterRole
	binding  *rbacv1.ClusterRoleBinding
	ds       *appsv1.DaemonSet
	svc      *corev1.Service
	policy   *admissionv1.ValidatingAdmissionPolicy
	policyBs []*admissionv1.ValidatingAdmissionPolicyBinding // the partials' and the agent's
	metadata map[string]*metaObject                          // kind/name -> its metadata
}

// metaObject is the part of every object the checks below read.
type metaObject struct {
	Kind     string
	Metadata struct {
		Name, Namespace string
		Labels          map[string]string
	}
}

// render builds the kustomization in dir as kubectl apply -k does
// (kustomize's Go API, the library kubectl's -k runs) and decodes every
// object it gives. A kind it does not know fails the test, and so does a
// second object of one kind.
func render(t *testing.T, dir string) *deployment {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	d := &deployment{metadata: map[string]*metaObject{}}
	for _, r := range res.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var m metaObject
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		name := m.Kind + "/" + m.Metadata.Name
		if d.metadata[name] != nil {
			t.Fatalf("%s twice", name)
		}
		d.metadata[name] = &m
		var slot any
		switch m.Kind {
		case "Namespace":
			slot = one(t, &d.ns, name)
		case "ServiceAccount":
			slot = one(t, &d.sa, name)
		case "ClusterRole":
			slot = one(t, &d.role, name)
		case "ClusterRoleBinding":
			slot = one(t, &d.binding, name)
		case "DaemonSet":
			slot = one(t, &d.ds, name)
		case "Service":
			slot = one(t, &d.svc, name)
		case "ValidatingAdmissionPolicy":
			slot = one(t, &d.policy, name)
		case "ValidatingAdmissionPolicyBinding":
			d.policyBs = append(d.policyBs, new(admissionv1.ValidatingAdmissionPolicyBinding))
			slot = d.policyBs[len(d.policyBs)-1]
		default:
			t.Fatalf("%s: kind not checked", name)
		}
		decodeStrict(t, name, data, slot)
	}
	if d.ns == nil || d.sa == nil || d.role == nil || d.binding == nil || d.ds == nil || d.svc == nil || d.policy == nil || len(d.policyBs) != 2 {
		t.Fatalf("rendered %v: want a Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, DaemonSet, Service, "+
			"ValidatingAdmissionPolicy and its two bindings", slices.Sorted(maps.Keys(d.metadata)))
	}
	return d
}

// one makes *p a new T and returns it, failing when there is one already.
func one[T any](t *testing.T, p **T, name string) *T {
	t.Helper()
	if *p != nil {
		t.Fatalf("%s: a second object of its kind", name)
	}
	*p = new(T)
	return *p
}

// TestDeployManifests renders deploy/kubernetes as kubectl apply -k does,
// decodes every object strictly into the k8s.io/api types, and checks how
// they hold together: one namespace for all, the standard labels, the
// binding of the role to the DaemonSet's ServiceAccount, the Service's
// selector and port, and the pod's priority, node selector and probes.
func TestDeployManifests(t *testing.T) {
	d := render(t, deployDir)
	for name, m := range d.metadata {
		for _, l := range []string{"app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"} {
			if m.Metadata.Labels[l] == "" {
				t.Errorf("%s: no label %s", name, l)
			}
		}
		clusterScoped := m.Kind == "Namespace" || strings.HasPrefix(m.Kind, "Cluster") || strings.HasPrefix(m.Kind, "ValidatingAdmissionPolicy")
		if want := map[bool]string{true: "", false: d.ns.Name}[clusterScoped]; m.Metadata.Namespace != want {
			t.Errorf("%s: namespace %q, want %q", name, m.Metadata.Namespace, want)
		}
	}
	if d.ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("namespace: the namespace must allow hostPID, hostNetwork and the audit capabilities")
	}
	b := d.binding
	if b.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: d.role.Name}) ||
		len(b.Subjects) != 1 || b.Subjects[0] != (rbacv1.Subject{Kind: "ServiceAccount", Name: d.sa.Name, Namespace: d.ns.Name}) {
		t.Errorf("binding %+v %+v: want %s bound to ServiceAccount %s/%s alone", b.RoleRef, b.Subjects, d.role.Name, d.ns.Name, d.sa.Name)
	}

	pod := d.ds.Spec.Template
	if pod.Spec.ServiceAccountName != d.sa.Name {
		t.Errorf("the pods run as ServiceAccount %q, want %q", pod.Spec.ServiceAccountName, d.sa.Name)
	}
	for k, v := range d.ds.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("the selector's %s=%s is not on the pod template %v", k, v, pod.Labels)
		}
	}
	if pod.Spec.PriorityClassName != "system-node-critical" {
		t.Errorf("priorityClassName %q, want system-node-critical", pod.Spec.PriorityClassName)
	}
	if !maps.Equal(pod.Spec.NodeSelector, map[string]string{"kubernetes.io/os": "linux"}) {
		t.Errorf("nodeSelector %v, want Linux nodes", pod.Spec.NodeSelector)
	}
	c := pod.Spec.Containers[0]
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/metrics" || p.HTTPGet.Port.String() != "metrics" || p.TimeoutSeconds == 0 {
			t.Errorf("probe %+v: want an httpGet of /metrics on the metrics port, with a timeout", p)
		}
	}
	for k, v := range d.svc.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pods do not have", k, v)
		}
	}
	if len(d.svc.Spec.Ports) != 1 || d.svc.Spec.Ports[0].TargetPort.String() != "metrics" || d.svc.Spec.Ports[0].Port != c.Ports[0].ContainerPort {
		t.Errorf("Service ports %+v: want the pods' metrics port", d.svc.Spec.Ports)
	}
	images := map[string]bool{}
	for _, c := range append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...) {
		images[c.Image] = true
	}
	if len(images) != 1 || !images[deployImage] {
		t.Errorf("images %v, want %s alone (what make image names, and runctest.RecorderImage)", slices.Collect(maps.Keys(images)), deployImage)
	}
}

// deployImage is the image the kustomization runs: the one make image
// writes, and the one the tests import (runctest.RecorderImage).
const deployImage = "ghcr.io/recorder-dev/recorder:dev"

// TestDeployDaemonSet checks that the DaemonSet's recorder asks for what
// the kernel requires and nothing privileged beyond it, that its arguments
// are a valid watch command line, and that its init container installs the
// recording profile with no capability at all.
func TestDeployDaemonSet(t *testing.T) {
	pod := render(t, deployDir).ds.Spec.Template.Spec
	if !pod.HostPID || !pod.HostNetwork || pod.HostIPC {
		t.Errorf("hostPID %v hostNetwork %v hostIPC %v: want the first two only", pod.HostPID, pod.HostNetwork, pod.HostIPC)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 1 {
		t.Fatalf("%d containers, %d init containers: want one of each", len(pod.Containers), len(pod.InitContainers))
	}
	c, ic := pod.Containers[0], pod.InitContainers[0]
	checkUnprivileged(t, c, "AUDIT_CONTROL", "AUDIT_READ", "BPF", "PERFMON")
	checkUnprivileged(t, ic)
	// Each host directory is mounted where the recorder writes: the
	// profiles, the audit state file (the root is read-only: without a
	// volume the state file cannot be written, and a kill leaves the
	// node's audit state changed), and for the init container the
	// kubelet's Localhost profiles. Each is the node's own path, made if
	// missing. The recorder alone gets the CRI socket (for names) and the
	// ServiceAccount's token (for publishing), read-only.
	const recorded = "/var/lib/kubelet/seccomp/profiles/recorded"
	stateDir := filepath.Dir(source.DefaultStateFile)
	const sock, token = "/run/cri/cri.sock", "/var/run/secrets/kubernetes.io/serviceaccount"
	want := map[string]string{recorded: recorded + " DirectoryOrCreate", stateDir: stateDir + " DirectoryOrCreate",
		sock: "/run/containerd/containerd.sock Socket", token: "projected, read-only"}
	if got := podMounts(pod, c); !maps.Equal(got, want) {
		t.Errorf("the recorder's mounts %v, want %v", got, want)
	}
	if got, want := podMounts(pod, ic), map[string]string{kubeletProfiles: kubeletProfiles + " DirectoryOrCreate"}; !maps.Equal(got, want) {
		t.Errorf("the init container's mounts %v, want %v", got, want)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("automountServiceAccountToken %v: want false (the token is mounted into the recorder alone)", pod.AutomountServiceAccountToken)
	}
	if i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Projected != nil }); i < 0 || !tokenVolume(pod.Volumes[i].Projected) {
		t.Errorf("volumes %+v: want the projected ServiceAccount token, CA and namespace", pod.Volumes)
	}
	if len(pod.Volumes) != 5 {
		t.Errorf("%d volumes, want the 5 mounted", len(pod.Volumes))
	}
	for _, c := range []corev1.Container{c, ic} {
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() ||
			c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: resources %+v: want requests and limits of cpu and memory", c.Name, c.Resources)
		}
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
	// --publish takes the in-cluster configuration, which only a pod has:
	// here, a kubeconfig of the same server (nothing is asked of it), and
	// the node's name where the manifest's downward API puts it.
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			env[e.Name] = e.ValueFrom.FieldRef.FieldPath
		}
	}
	if env["NODE_NAME"] != "spec.nodeName" || env["POD_IP"] != "status.podIP" {
		t.Errorf("env from the downward API %v: want NODE_NAME and POD_IP", env)
	}
	t.Setenv("NODE_NAME", "node-a")
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://10.96.0.1:443'}}]\n"+
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n"), 0o600)
	cfg, err := parseWatchFlags(append(args[1:], "--kubeconfig", kubeconfig), io.Discard)
	if err != nil {
		t.Fatalf("args %q: %v", args, err)
	}
	defer cfg.ctrs.Close()
	if cfg.Output.Dir != recorded || cfg.MetricsAddr != "10.0.0.1:9101" || cfg.Pipeline.GroupBy.String() != "container" {
		t.Errorf("watch writes %s, serves metrics at %s, groups by %s", cfg.Output.Dir, cfg.MetricsAddr, cfg.Pipeline.GroupBy)
	}
	if cfg.publish.pub == nil || cfg.publish.pub.Node != "node-a" || !slices.Contains(args, "--cri-endpoint=unix://"+sock) {
		t.Errorf("args %q: want --publish as node-a, asking the CRI at %s for names", args, sock)
	}
	if filepath.Dir(cfg.StateFile) != stateDir {
		t.Errorf("watch keeps its audit state file in %q, want it in the volume at %s", cfg.StateFile, stateDir)
	}
	if got := c.Ports[0].ContainerPort; !strings.HasSuffix(cfg.MetricsAddr, ":9101") || got != 9101 {
		t.Errorf("metrics port %d, address %s", got, cfg.MetricsAddr)
	}
	if want := []string{"profile", "--recording", "--output=" + kubeletProfiles + "/recording.json"}; !slices.Equal(ic.Args, want) {
		t.Errorf("init container args %q, want %q", ic.Args, want)
	}
}

// kubeletProfiles is the node's directory of Localhost profiles the
// tutorial uses (the kubelet's root-dir/seccomp/profiles).
const kubeletProfiles = "/var/lib/kubelet/seccomp/profiles"

// checkUnprivileged fails t unless c drops every capability but add, may
// not gain privileges, and has a read-only root.
func checkUnprivileged(t *testing.T, c corev1.Container, add ...corev1.Capability) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil || sc.Capabilities == nil {
		t.Fatalf("%s: no securityContext.capabilities", c.Name)
	}
	if sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: privileged %v allowPrivilegeEscalation %v readOnlyRootFilesystem %v", c.Name, sc.Privileged, sc.AllowPrivilegeEscalation, sc.ReadOnlyRootFilesystem)
	}
	if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || !slices.Equal(sc.Capabilities.Add, add) {
		t.Errorf("%s: capabilities %+v: want drop ALL, add %v", c.Name, sc.Capabilities, add)
	}
}

// podMounts maps c's mount paths to their volumes: "HOSTPATH TYPE" for a
// whole, writable hostPath, "projected, read-only" for a read-only
// projected volume, what is wrong otherwise.
func podMounts(pod corev1.PodSpec, c corev1.Container) map[string]string {
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
		switch {
		case i < 0:
			mounts[m.MountPath] = "no volume " + m.Name
		case m.SubPath != "" || m.SubPathExpr != "":
			mounts[m.MountPath] = "a sub-path"
		case pod.Volumes[i].Projected != nil && m.ReadOnly:
			mounts[m.MountPath] = "projected, read-only"
		case pod.Volumes[i].HostPath != nil && !m.ReadOnly && pod.Volumes[i].HostPath.Type != nil:
			mounts[m.MountPath] = pod.Volumes[i].HostPath.Path + " " + string(*pod.Volumes[i].HostPath.Type)
		default:
			mounts[m.MountPath] = fmt.Sprintf("%+v (read-only %v)", pod.Volumes[i].VolumeSource, m.ReadOnly)
		}
	}
	return mounts
}

// tokenVolume reports whether p is what the kubelet mounts for a
// ServiceAccount: a bound token, the cluster's CA and the namespace.
func tokenVolume(p *corev1.ProjectedVolumeSource) bool {
	var token, ca, ns bool
	for _, s := range p.Sources {
		switch {
		case s.ServiceAccountToken != nil:
			token = s.ServiceAccountToken.Path == "token" && s.ServiceAccountToken.Audience == ""
		case s.ConfigMap != nil:
			ca = s.ConfigMap.Name == "kube-root-ca.crt" && len(s.ConfigMap.Items) == 1 && s.ConfigMap.Items[0].Path == "ca.crt"
		case s.DownwardAPI != nil:
			ns = len(s.DownwardAPI.Items) == 1 && s.DownwardAPI.Items[0].Path == "namespace" &&
				s.DownwardAPI.Items[0].FieldRef != nil && s.DownwardAPI.Items[0].FieldRef.FieldPath == "metadata.namespace"
		}
	}
	return token && ca && ns && len(p.Sources) == 3
}

// TestDeployCRIOPatch applies crio.patch.yaml as its comment says, in an
// overlay of deploy/kubernetes: the rendered DaemonSet's recorder mounts
// CRI-O's socket where it asks for names, and nothing else changed.
func TestDeployCRIOPatch(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "crio.patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var patch appsv1.DaemonSet
	decodeStrict(t, "crio.patch.yaml", data, &patch)
	// kustomize takes a base by a relative path only: a copy beside the
	// overlay.
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "kubernetes"), os.DirFS(deployDir)); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(tmp, "overlay")
	os.Mkdir(overlay, 0o755)
	os.WriteFile(filepath.Join(overlay, "crio.patch.yaml"), data, 0o644)
	os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte("resources: [../kubernetes]\npatches: [{path: crio.patch.yaml}]\n"), 0o644)
	before, after := render(t, deployDir).ds.Spec.Template.Spec, render(t, overlay).ds.Spec.Template.Spec
	want := podMounts(before, before.Containers[0])
	want["/run/cri/cri.sock"] = "/run/crio/crio.sock Socket"
	if got := podMounts(after, after.Containers[0]); !maps.Equal(got, want) {
		t.Errorf("patched mounts %v, want %v", got, want)
	}
	if len(after.Volumes) != len(before.Volumes) {
		t.Errorf("patched: %d volumes, want %d", len(after.Volumes), len(before.Volumes))
	}
}

// TestDeployAdmission: the admission policy of the recorder's partials
// (admission.yaml) fails closed, is bound with its parameter the
// DaemonSet's ServiceAccount, and stays so in an overlay that moves the
// set into another namespace and prefixes its names, as kustomize renames
// the ClusterRoleBinding's subject (kustomizeconfig.yaml).
// internal/kube's TestPartialPolicy applies it to an API server.
func TestDeployAdmission(t *testing.T) {
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "kubernetes"), os.DirFS(deployDir)); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(tmp, "overlay")
	os.Mkdir(overlay, 0o755)
	os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte("resources: [../kubernetes]\nnamespace: elsewhere\nnamePrefix: x-\n"), 0o644)
	for _, dir := range []string{deployDir, overlay} {
		d := render(t, dir)
		p := d.policy
		if p.Spec.FailurePolicy == nil || *p.Spec.FailurePolicy != admissionv1.Fail {
			t.Errorf("%s: failurePolicy %v, want Fail", dir, p.Spec.FailurePolicy)
		}
		if k := p.Spec.ParamKind; k == nil || k.APIVersion != "v1" || k.Kind != "ServiceAccount" {
			t.Errorf("%s: paramKind %+v, want v1 ServiceAccount", dir, k)
		}
		// The binding of the partials denies their writes while the
		// ServiceAccount is missing; the other's lets the rest be then
		// (no agent can authenticate without it).
		whenMissing := map[metav1.LabelSelectorOperator]admissionv1.ParameterNotFoundActionType{
			metav1.LabelSelectorOpExists: admissionv1.DenyAction, metav1.LabelSelectorOpDoesNotExist: admissionv1.AllowAction}
		for _, b := range d.policyBs {
			if b.Spec.PolicyName != p.Name || !slices.Equal(b.Spec.ValidationActions, []admissionv1.ValidationAction{admissionv1.Deny}) {
				t.Errorf("%s: binding %s of %q with actions %v, want %q with Deny", dir, b.Name, b.Spec.PolicyName, b.Spec.ValidationActions, p.Name)
			}
			var sel *metav1.LabelSelector
			if m := b.Spec.MatchResources; m != nil {
				sel = m.ObjectSelector
			}
			if sel == nil || len(sel.MatchLabels) != 0 || len(sel.MatchExpressions) != 1 || sel.MatchExpressions[0].Key != kube.PartialLabel {
				t.Fatalf("%s: binding %s selects %+v, want objects by the label %s alone", dir, b.Name, sel, kube.PartialLabel)
			}
			op := sel.MatchExpressions[0].Operator
			want, ok := whenMissing[op]
			delete(whenMissing, op)
			r := b.Spec.ParamRef
			if !ok || r == nil || r.Name != d.sa.Name || r.Namespace != d.sa.Namespace || r.Selector != nil ||
				r.ParameterNotFoundAction == nil || *r.ParameterNotFoundAction != want {
				t.Errorf("%s: binding %s of objects where %s %s: paramRef %+v, want ServiceAccount %s/%s, %s when it is missing",
					dir, b.Name, kube.PartialLabel, op, r, d.sa.Namespace, d.sa.Name, want)
			}
		}
		if want := map[string]string{"elsewhere": "x-seccomp-recorder", "seccomp-recorder": "seccomp-recorder"}[d.sa.Namespace]; d.sa.Name != want {
			t.Errorf("%s: ServiceAccount %s/%s", dir, d.sa.Namespace, d.sa.Name)
		}
		rules := p.Spec.MatchConstraints.ResourceRules
		if len(rules) != 1 || !slices.Equal(rules[0].APIGroups, []string{kube.ProfilesResource.Group}) || !slices.Equal(rules[0].Resources, []string{kube.ProfilesResource.Resource}) ||
			!slices.Equal(rules[0].Operations, []admissionv1.OperationType{admissionv1.Create, admissionv1.Update, admissionv1.Delete}) {
			t.Errorf("%s: the policy matches %+v, want create, update and delete of seccompprofiles", dir, rules)
		}
	}
}

// TestDeployRBAC: the ClusterRole grants what watch's publishing needs
// (kube.PublishRules, which the publishing code states), and nothing more.
func TestDeployRBAC(t *testing.T) {
	role := render(t, deployDir).role
	if got, want := ruleSet(t, role.Rules), ruleSet(t, kube.PublishRules); !maps.Equal(got, want) {
		t.Errorf("the ClusterRole grants %v, publishing needs %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	if role.AggregationRule != nil {
		t.Errorf("aggregation rule %+v: want none", role.AggregationRule)
	}
}

// ruleSet flattens rules into "group/resource verb" strings, failing t on
// a rule that names objects, URLs or a wildcard.
func ruleSet(t *testing.T, rules []rbacv1.PolicyRule) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, r := range rules {
		if len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v: names objects or URLs", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					if g == "*" || res == "*" || v == "*" {
						t.Errorf("rule %+v: a wildcard", r)
					}
					set[g+"/"+res+" "+v] = true
				}
			}
		}
	}
	return set
}

// TestDeployContainerfile checks the image's recipe as far as it can be
// without a registry: every base but scratch is pinned by a digest; the
// builder is the Go of go.mod, runs on the build platform and
// cross-compiles without cgo for the target's architecture (what make
// static does, and check-builds builds for arm64); the entrypoint is the
// one binary, as in the image make image writes.
func TestDeployContainerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := ""
	for line := range strings.Lines(string(gomod)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			goVersion = v
		}
	}
	args := map[string]string{}
	var froms, runs []string
	entrypoint := ""
	text := strings.ReplaceAll(string(data), "\\\n", " ") // continuation lines
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "ARG":
			if k, v, ok := strings.Cut(f[1], "="); ok {
				args[k] = v
			}
		case "FROM":
			froms = append(froms, strings.Join(f[1:], " "))
		case "RUN":
			runs = append(runs, strings.Join(f[1:], " "))
		case "ENTRYPOINT":
			entrypoint = strings.Join(f[1:], " ")
		}
	}
	if len(froms) != 2 {
		t.Fatalf("FROM lines %q: want a build stage and the runtime", froms)
	}
	build := strings.Fields(froms[0])
	if len(build) != 4 || build[0] != "--platform=$BUILDPLATFORM" || build[2] != "AS" {
		t.Errorf("build stage %q: want FROM --platform=$BUILDPLATFORM IMAGE AS NAME", froms[0])
	}
	image := strings.NewReplacer("${GO_IMAGE}", args["GO_IMAGE"]).Replace(build[min(1, len(build)-1)])
	name, digest, ok := strings.Cut(image, "@sha256:")
	if !ok || len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
		t.Errorf("builder %q: not pinned by a sha256 digest", image)
	}
	if !strings.HasPrefix(name, "docker.io/library/golang:"+goVersion+"-") {
		t.Errorf("builder %q: want the Go of go.mod, %s", name, goVersion)
	}
	if froms[1] != "scratch" {
		t.Errorf("runtime stage %q: want scratch (the one static binary)", froms[1])
	}
	i := slices.IndexFunc(runs, func(r string) bool { return strings.Contains(r, "go build") })
	if i < 0 || !strings.Contains(runs[i], "CGO_ENABLED=0") || !strings.Contains(runs[i], "GOARCH=$TARGETARCH") || !strings.Contains(runs[i], "./cmd/recorder") {
		t.Errorf("RUN lines %q: want a go build of ./cmd/recorder with CGO_ENABLED=0 for $TARGETARCH", runs)
	}
	if entrypoint != `["/recorder"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/recorder\"]", entrypoint)
	}
}
