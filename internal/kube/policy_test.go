package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/recorder-dev/recorder/internal/kubetest"
	"github.com/recorder-dev/recorder/profilegen"
)

// renderDeploy renders deploy/kubernetes as kubectl apply -k does
// (kustomize's Go API), in an overlay that moves it into namespace ns and
// prefixes every name with prefix, and returns the file it wrote.
func renderDeploy(t *testing.T, ns, prefix string) string {
	t.Helper()
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "kubernetes"), os.DirFS("../../deploy/kubernetes")); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(tmp, "overlay")
	if err := os.Mkdir(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	k := "resources: [../kubernetes]\nnamespace: " + ns + "\nnamePrefix: " + prefix + "\n"
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), overlay)
	if err != nil {
		t.Fatal(err)
	}
	y, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "deploy.yaml")
	if err := os.WriteFile(out, y, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// partialObject is a recorder partial of web's container on node.
func partialObject(t *testing.T, container, node string) *unstructured.Unstructured {
	t.Helper()
	p, err := NewPartial(web, container, node, []string{"web-x"}, []*specs.LinuxSeccomp{prof([]string{"read"})})
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.Object()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// whoami is the user the API server sees behind cfg's token.
func whoami(t *testing.T, cp *kubetest.ControlPlane, name string, cfg *rest.Config) (string, map[string][]string) {
	t.Helper()
	_, kubeconfig := cp.ConfigFor(t, name, cfg.BearerToken)
	out := cp.Kubectl(t, "--kubeconfig", kubeconfig, "auth", "whoami", "-o", "json")
	var r struct {
		Status struct {
			UserInfo struct {
				Username string
				Extra    map[string][]string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r.Status.UserInfo.Username, r.Status.UserInfo.Extra
}

// TestPartialPolicy applies deploy/kubernetes (its ValidatingAdmissionPolicy
// of admission.yaml, renamed by an overlay as kustomize renames) to a real
// kube-apiserver and shows who may write which SeccompProfile: the
// recorder's ServiceAccount with a token bound to a pod on a node writes
// that node's partials and nothing else; nobody else writes a partial,
// and everybody keeps non-partial profiles (pull --apply's); watch's
// publishing works under it.
func TestPartialPolicy(t *testing.T) {
	begin := time.Now()
	cp := kubetest.StartControlPlane(t)
	admin := dynamic.NewForConfigOrDie(cp.Config)
	ctx := context.Background()
	started := time.Now()
	const ns, prefix = "rec-vap", "t-"
	sa := prefix + "seccomp-recorder"
	cp.Kubectl(t, "apply", "-f", renderDeploy(t, ns, prefix))
	names := webDeployment(t, admin)

	// Policies are cached: wait until a write the policy denies is denied.
	adminProfiles := admin.Resource(ProfilesResource)
	probe := partialObject(t, "probe", "node-a")
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := adminProfiles.Create(ctx, probe, metav1.CreateOptions{})
		if err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
			break
		}
		if err == nil {
			if derr := adminProfiles.Delete(ctx, probe.GetName(), metav1.DeleteOptions{}); derr != nil {
				t.Fatal(derr)
			}
		}
		if time.Now().After(end) {
			t.Fatalf("the policy is not enforced after 60 s: %v\n%s", err, cp.Logs())
		}
	}
	enforced := time.Now()
	// No type-checking status here: kube-controller-manager writes it, and
	// none runs. An expression that does not compile fails every request
	// the policy matches (failurePolicy Fail): the rows allowed below show
	// that they compile and evaluate.

	config := func(name, token string) *rest.Config {
		cfg, _ := cp.ConfigFor(t, name, token)
		cfg.Timeout = 10 * time.Second
		return cfg
	}
	const longNode = "node-with-a-name-longer-than-a-label-value-may-be.rack-17.zone-b.example"
	agentA := config("agent-a", cp.PodToken(t, ns, sa, "node-a"))
	agentB := config("agent-b", cp.PodToken(t, ns, sa, "node-b"))
	agentLong := config("agent-long", cp.PodToken(t, ns, sa, longNode))
	agentNoPod := config("agent-no-pod", cp.ServiceAccountToken(t, ns, sa))
	// Another ServiceAccount with every right on seccompprofiles, and a
	// token bound to a pod on node-a as well.
	userRules := []rbacv1.PolicyRule{{APIGroups: []string{ProfilesResource.Group}, Resources: []string{ProfilesResource.Resource},
		Verbs: []string{"get", "list", "create", "update", "patch", "delete", "deletecollection"}}, {APIGroups: []string{ProfilesResource.Group},
		Resources: []string{ProfilesResource.Resource + "/status"}, Verbs: []string{"update"}}}
	user, _ := serviceAccount(t, cp, admin, "profile-admin", userRules)
	onNode := config("profile-admin-on-node", cp.PodToken(t, "default", "profile-admin", "node-a"))
	cleaner, _ := serviceAccount(t, cp, admin, "partial-cleaner", []rbacv1.PolicyRule{{APIGroups: []string{ProfilesResource.Group},
		Resources: []string{ProfilesResource.Resource}, Verbs: []string{"get", "delete", "delete-partial"}}})

	// The node is the token's: the API server puts it into the user's
	// extra info for a token bound to a pod on a node, and only then.
	for _, c := range []struct {
		name string
		cfg  *rest.Config
		node []string
	}{
		{"agent-a", agentA, []string{"node-a"}}, {"agent-long", agentLong, []string{longNode}},
		{"agent-no-pod", agentNoPod, nil}, {"profile-admin", user, nil},
	} {
		_, extra := whoami(t, cp, c.name, c.cfg)
		if got := extra["authentication.kubernetes.io/node-name"]; strings.Join(got, ",") != strings.Join(c.node, ",") {
			t.Errorf("%s: node-name extra %q, want %q (all extra: %v)", c.name, got, c.node, extra)
		}
	}

	t.Run("publish", func(t *testing.T) {
		// watch's publishing, with the deploy's ClusterRole and the
		// agent's pod-bound token, as the DaemonSet publishes.
		var log syncLog
		pub := publisher(t, agentA, "node-a", &log)
		out := watchReplicas(t, pub, names)
		if err := pub.Sync(ctx); err != nil {
			t.Fatalf("publish under the policy: %v\n%s", err, log.String())
		}
		p := waitPartial(t, admin, "node-a", 2, &log)
		checkReplicas(t, p.Profile, p.Coverage, out, names)

		// The same token publishing as another node: denied, logged and
		// counted as RBAC's denials are.
		log = syncLog{}
		wrong := publisher(t, agentA, "node-b", &log)
		watchReplicas(t, wrong, names)
		if err := wrong.Sync(ctx); Classify(err) != ResultForbidden || !strings.Contains(err.Error(), "writes the partials of its own node only") {
			t.Errorf("publish as node-b with node-a's token: %v; want the policy's denial", err)
		}
		if !strings.Contains(log.String(), "RBAC or an admission policy denies it") || resultCount(wrong, ResultForbidden) != 1 {
			t.Errorf("publish as node-b with node-a's token: forbidden %d times, log:\n%s", resultCount(wrong, ResultForbidden), log.String())
		}
	})

	client := func(cfg *rest.Config) dynamic.ResourceInterface {
		return dynamic.NewForConfigOrDie(cfg).Resource(ProfilesResource)
	}
	get := func(name string) *unstructured.Unstructured {
		u, err := adminProfiles.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	createAs := func(cfg *rest.Config, u *unstructured.Unstructured) func() error {
		return func() error { _, err := client(cfg).Create(ctx, u, metav1.CreateOptions{}); return err }
	}
	// updateAs gets the object name and updates it as cfg's user, edited.
	updateAs := func(cfg *rest.Config, name string, edit func(*unstructured.Unstructured)) func() error {
		return func() error {
			u := get(name)
			edit(u)
			_, err := client(cfg).Update(ctx, u, metav1.UpdateOptions{})
			return err
		}
	}
	deleteAs := func(cfg *rest.Config, name string) func() error {
		return func() error { return client(cfg).Delete(ctx, name, metav1.DeleteOptions{}) }
	}
	patchAs := func(cfg *rest.Config, name string, pt types.PatchType, patch string) func() error {
		return func() error {
			opts := metav1.PatchOptions{}
			if pt == types.ApplyPatchType {
				force := true
				opts = metav1.PatchOptions{FieldManager: "kubectl", Force: &force}
			}
			_, err := client(cfg).Patch(ctx, name, pt, []byte(patch), opts)
			return err
		}
	}
	// statusAs updates the status of the object name, with its calls and
	// labels changed in the same body: the API server keeps only the
	// status (the policy does not match the subresource).
	statusAs := func(cfg *rest.Config, name string) func() error {
		return func() error {
			u := get(name)
			before, _ := json.Marshal(map[string]any{"spec": u.Object["spec"], "labels": u.GetLabels(), "annotations": u.GetAnnotations()})
			unstructured.SetNestedField(u.Object, "SCMP_ACT_ALLOW", "spec", "defaultAction")
			setLabel(u, NodeLabel, "node-z")
			setAnnot(u, NodeAnnot, "node-z")
			unstructured.SetNestedField(u.Object, "Installed", "status", "status")
			if _, err := client(cfg).UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
				return err
			}
			u = get(name)
			after, _ := json.Marshal(map[string]any{"spec": u.Object["spec"], "labels": u.GetLabels(), "annotations": u.GetAnnotations()})
			if !bytes.Equal(before, after) {
				return fmt.Errorf("a status update changed what pull reads: %s -> %s", before, after)
			}
			return nil
		}
	}
	unlabel := func(u *unstructured.Unstructured) {
		l := u.GetLabels()
		delete(l, PartialLabel)
		u.SetLabels(l)
	}
	claim := func(node string) func(*unstructured.Unstructured) {
		return func(u *unstructured.Unstructured) {
			setLabel(u, NodeLabel, node)
			setAnnot(u, NodeAnnot, node)
		}
	}
	plain := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "security-profiles-operator.x-k8s.io/v1", "kind": "SeccompProfile",
		"metadata": map[string]any{"name": "plain", "labels": map[string]any{"team": "shop"}},
		"spec":     map[string]any{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []any{map[string]any{"action": "SCMP_ACT_ALLOW", "names": []any{"read"}}}}}}
	agentsFinal := plain.DeepCopy()
	agentsFinal.SetName("agents-final")
	// pull, as cfg's user: the final profile of web's app, applied; it
	// returns the report.
	pullAs := func(cfg *rest.Config) (string, error) {
		var report bytes.Buffer
		o := PullOptions{Profiles: client(cfg), Workload: web, Container: "app", Out: filepath.Join(t.TempDir(), "web.yaml"), Format: profilegen.SPO, Apply: true,
			Admission: dynamic.NewForConfigOrDie(cfg)}
		if err := o.Run(ctx, nil, &report); err != nil {
			return report.String(), err
		}
		if _, err := adminProfiles.Get(ctx, FinalName(web, "app"), metav1.GetOptions{}); err != nil {
			return report.String(), err
		}
		return report.String(), nil
	}
	const noPolicy = "warning: no admission policy of the recorder's partials is in force"
	pull := func() error {
		report, err := pullAs(user)
		// The user cannot read policies: pull cannot tell.
		if err == nil && (!strings.Contains(report, "1 node (node-a), 2 replicas") || strings.Contains(report, noPolicy)) {
			t.Errorf("pull's report:\n%s", report)
		}
		return err
	}

	agentAlone := "are written by the recorder's node agent alone (system:serviceaccount:" + ns + ":" + sa + ")"
	const (
		ownNode    = "the recorder on node node-a writes the partials of its own node only"
		onlyParts  = "the recorder's node agent writes recorder partials only"
		noNode     = "writes partials with a token bound to its pod (it names no node)"
		deleteVerb = "deleting a recorder partial takes the verb delete-partial"
	)
	a, b := PartialName(web, "side", "node-a"), PartialName(web, "side", "node-b")
	squat := partialObject(t, "squat", "node-a")
	squat.SetName(PartialName(web, "squat", "node-b"))
	for _, c := range []struct {
		name string
		do   func() error
		deny string // "" when allowed, else what the denial says
	}{
		{"agent writes its node's partial", createAs(agentA, partialObject(t, "side", "node-a")), ""},
		{"agent writes another node's partial", createAs(agentA, partialObject(t, "side", "node-b")), ownNode},
		{"the other node's agent writes its own", createAs(agentB, partialObject(t, "side", "node-b")), ""},
		{"agent updates another node's partial", updateAs(agentA, b, func(u *unstructured.Unstructured) { setAnnot(u, PodsAnnot, "web-y") }), ownNode},
		{"agent claims another node's partial as its own", updateAs(agentA, b, claim("node-a")), ownNode},
		{"agent updates its partial", updateAs(agentA, a, func(u *unstructured.Unstructured) { setAnnot(u, PodsAnnot, "web-x") }), ""},
		{"agent updates the partial label off its partial", updateAs(agentA, a, unlabel), onlyParts},
		{"agent writes a non-partial profile", createAs(agentA, agentsFinal), onlyParts},
		// A limit, documented: the policy cannot compute the hash in a
		// partial's name, so a node's agent can take the name of another
		// node's partial, as its own node's (that node's publisher then
		// finds it not_ours, and pull skips it).
		{"agent takes the name of another node's partial", createAs(agentA, squat), ""},
		{"agent with a token bound to no pod", createAs(agentNoPod, partialObject(t, "other", "node-a")), noNode},
		{"agent on a node whose name is no label value", createAs(agentLong, partialObject(t, "side", longNode)), ""},
		{"another ServiceAccount on node-a writes a partial", createAs(onNode, partialObject(t, "other", "node-a")), agentAlone},
		{"user writes a partial", createAs(user, partialObject(t, "other", "node-c")), agentAlone},
		{"user updates a partial", updateAs(user, a, func(u *unstructured.Unstructured) { setAnnot(u, PodsAnnot, "web-z") }), agentAlone},
		{"user updates the partial label off a partial", updateAs(user, a, unlabel), agentAlone},
		{"user updates a recorder.dev/ label off a partial", updateAs(user, a, func(u *unstructured.Unstructured) {
			u.SetLabels(map[string]string{PartialLabel: "true"})
		}), agentAlone},
		{"user changes a partial's calls", updateAs(user, a, func(u *unstructured.Unstructured) {
			unstructured.SetNestedField(u.Object, "SCMP_ACT_ALLOW", "spec", "defaultAction")
		}), agentAlone},
		{"user changes a partial's coverage", updateAs(user, a, func(u *unstructured.Unstructured) {
			setAnnot(u, CoverageAnnotation, `{"version":"v1","total":2,"syscalls":{"read":2}}`)
		}), agentAlone},
		{"user adds a recorder.dev/ annotation to a partial", updateAs(user, a, func(u *unstructured.Unstructured) { setAnnot(u, "recorder.dev/extra", "x") }), agentAlone},
		// What the operator's daemon does to every SeccompProfile on its
		// node: pull reads neither.
		{"user adds a finalizer and a label of its own to a partial", updateAs(user, a, func(u *unstructured.Unstructured) {
			u.SetFinalizers(append(u.GetFinalizers(), "node-a-deleted"))
			setLabel(u, "spo.x-k8s.io/profile-id", "SeccompProfile-x")
			setAnnot(u, "note", "seen")
		}), ""},
		{"agent updates its partial after that", updateAs(agentA, a, func(u *unstructured.Unstructured) { setAnnot(u, PodsAnnot, "web-x,web-y") }), ""},
		{"user deletes a partial", deleteAs(user, b), deleteVerb},
		{"user deletes partials as a collection", func() error {
			return client(user).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: PartialLabel})
		}, deleteVerb},
		{"user applies a partial's calls (server-side apply)", patchAs(user, a, types.ApplyPatchType,
			`{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SeccompProfile","metadata":{"name":"`+a+`"},"spec":{"defaultAction":"SCMP_ACT_ALLOW"}}`), agentAlone},
		{"user merge-patches a partial's label value", patchAs(user, a, types.MergePatchType, `{"metadata":{"labels":{"`+PartialLabel+`":"false"}}}`), agentAlone},
		{"user JSON-patches a partial's node", patchAs(user, a, types.JSONPatchType, `[{"op":"replace","path":"/metadata/annotations/recorder.dev~1node","value":"node-z"}]`), agentAlone},
		{"user writes a partial by generateName", func() error {
			u := partialObject(t, "other", "node-c")
			u.SetName("")
			u.SetGenerateName("gen-")
			return createAs(user, u)()
		}, agentAlone},
		{"user writes a partial labelled partial=false", func() error {
			u := partialObject(t, "other", "node-c")
			setLabel(u, PartialLabel, "false")
			return createAs(user, u)()
		}, agentAlone},
		{"user updates a partial's status (what pull reads stays)", statusAs(user, a), ""},
		{"agent deletes a partial: its ClusterRole grants no delete", func() error {
			err := deleteAs(agentA, a)()
			if apierrors.IsForbidden(err) && !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
				return nil
			}
			return fmt.Errorf("%w; want RBAC's denial", err)
		}, ""},
		{"user writes a non-partial profile", createAs(user, plain), ""},
		{"user updates a non-partial profile", updateAs(user, "plain", func(u *unstructured.Unstructured) { setLabel(u, "team", "cart") }), ""},
		{"user labels a non-partial profile partial", updateAs(user, "plain", func(u *unstructured.Unstructured) {
			setLabel(u, PartialLabel, "true")
			setLabel(u, KindLabel, "deployment")
		}), agentAlone},
		{"user writes the operator's own kind of partial", updateAs(user, "plain", func(u *unstructured.Unstructured) { setLabel(u, PartialLabel, "true") }), ""},
		{"user then adds the recorder's labels to it", updateAs(user, "plain", func(u *unstructured.Unstructured) {
			for k, v := range workloadLabels(web, "app") {
				setLabel(u, k, v)
			}
		}), agentAlone},
		{"user runs pull --apply", pull, ""},
		{"user deletes a non-partial profile", deleteAs(user, "plain"), ""},
		{"admin writes a partial", createAs(cp.Config, partialObject(t, "other", "node-d")), agentAlone},
		{"admin (every verb) deletes a partial", deleteAs(cp.Config, b), ""},
		{"a user granted delete-partial deletes the taken name", deleteAs(cleaner, squat.GetName()), ""},
	} {
		err := c.do()
		switch {
		case c.deny == "" && err != nil:
			t.Errorf("%s: %v; want it allowed", c.name, err)
		case c.deny != "" && err == nil:
			t.Errorf("%s: allowed; want it denied (%s)", c.name, c.deny)
		case c.deny != "" && !(strings.Contains(err.Error(), "ValidatingAdmissionPolicy '"+prefix+"seccomp-recorder-partials'") && strings.Contains(err.Error(), c.deny)):
			t.Errorf("%s: %v; want the policy's denial: %s", c.name, err, c.deny)
		default:
			t.Logf("%s: %v", c.name, err)
		}
	}
	casesDone := time.Now()

	// pull as the admin, who can read the policy: it is in force, no
	// warning. Without its binding, nothing stops a forged partial, and
	// pull says so to whoever can tell.
	if report, err := pullAs(cp.Config); err != nil || strings.Contains(report, noPolicy) {
		t.Errorf("pull as the admin with the policy in force: %v\n%s", err, report)
	}
	// Its ServiceAccount deleted, the bindings cannot name the recorder:
	// the partials' denies every write of an object labelled partial, the
	// operator's own kind too (parameterNotFoundAction Deny), and the
	// agent's lets the other writes be (Allow; no agent authenticates
	// without its ServiceAccount).
	cp.Kubectl(t, "delete", "serviceaccount", sa, "-n", ns)
	operators := plain.DeepCopy()
	operators.SetName("operators-partial")
	setLabel(operators, PartialLabel, "true")
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := client(user).Create(ctx, operators, metav1.CreateOptions{})
		if err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy") && strings.Contains(err.Error(), "no params found") {
			t.Logf("without its ServiceAccount: %v", err)
			break
		}
		if err == nil {
			if derr := adminProfiles.Delete(ctx, operators.GetName(), metav1.DeleteOptions{}); derr != nil {
				t.Fatal(derr)
			}
		}
		if time.Now().After(end) {
			t.Fatalf("a partial without the recorder's ServiceAccount: %v; want the binding's denial", err)
		}
	}
	other := plain.DeepCopy()
	other.SetName("plain-without-recorder")
	if _, err := client(user).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Errorf("a non-partial profile without the recorder's ServiceAccount: %v; want it allowed", err)
	}
	if err := client(user).Delete(ctx, other.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Errorf("delete a non-partial profile without the recorder's ServiceAccount: %v; want it allowed", err)
	}
	// Without the partials' binding (the agent's left), nothing stops a
	// forged partial.
	cp.Kubectl(t, "delete", "validatingadmissionpolicybinding", prefix+"seccomp-recorder-partials")
	forged := partialObject(t, "app", "node-z")
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := adminProfiles.Create(ctx, forged, metav1.CreateOptions{}); err == nil {
			break
		} else if time.Now().After(end) {
			t.Fatalf("a forged partial is still denied 60 s after the binding was deleted: %v", err)
		}
	}
	report, err := pullAs(cp.Config)
	if err != nil || !strings.Contains(report, noPolicy) || !strings.Contains(report, "2 nodes (node-a, node-z)") {
		t.Errorf("pull as the admin without the policy: %v\n%s", err, report)
	}
	t.Logf("control plane %v, deploy applied and enforced in %v, cases %v, without the policy %v", started.Sub(begin).Round(time.Millisecond),
		enforced.Sub(started).Round(time.Millisecond), casesDone.Sub(enforced).Round(time.Millisecond), time.Since(casesDone).Round(time.Millisecond))
}
