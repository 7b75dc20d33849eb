package kube

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/profilegen"
)

// ids are the containers the fake CRI runtime named: two replicas of
// shop/web, a sidecar, a sandbox, and a bare pod.
var ids = map[string]containers.Names{
	"c-web-a":  {Namespace: "shop", Pod: "web-7d4b9-x2x", PodUID: "uid-web", Container: "app"},
	"c-web-b":  {Namespace: "shop", Pod: "web-7d4b9-y3y", PodUID: "uid-web-b", Container: "app"},
	"c-side":   {Namespace: "shop", Pod: "web-7d4b9-x2x", PodUID: "uid-web", Container: "sidecar"},
	"c-pause":  {Namespace: "shop", Pod: "web-7d4b9-x2x", PodUID: "uid-web", Container: containers.SandboxName},
	"c-audit":  {Namespace: "default", Pod: "audit-pod", PodUID: "uid-bare", Container: "test-container"},
	"c-gone":   {Namespace: "default", Pod: "gone", PodUID: "uid-gone", Container: "c"},
	"c-hostil": {Namespace: "default", Pod: "Bad Pod", PodUID: "x", Container: "c"},
}

func built(id string, names ...string) profilegen.Built {
	n := ids[id]
	return profilegen.Built{Group: n.String(), Sources: []string{id}, Profile: prof(names, "clone3")}
}

type fixture struct {
	pub *Publisher
	dyn *dynfake.FakeDynamicClient
	log *bytes.Buffer
}

func newFixture(t testing.TB, objs ...runtime.Object) fixture {
	t.Helper()
	metaObjs := append(cluster(),
		meta("v1", "Pod", "shop", "web-7d4b9-y3y", "uid-web-b", ctl("apps/v1", "ReplicaSet", "web-7d4b9")))
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{ProfilesResource: "SeccompProfileList"}, objs...)
	var log bytes.Buffer
	pub := &Publisher{Node: "node-1", Profiles: dyn.Resource(ProfilesResource), Resolver: &Resolver{Client: metaClient(t, metaObjs...)},
		Names: func(g string) (containers.Names, bool) { n, ok := ids[g]; return n, ok },
		Log:   slog.New(slog.NewTextHandler(&log, nil))}
	return fixture{pub, dyn, &log}
}

func (f fixture) get(t *testing.T, w Workload, ctr string) Partial {
	t.Helper()
	u, err := f.pub.Profiles.Get(context.Background(), PartialName(w, ctr, "node-1"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePartial(u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func metric(t *testing.T, p *Publisher, name, want string) {
	t.Helper()
	if err := testutil.CollectAndCompare(p, strings.NewReader(want), name); err != nil {
		t.Error(err)
	}
}

var web = Workload{KindDeployment, "shop", "web"}

func TestPublish(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.pub.Offer([]profilegen.Built{
		built("c-web-a", "read", "write"), built("c-web-b", "read", "getrandom"), built("c-side", "nanosleep"),
		built("c-pause", "pause"), built("c-audit", "accept4"), built("c-gone", "read"), built("c-hostil", "read"),
		{Group: "host", Profile: prof([]string{"read"})}, {Group: "unattributed", Profile: prof([]string{"read"})},
	})
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	app := f.get(t, web, "app")
	if app.Coverage.Total != 2 || app.Coverage.Syscalls["read"] != 2 || app.Coverage.Syscalls["write"] != 1 ||
		strings.Join(app.Pods, ",") != "web-7d4b9-x2x,web-7d4b9-y3y" {
		t.Errorf("app partial %+v", app)
	}
	if side := f.get(t, web, "sidecar"); side.Coverage.Total != 1 || side.Coverage.Syscalls["nanosleep"] != 1 {
		t.Errorf("sidecar partial %+v", side)
	}
	f.get(t, Workload{KindPod, "default", "audit-pod"}, "test-container")
	list, err := f.pub.Profiles.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 { // no sandbox, host, unattributed, gone or badly named pod
		t.Errorf("%d objects; want 3", len(list.Items))
	}
	if !strings.Contains(f.log.String(), "pod=gone") {
		t.Errorf("no log line about the pod gone:\n%s", f.log)
	}
	metric(t, f.pub, "recorder_publish_total", `
# HELP recorder_publish_total Partial SeccompProfile publishes, by result: ok, conflict, forbidden (RBAC), crd_missing, unreachable (the API server), not_ours, unresolved (pod gone), error.
# TYPE recorder_publish_total counter
recorder_publish_total{result="conflict"} 0
recorder_publish_total{result="crd_missing"} 0
recorder_publish_total{result="error"} 0
recorder_publish_total{result="forbidden"} 0
recorder_publish_total{result="not_ours"} 0
recorder_publish_total{result="ok"} 3
recorder_publish_total{result="unreachable"} 0
recorder_publish_total{result="unresolved"} 1
`)

	// The next flush adds a call: only that partial is written again.
	f.dyn.ClearActions()
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read", "write", "openat"), built("c-web-b", "read", "getrandom"),
		built("c-side", "nanosleep"), built("c-audit", "accept4")})
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if app := f.get(t, web, "app"); app.Coverage.Syscalls["openat"] != 1 {
		t.Errorf("after the update: %+v", app.Coverage)
	}
	var updates int
	for _, a := range f.dyn.Actions() {
		if a.GetVerb() == "update" {
			updates++
		}
	}
	if updates != 1 {
		t.Errorf("%d updates; want 1 (the changed partial alone): %v", updates, f.dyn.Actions())
	}
}

// TestPublishConflict: an update that conflicts is tried again, counted.
func TestPublishConflict(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read")})
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	conflicts := 2
	f.dyn.PrependReactor("update", "seccompprofiles", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			conflicts--
			return true, nil, apierrors.NewConflict(ProfilesResource.GroupResource(), "x", errors.New("changed"))
		}
		return false, nil, nil
	})
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read", "write")})
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if app := f.get(t, web, "app"); app.Coverage.Syscalls["write"] != 1 {
		t.Errorf("not updated after the conflicts: %+v", app.Coverage)
	}
	metric(t, f.pub, "recorder_publish_conflicts_total", `
# HELP recorder_publish_conflicts_total Conflicts met updating partials (each retried).
# TYPE recorder_publish_conflicts_total counter
recorder_publish_conflicts_total 2
`)
}

// TestPublishFailures: RBAC denial, a missing CRD, an API server gone
// and an object of someone else's each give their log line and metric,
// and the partial catches up once the cause is gone.
func TestPublishFailures(t *testing.T) {
	gr := ProfilesResource.GroupResource()
	for _, tc := range []struct {
		result, log string
		verb        string
		err         error
	}{
		{ResultForbidden, "RBAC or an admission policy denies it", "create", apierrors.NewForbidden(gr, "x", errors.New("no"))},
		{ResultForbidden, "RBAC or an admission policy denies it", "get", apierrors.NewForbidden(gr, "x", errors.New("no"))},
		{ResultCRDMissing, "install the Security Profiles Operator", "create", apierrors.NewNotFound(gr, "")},
		{ResultUnreachable, "cannot be reached", "get", &netErr{syscall.ECONNREFUSED}},
		{ResultUnreachable, "cannot be reached", "get", apierrors.NewServiceUnavailable("shutting down")},
	} {
		t.Run(tc.result+"-"+tc.verb, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			failing := true
			f.dyn.PrependReactor(tc.verb, "seccompprofiles", func(k8stesting.Action) (bool, runtime.Object, error) {
				if failing {
					return true, nil, tc.err
				}
				return false, nil, nil
			})
			f.pub.Offer([]profilegen.Built{built("c-web-a", "read"), built("c-side", "nanosleep")})
			err := f.pub.Sync(ctx)
			if Classify(err) != tc.result {
				t.Fatalf("Sync = %v (%s); want %s", err, Classify(err), tc.result)
			}
			if !strings.Contains(f.log.String(), tc.log) || !strings.Contains(f.log.String(), "cause="+tc.result) {
				t.Errorf("log lacks %q:\n%s", tc.log, f.log)
			}
			metric(t, f.pub, "recorder_publish_pending", `
# HELP recorder_publish_pending Partials not up to date in the API server after the last publish.
# TYPE recorder_publish_pending gauge
recorder_publish_pending 2
`)
			failing = false
			if err := f.pub.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			f.get(t, web, "app")
			f.get(t, web, "sidecar")
			if !strings.Contains(f.log.String(), "caught up") {
				t.Errorf("no log line on catching up:\n%s", f.log)
			}
			metric(t, f.pub, "recorder_publish_pending", `
# HELP recorder_publish_pending Partials not up to date in the API server after the last publish.
# TYPE recorder_publish_pending gauge
recorder_publish_pending 0
`)
		})
	}
}

type netErr struct{ err error }

func (e *netErr) Error() string   { return "dial tcp 127.0.0.1:6443: " + e.err.Error() }
func (e *netErr) Unwrap() error   { return e.err }
func (e *netErr) Timeout() bool   { return false }
func (e *netErr) Temporary() bool { return false }

// TestPublishNotOurs: an object of the partial's name that is not this
// node's partial is left as it is.
func TestPublishNotOurs(t *testing.T) {
	p := partial(t, web, "app", "node-1", []string{"web-a"}, prof([]string{"read"}))
	u, err := p.Object()
	if err != nil {
		t.Fatal(err)
	}
	setAnnot(u, NodeAnnot, "node-2") // a name collision with another node's
	f := newFixture(t, u)
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read", "write")})
	if err := f.pub.Sync(context.Background()); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("Sync = %v; want ErrNotOurs", err)
	}
	got, err := f.pub.Profiles.Get(context.Background(), u.GetName(), metav1.GetOptions{})
	if err != nil || got.GetAnnotations()[NodeAnnot] != "node-2" {
		t.Errorf("the other object was changed: %v %v", got, err)
	}
}

// TestPublishResumed: a profile resumed from the output dir has only
// its name; the pod is read by name.
func TestPublishResumed(t *testing.T) {
	f := newFixture(t)
	f.pub.Offer([]profilegen.Built{{Group: "shop_web-7d4b9-x2x_app", Profile: prof([]string{"read"})},
		{Group: "a_b_c_d", Profile: prof([]string{"read"})}, {Group: "/usr/bin/ls", Profile: prof([]string{"read"})}})
	if err := f.pub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.get(t, web, "app")
}

// TestPublishLoop: offers made while the API server is away are published
// when it comes back, by the goroutine's retries with growing pauses.
func TestPublishLoop(t *testing.T) {
	f := newFixture(t)
	f.pub.MinPause, f.pub.MaxPause = 5*time.Millisecond, 20*time.Millisecond
	var away atomic.Bool
	away.Store(true)
	var tries atomic.Int32
	f.dyn.PrependReactor("*", "seccompprofiles", func(k8stesting.Action) (bool, runtime.Object, error) {
		tries.Add(1)
		if away.Load() {
			return true, nil, &netErr{syscall.ECONNREFUSED}
		}
		return false, nil, nil
	})
	f.pub.Start(context.Background())
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read")})
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read", "write")})
	for deadline := time.Now().Add(5 * time.Second); tries.Load() < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("%d tries in 5 s; want retries", tries.Load())
		}
		time.Sleep(time.Millisecond)
	}
	away.Store(false)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		u, err := f.pub.Profiles.Get(context.Background(), PartialName(web, "app", "node-1"), metav1.GetOptions{})
		if err == nil {
			if p, err := ParsePartial(u); err != nil || p.Coverage.Syscalls["write"] != 1 {
				t.Fatalf("published %+v, %v; want the latest offer", p, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not published 5 s after the API server came back")
		}
	}
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read", "write", "openat")})
	if err := f.pub.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if p := f.get(t, web, "app"); p.Coverage.Syscalls["openat"] != 1 {
		t.Errorf("Stop did not publish the last offer: %+v", p.Coverage)
	}
}

// TestPublishSeed: a publisher that starts (a watch restarted) reads its
// node's partials first, so that a pod gone from the API server since
// stays in its workload's partial: the partial never shrinks.
func TestPublishSeed(t *testing.T) {
	old := partial(t, web, "app", "node-1", []string{"web-7d4b9-old", "web-7d4b9-x2x"}, prof([]string{"read", "ptrace"}), prof([]string{"read"}))
	u, err := old.Object()
	if err != nil {
		t.Fatal(err)
	}
	other := partial(t, web, "app", "node-2", []string{"web-7d4b9-other"}, prof([]string{"read"}))
	u2, err := other.Object()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, u, u2)
	ids["c-old"] = containers.Names{Namespace: "shop", Pod: "web-7d4b9-old", PodUID: "uid-old", Container: "app"}
	ids["c-other"] = containers.Names{Namespace: "shop", Pod: "web-7d4b9-other", PodUID: "uid-other", Container: "app"}
	defer delete(ids, "c-old")
	defer delete(ids, "c-other")
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read"), built("c-old", "read", "ptrace"), built("c-other", "read")})
	if err := f.pub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := f.get(t, web, "app")
	if p.Coverage.Total != 2 || p.Coverage.Syscalls["ptrace"] != 1 || strings.Join(p.Pods, ",") != "web-7d4b9-old,web-7d4b9-x2x" {
		t.Errorf("after a restart, the partial %+v; want the gone pod kept", p)
	}
	if !strings.Contains(f.log.String(), "pod=web-7d4b9-other") { // another node's pod: not known here
		t.Errorf("the other node's pod was not left out:\n%s", f.log)
	}
}

// TestPublishPending: when the API server goes away in the middle of a
// publish, the partials written before count as published, the rest as
// pending.
func TestPublishPending(t *testing.T) {
	f := newFixture(t)
	creates := 0
	f.dyn.PrependReactor("create", "seccompprofiles", func(k8stesting.Action) (bool, runtime.Object, error) {
		if creates++; creates > 1 {
			return true, nil, &netErr{syscall.ECONNREFUSED}
		}
		return false, nil, nil
	})
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read"), built("c-side", "nanosleep"), built("c-audit", "accept4")})
	if err := f.pub.Sync(context.Background()); Classify(err) != ResultUnreachable {
		t.Fatalf("Sync = %v; want unreachable", err)
	}
	metric(t, f.pub, "recorder_publish_pending", `
# HELP recorder_publish_pending Partials not up to date in the API server after the last publish.
# TYPE recorder_publish_pending gauge
recorder_publish_pending 2
`)
}

// TestPublishRepairs: a partial deleted or edited in the API server by
// someone else is published again within recheckAfter, though the
// recording did not change (before, it stayed gone until the workload
// made a new call).
func TestPublishRepairs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.pub.now = func() time.Time { return now }
	rec := []profilegen.Built{built("c-web-a", "read", "write")}
	f.pub.Offer(rec)
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	name := PartialName(web, "app", "node-1")
	if err := f.pub.Profiles.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.pub.Offer(rec)
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pub.Profiles.Get(ctx, name, metav1.GetOptions{}); err == nil {
		t.Fatal("published again at once, with nothing changed: every flush would cost a write per partial")
	}
	now = now.Add(recheckAfter)
	f.pub.Offer(rec)
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if p := f.get(t, web, "app"); p.Coverage.Syscalls["write"] != 1 {
		t.Errorf("partial published again: %+v", p)
	}
}

// TestPublishKeepsOthers: what others gave a partial and pull does not
// read stays through the publisher's update, as the admission policy
// lets them give it: the operator's daemon adds a finalizer and a label
// to every SeccompProfile (before, the update dropped the finalizer,
// which the daemon then added again, an update more each time).
func TestPublishKeepsOthers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read")})
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	name := PartialName(web, "app", "node-1")
	u, err := f.pub.Profiles.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u.SetFinalizers([]string{"node-1-deleted"})
	setLabel(u, "spo.x-k8s.io/profile-id", "SeccompProfile-x")
	setAnnot(u, "note", "seen")
	if _, err := f.pub.Profiles.Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.pub.Offer([]profilegen.Built{built("c-web-a", "read", "write")})
	if err := f.pub.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if u, err = f.pub.Profiles.Get(ctx, name, metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.GetFinalizers(), []string{"node-1-deleted"}) || u.GetLabels()["spo.x-k8s.io/profile-id"] != "SeccompProfile-x" || u.GetAnnotations()["note"] != "seen" {
		t.Errorf("after the publisher's update: finalizers %v, labels %v, annotations %v", u.GetFinalizers(), u.GetLabels(), u.GetAnnotations())
	}
	if p := f.get(t, web, "app"); p.Coverage.Syscalls["write"] != 1 {
		t.Errorf("partial not updated: %+v", p)
	}
}
