package kube

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParseWorkload(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Workload
		err  bool
	}{
		{"deployment/default/web", Workload{KindDeployment, "default", "web"}, false},
		{"Deployment/shop/cart", Workload{KindDeployment, "shop", "cart"}, false},
		{"sts/db/pg", Workload{KindStatefulSet, "db", "pg"}, false},
		{"ds/kube-system/agent", Workload{KindDaemonSet, "kube-system", "agent"}, false},
		{"cronjob/batch/nightly", Workload{KindCronJob, "batch", "nightly"}, false},
		{"pod/default/audit-pod", Workload{KindPod, "default", "audit-pod"}, false},
		{"deployment/default", Workload{}, true},
		{"deployment//web", Workload{}, true},
		{"a/b/c/d", Workload{}, true},
		{"", Workload{}, true},
	} {
		got, err := ParseWorkload(tc.in)
		if tc.err {
			if !errors.Is(err, ErrWorkload) {
				t.Errorf("ParseWorkload(%q) = %v, %v; want ErrWorkload", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseWorkload(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if again, err := ParseWorkload(got.String()); err != nil || again != got {
			t.Errorf("ParseWorkload(%q) = %v, %v: String does not read back", got.String(), again, err)
		}
	}
}

func owned(name string, refs ...metav1.OwnerReference) *metav1.ObjectMeta {
	return &metav1.ObjectMeta{Namespace: "ns", Name: name, OwnerReferences: refs}
}

func ctl(apiVersion, kind, name string) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, Controller: &yes}
}

func TestNextStep(t *testing.T) {
	notCtl := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs"}
	for _, tc := range []struct {
		name     string
		kind     string
		m        *metav1.ObjectMeta
		done     Workload
		next     string // resource read next
		nextName string
	}{
		{"pod of a ReplicaSet: read it", KindPod, owned("web-abc-x", ctl("apps/v1", "ReplicaSet", "web-abc")), Workload{}, "replicasets", "web-abc"},
		{"pod of a Job: read it", KindPod, owned("job-x", ctl("batch/v1", "Job", "nightly-123")), Workload{}, "jobs", "nightly-123"},
		{"pod of a StatefulSet", KindPod, owned("pg-0", ctl("apps/v1", "StatefulSet", "pg")), Workload{KindStatefulSet, "ns", "pg"}, "", ""},
		{"pod of a DaemonSet", KindPod, owned("agent-x", ctl("apps/v1", "DaemonSet", "agent")), Workload{KindDaemonSet, "ns", "agent"}, "", ""},
		{"bare pod", KindPod, owned("audit-pod"), Workload{KindPod, "ns", "audit-pod"}, "", ""},
		{"an owner that is no controller", KindPod, owned("p", notCtl), Workload{KindPod, "ns", "p"}, "", ""},
		{"static pod's mirror", KindPod, owned("etcd-node", ctl("v1", "Node", "node")), Workload{KindPod, "ns", "etcd-node"}, "", ""},
		{"an operator's kind", KindPod, owned("r-x", ctl("argoproj.io/v1alpha1", "Rollout", "r")), Workload{"rollout", "ns", "r"}, "", ""},
		{"a ReplicaSet of another group is not read", KindPod, owned("x", ctl("example.com/v1", "ReplicaSet", "rs")), Workload{"replicaset.example.com", "ns", "rs"}, "", ""},
		{"ReplicaSet of a Deployment", KindReplicaSet, owned("web-abc", ctl("apps/v1", "Deployment", "web")), Workload{KindDeployment, "ns", "web"}, "", ""},
		{"bare ReplicaSet", KindReplicaSet, owned("rs"), Workload{KindReplicaSet, "ns", "rs"}, "", ""},
		{"Job of a CronJob", KindJob, owned("nightly-123", ctl("batch/v1", "CronJob", "nightly")), Workload{KindCronJob, "ns", "nightly"}, "", ""},
		{"bare Job", KindJob, owned("once"), Workload{KindJob, "ns", "once"}, "", ""},
	} {
		s := nextStep(tc.kind, tc.m)
		switch {
		case tc.next != "" && (s.next == nil || s.next.Resource != tc.next || s.name != tc.nextName):
			t.Errorf("%s: step %+v; want to read %s %s", tc.name, s, tc.next, tc.nextName)
		case tc.next == "" && (s.next != nil || s.done != tc.done):
			t.Errorf("%s: step %+v; want %v", tc.name, s, tc.done)
		}
	}
}
