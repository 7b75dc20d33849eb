package kube

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	metafake "k8s.io/client-go/metadata/fake"
)

func meta(apiVersion, kind, ns, name, uid string, refs ...metav1.OwnerReference) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), OwnerReferences: refs}}
}

// cluster holds a Deployment's pod (through its ReplicaSet), a CronJob's
// pod (through its Job), a StatefulSet's pod, a bare pod, and the pod of
// a Job deleted since.
func cluster() []runtime.Object {
	return []runtime.Object{
		meta("v1", "Pod", "shop", "web-7d4b9-x2x", "uid-web", ctl("apps/v1", "ReplicaSet", "web-7d4b9")),
		meta("apps/v1", "ReplicaSet", "shop", "web-7d4b9", "uid-rs", ctl("apps/v1", "Deployment", "web")),
		meta("v1", "Pod", "ops", "nightly-1-abc", "uid-job", ctl("batch/v1", "Job", "nightly-1")),
		meta("batch/v1", "Job", "ops", "nightly-1", "uid-j", ctl("batch/v1", "CronJob", "nightly")),
		meta("v1", "Pod", "db", "pg-0", "uid-pg", ctl("apps/v1", "StatefulSet", "pg")),
		meta("v1", "Pod", "default", "audit-pod", "uid-bare"),
		meta("v1", "Pod", "ops", "once-xyz", "uid-once", ctl("batch/v1", "Job", "once")),
	}
}

func TestResolve(t *testing.T) {
	client := metaClient(t, cluster()...)
	r := &Resolver{Client: client}
	ctx := context.Background()
	for _, tc := range []struct {
		ns, pod, uid string
		want         Workload
		err          error
	}{
		{"shop", "web-7d4b9-x2x", "uid-web", Workload{KindDeployment, "shop", "web"}, nil},
		{"ops", "nightly-1-abc", "", Workload{KindCronJob, "ops", "nightly"}, nil},
		{"db", "pg-0", "uid-pg", Workload{KindStatefulSet, "db", "pg"}, nil},
		{"default", "audit-pod", "uid-bare", Workload{KindPod, "default", "audit-pod"}, nil},
		{"ops", "once-xyz", "uid-once", Workload{KindJob, "ops", "once"}, nil}, // its Job is gone: the pod names it
		{"default", "gone", "uid-gone", Workload{}, ErrPodGone},
		{"db", "pg-0", "uid-old-pg-0", Workload{KindStatefulSet, "db", "pg"}, nil}, // what pg-0 was last known as
	} {
		got, err := r.Resolve(ctx, tc.ns, tc.pod, tc.uid)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || Classify(err) != ResultUnresolved {
				t.Errorf("Resolve(%s/%s) = %v, %v; want %v", tc.ns, tc.pod, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%s/%s) = %v, %v; want %v", tc.ns, tc.pod, got, err, tc.want)
		}
	}
	// Known by its UID, a pod deleted since still has its workload.
	if err := client.Resource(podsResource).Namespace("shop").Delete(ctx, "web-7d4b9-x2x", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Resolve(ctx, "shop", "web-7d4b9-x2x", "uid-web"); err != nil || got.Name != "web" {
		t.Errorf("after the pod's deletion: %v, %v; want the workload remembered", got, err)
	}
	if got, err := r.Resolve(ctx, "shop", "web-7d4b9-x2x", ""); err != nil || got.Name != "web" {
		t.Errorf("by name alone after the deletion: %v, %v; want the workload it was last known as", got, err)
	}
	// A resolver that never saw them (a watch restarted) does not know
	// them, until a partial tells it (Known).
	fresh := &Resolver{Client: client}
	if _, err := fresh.Resolve(ctx, "shop", "web-7d4b9-x2x", "uid-web"); !errors.Is(err, ErrPodGone) {
		t.Errorf("deleted, not known: %v; want ErrPodGone", err)
	}
	if _, err := fresh.Resolve(ctx, "db", "pg-0", "uid-old-pg-0"); !errors.Is(err, ErrPodReplaced) {
		t.Errorf("replaced, not known: %v; want ErrPodReplaced", err)
	}
	fresh.Known("shop", "web-7d4b9-x2x", Workload{KindDeployment, "shop", "web"})
	if got, err := fresh.Resolve(ctx, "shop", "web-7d4b9-x2x", "uid-web"); err != nil || got.Name != "web" {
		t.Errorf("deleted, known from a partial: %v, %v", got, err)
	}
}

func metaClient(t testing.TB, objs ...runtime.Object) *metafake.FakeMetadataClient {
	t.Helper()
	scheme := metafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return metafake.NewSimpleMetadataClient(scheme, objs...)
}

// TestResolveByNameOnce: a pod known by its name alone (a profile resumed
// from the output dir after a restart, of a pod gone long ago) is read
// from the API server once, not at every flush.
func TestResolveByNameOnce(t *testing.T) {
	client := metaClient(t, cluster()...)
	r := &Resolver{Client: client}
	ctx := context.Background()
	r.Known("shop", "web-old", Workload{KindDeployment, "shop", "web"}) // from this node's partial
	for range 3 {
		if got, err := r.Resolve(ctx, "shop", "web-old", ""); err != nil || got.Name != "web" {
			t.Fatalf("Resolve = %v, %v", got, err)
		}
		if got, err := r.Resolve(ctx, "db", "pg-0", ""); err != nil || got.Name != "pg" {
			t.Fatalf("Resolve = %v, %v", got, err)
		}
	}
	if n := len(client.Actions()); n != 1 {
		t.Errorf("%d reads for two pods resolved three times by name; want 1 (pg-0's)", n)
	}
}
