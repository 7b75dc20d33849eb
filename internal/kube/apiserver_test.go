package kube

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/kubetest"
	"github.com/recorder-dev/recorder/internal/output"
	"github.com/recorder-dev/recorder/internal/watch"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// cluster objects are created through the dynamic client, from typed ones.
func create(t *testing.T, c dynamic.Interface, gvr schema.GroupVersionResource, ns string, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	var r dynamic.ResourceInterface = c.Resource(gvr)
	if ns != "" {
		r = c.Resource(gvr).Namespace(ns)
	}
	out, err := r.Create(context.Background(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s %s: %v", gvr.Resource, u.GetName(), err)
	}
	return out
}

var (
	nsRes   = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	saRes   = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	depRes  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	roleRes = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
	bindRes = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}
)

func ownerRef(u *unstructured.Unstructured) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Name: u.GetName(), UID: u.GetUID(), Controller: &yes}
}

// webDeployment makes what kube-controller-manager would have made of
// Deployment shop/web with two replicas (none runs here: the objects are
// made as it makes them, owner references and all): its ReplicaSet and
// two pods. It returns the pods' names by pid of replicaLog.
func webDeployment(t *testing.T, c dynamic.Interface) map[int]containers.Names {
	t.Helper()
	create(t, c, nsRes, "", &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	// No kube-controller-manager makes the namespace's default
	// ServiceAccount here.
	create(t, c, saRes, "shop", &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: metav1.ObjectMeta{Name: "default"}})
	labels := map[string]string{"app": "web"}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web:1"}}, AutomountServiceAccountToken: new(bool)}}
	one := int32(2)
	dep := create(t, c, depRes, "shop", &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}})
	rs := create(t, c, replicaSetsResource, "shop", &appsv1.ReplicaSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-7d4b9", OwnerReferences: []metav1.OwnerReference{ownerRef(dep)}},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}})
	out := map[int]containers.Names{}
	for pid, name := range map[int]string{15072: "web-7d4b9-x2x", 15073: "web-7d4b9-y3y"} {
		pod := create(t, c, podsResource, "shop", &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, OwnerReferences: []metav1.OwnerReference{ownerRef(rs)}},
			Spec:       tmpl.Spec})
		out[pid] = containers.Names{Namespace: "shop", Pod: name, PodUID: string(pod.GetUID()), Container: "app"}
	}
	return out
}

// serviceAccount makes a ServiceAccount bound to a ClusterRole of rules,
// and returns a client configuration with its token.
func serviceAccount(t *testing.T, cp *kubetest.ControlPlane, c dynamic.Interface, name string, rules []rbacv1.PolicyRule) (*rest.Config, string) {
	t.Helper()
	create(t, c, saRes, "default", &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: metav1.ObjectMeta{Name: name}})
	create(t, c, roleRes, "", &rbacv1.ClusterRole{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules})
	create(t, c, bindRes, "", &rbacv1.ClusterRoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "default", Name: name}}})
	cfg, kubeconfig := cp.ConfigFor(t, name, cp.ServiceAccountToken(t, "default", name))
	cfg.Timeout = 5 * time.Second
	return cfg, kubeconfig
}

// syncLog is a log buffer the publisher's goroutine and the test share.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *syncLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func publisher(t *testing.T, cfg *rest.Config, node string, log *syncLog) *Publisher {
	t.Helper()
	c, err := NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Publisher{Node: node, Profiles: c.Profiles, Resolver: &Resolver{Client: c.Metadata},
		Log: slog.New(slog.NewTextHandler(log, nil)), MinPause: 100 * time.Millisecond, MaxPause: time.Second}
}

// TestAPIServer runs publishing and pull against a real kube-apiserver
// (on kine, SPO's CRD installed; internal/kubetest): a watch over real
// records of two replicas publishes their partial with the least RBAC
// (PublishRules), pull merges it with coverage 2/2 and applies the final
// profile; the API server stopped and started again while the watch
// publishes loses nothing; RBAC without seccompprofiles gives its log
// line and metric; and so does the CRD removed.
func TestAPIServer(t *testing.T) {
	cp := kubetest.StartControlPlane(t)
	admin := dynamic.NewForConfigOrDie(cp.Config)
	ctx := context.Background()
	names := webDeployment(t, admin)
	least, leastKubeconfig := serviceAccount(t, cp, admin, "recorder-publish", PublishRules)
	// PublishRules grant what publishing does, and nothing more.
	for _, c := range []struct{ verb, resource, want string }{
		{"get", "pods", "yes"}, {"list", "pods", "no"}, {"watch", "pods", "no"}, {"get", "replicasets.apps", "yes"},
		{"get", "jobs.batch", "yes"}, {"get", "deployments.apps", "no"}, {"get", "secrets", "no"},
		{"get", "seccompprofiles.security-profiles-operator.x-k8s.io", "yes"},
		{"create", "seccompprofiles.security-profiles-operator.x-k8s.io", "yes"},
		{"update", "seccompprofiles.security-profiles-operator.x-k8s.io", "yes"},
		{"list", "seccompprofiles.security-profiles-operator.x-k8s.io", "yes"},
		{"watch", "seccompprofiles.security-profiles-operator.x-k8s.io", "no"},
		{"delete", "seccompprofiles.security-profiles-operator.x-k8s.io", "no"},
		{"patch", "seccompprofiles.security-profiles-operator.x-k8s.io", "no"},
	} {
		out, _ := cp.KubectlErr("", "--kubeconfig", leastKubeconfig, "auth", "can-i", c.verb, c.resource, "-A")
		if strings.TrimSpace(out) != c.want {
			t.Errorf("PublishRules: can-i %s %s = %q; want %s", c.verb, c.resource, strings.TrimSpace(out), c.want)
		}
	}
	ids["r-a"] = names[15072]
	defer delete(ids, "r-a")

	t.Run("publish-pull", func(t *testing.T) {
		var log syncLog
		pub := publisher(t, least, "node-1", &log)
		out := watchReplicas(t, pub, names)
		if err := pub.Sync(ctx); err != nil {
			t.Fatalf("publish with PublishRules: %v\n%s", err, log.String())
		}
		profiles := admin.Resource(ProfilesResource)
		u, err := profiles.Get(ctx, PartialName(web, "app", "node-1"), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParsePartial(u)
		if err != nil {
			t.Fatal(err)
		}
		checkReplicas(t, p.Profile, p.Coverage, out, names)

		var report bytes.Buffer
		file := filepath.Join(t.TempDir(), "web.json")
		o := PullOptions{Profiles: profiles, Workload: web, Out: file, Format: profilegen.OCI, Apply: true}
		if err := o.Run(ctx, nil, &report); err != nil {
			t.Fatalf("pull: %v\n%s", err, report.String())
		}
		t.Logf("pull's report:\n%s", report.String())
		if !strings.Contains(report.String(), "1 node (node-1), 2 replicas") || !strings.Contains(report.String(), "seen on 2/2: ") {
			t.Errorf("pull's report:\n%s", report.String())
		}
		final, err := profiles.Get(ctx, FinalName(web, "app"), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cov, err := ParseCoverage(final.GetAnnotations()[CoverageAnnotation])
		if err != nil || cov.Total != 2 || cov.Syscalls["execve"] != 2 {
			t.Errorf("the applied profile's coverage %+v, %v", cov, err)
		}
		if _, partial := final.GetLabels()[PartialLabel]; partial {
			t.Error("the final profile is marked partial")
		}
		report.Reset()
		o.Apply = false
		if err := o.Run(ctx, nil, &report); err != nil || !strings.Contains(report.String(), "the same as the previous version (seccompprofile/"+FinalName(web, "app")+")") {
			t.Errorf("pull again: %v\n%s", err, report.String())
		}
		if strings.Contains(report.String(), "warning:") {
			t.Errorf("pull warns of the recorder's own partial:\n%s", report.String())
		}
		// A partial named and labelled as the recorder's, made by someone
		// else with create on seccompprofiles: merged, with a warning that
		// names it, its node and its writer as the API server recorded it.
		forged, err := NewPartial(web, "app", "evil", []string{"web-x"}, []*specs.LinuxSeccomp{p.Profile})
		if err != nil {
			t.Fatal(err)
		}
		fo, err := forged.Object()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := profiles.Create(ctx, fo, metav1.CreateOptions{FieldManager: "kubectl-create"}); err != nil {
			t.Fatal(err)
		}
		report.Reset()
		err = o.Run(ctx, nil, &report)
		if derr := profiles.Delete(ctx, fo.GetName(), metav1.DeleteOptions{}); derr != nil {
			t.Error(derr)
		}
		if want := "warning: " + fo.GetName() + ` (node "evil", pods "web-x") was written by kubectl-create, not the recorder alone`; err != nil || !strings.Contains(report.String(), want) {
			t.Errorf("pull with a forged partial: %v\n%s\nwant %s", err, report.String(), want)
		}
		// The partials are found by their labels, as kubectl finds them.
		got := cp.Kubectl(t, "get", "seccompprofiles", "-l", PartialSelector(web, ""), "-o", "name")
		if strings.TrimSpace(got) != "seccompprofile.security-profiles-operator.x-k8s.io/"+PartialName(web, "app", "node-1") {
			t.Errorf("kubectl get -l: %q", got)
		}
	})

	t.Run("restart", func(t *testing.T) {
		// A watch follows a log that grows while the API server is
		// stopped and started again: the records of the second replica
		// come while it is away.
		dir := t.TempDir()
		lines := strings.SplitAfter(string(must(os.ReadFile(replicaLog))), "\n")
		var first, rest []string
		for _, l := range lines {
			if strings.Contains(l, "pid=15072 ") {
				first = append(first, l)
			} else {
				rest = append(rest, l)
			}
		}
		logPath := filepath.Join(dir, "kern.log")
		if err := os.WriteFile(logPath, []byte(strings.Join(first, "")), 0o600); err != nil {
			t.Fatal(err)
		}
		var log syncLog
		pub := publisher(t, least, "node-2", &log)
		cfg := pipeline.Config{GroupBy: containers.GroupContainer}
		setup, err := containers.Configure(&cfg, containers.Options{PIDMap: replicaMap(t, dir, names), CRIEndpoint: "none", NoRuntimeBase: true})
		if err != nil {
			t.Fatal(err)
		}
		defer setup.Close()
		pub.Names = setup.Namer.Lookup
		spec, err := source.ParseSpec("syslog:" + logPath)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "profiles")
		wctx, stop := context.WithCancel(ctx)
		ended := make(chan error, 1)
		pub.Start(ctx)
		go func() {
			ended <- watch.Run(wctx, watch.Config{Source: spec, FromStart: true, Output: &output.Writer{Output: profilegen.Output{Dir: out}},
				FlushInterval: 200 * time.Millisecond, Pipeline: cfg, Build: profilegen.Options{Durable: true}, Flushed: pub.Offer})
		}()
		defer func() {
			stop()
			if err := <-ended; err != nil {
				t.Error(err)
			}
			pub.Stop(time.Second)
		}()
		waitPartial(t, admin, "node-2", 1, &log)
		cp.StopAPIServer()
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(strings.Join(rest, "")); err != nil {
			t.Fatal(err)
		}
		f.Close()
		for end := time.Now().Add(30 * time.Second); !strings.Contains(log.String(), "cause="+ResultUnreachable); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("no log line of the API server gone:\n%s", log.String())
			}
		}
		if n := resultCount(pub, ResultUnreachable); n < 1 {
			t.Errorf("recorder_publish_total{result=unreachable} = %v", n)
		}
		cp.StartAPIServer(t)
		p := waitPartial(t, admin, "node-2", 2, &log)
		if !strings.Contains(log.String(), "caught up") {
			t.Errorf("no log line of catching up:\n%s", log.String())
		}
		checkReplicas(t, p.Profile, p.Coverage, out, names)
	})

	t.Run("pod-gone-across-restart", func(t *testing.T) {
		// A watch restarted after a pod of its partial was deleted: the
		// profiles resumed from its files name the pods, and the partial
		// it published before says whose they are.
		if err := admin.Resource(podsResource).Namespace("shop").Delete(ctx, names[15073].Pod, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		var log syncLog
		pub := publisher(t, least, "node-1", &log)
		var resumed []profilegen.Built
		for _, n := range names {
			resumed = append(resumed, profilegen.Built{Group: n.String(), Profile: prof([]string{"read", "write"})})
		}
		pub.Offer(resumed)
		if err := pub.Sync(ctx); err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		p := waitPartial(t, admin, "node-1", 2, &log)
		if len(p.Pods) != 2 || !strings.Contains(log.String(), "read this node's partials") {
			t.Errorf("partial %+v after a restart with a pod gone:\n%s", p, log.String())
		}
	})

	t.Run("forbidden", func(t *testing.T) {
		var log syncLog
		noProfiles, _ := serviceAccount(t, cp, admin, "recorder-no-profiles", PublishRules[:3])
		pub := publisher(t, noProfiles, "node-3", &log)
		pub.Names = func(g string) (containers.Names, bool) { n, ok := ids[g]; return n, ok }
		pub.Offer([]profilegen.Built{{Group: names[15072].String(), Sources: []string{"r-a"}, Profile: prof([]string{"read"})}})
		if err := pub.Sync(ctx); Classify(err) != ResultForbidden {
			t.Fatalf("Sync = %v; want forbidden", err)
		}
		if !strings.Contains(log.String(), "RBAC or an admission policy denies it") {
			t.Errorf("log:\n%s", log.String())
		}
		if n := resultCount(pub, ResultForbidden); n != 1 {
			t.Errorf("recorder_publish_total{result=forbidden} = %v; want 1", n)
		}
	})

	t.Run("crd-missing", func(t *testing.T) {
		var log syncLog
		pub := publisher(t, cp.Config, "node-4", &log)
		pub.Names = func(g string) (containers.Names, bool) { n, ok := ids[g]; return n, ok }
		cp.Kubectl(t, "delete", "crd", "seccompprofiles.security-profiles-operator.x-k8s.io", "--wait")
		pub.Offer([]profilegen.Built{{Group: names[15072].String(), Sources: []string{"r-a"}, Profile: prof([]string{"read"})}})
		var err error
		for end := time.Now().Add(30 * time.Second); Classify(err) != ResultCRDMissing && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			err = pub.Sync(ctx) // the CRD's removal takes a moment to reach the discovery
		}
		if Classify(err) != ResultCRDMissing {
			t.Fatalf("Sync = %v; want crd_missing", err)
		}
		if !strings.Contains(log.String(), "install the Security Profiles Operator") {
			t.Errorf("log:\n%s", log.String())
		}
	})
}

// waitPartial waits for the partial of web's app on node to cover
// replicas pods, and returns it.
func waitPartial(t *testing.T, c dynamic.Interface, node string, replicas int, log *syncLog) Partial {
	t.Helper()
	name := PartialName(web, "app", node)
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		u, err := c.Resource(ProfilesResource).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			if p, err := ParsePartial(u); err == nil && p.Coverage.Total == replicas {
				return p
			}
		}
		if time.Now().After(end) {
			t.Fatalf("partial %s does not cover %d replicas after 60 s:\n%s", name, replicas, log.String())
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// resultCount is recorder_publish_total{result}.
func resultCount(p *Publisher, result string) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st.results[result]
}
