package kube

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/profilegen"
)

// BenchmarkSync is a flush's publish on a node of 50 pods of 10
// Deployments (one container each, 60 calls): "unchanged" builds the
// partials and finds them published (every flush after a quiet interval),
// "changed" writes them all.
func BenchmarkSync(b *testing.B) {
	var calls []string
	for i := range 60 {
		calls = append(calls, fmt.Sprintf("call%02d", i))
	}
	var objs []runtime.Object
	var built []profilegen.Built
	names := map[string]containers.Names{}
	for d := range 10 {
		rs := meta("apps/v1", "ReplicaSet", "ns", fmt.Sprintf("app%d-abc", d), fmt.Sprintf("rs%d", d), ctl("apps/v1", "Deployment", fmt.Sprintf("app%d", d)))
		objs = append(objs, rs)
		for p := range 5 {
			pod := fmt.Sprintf("app%d-abc-%d", d, p)
			objs = append(objs, meta("v1", "Pod", "ns", pod, "uid-"+pod, ctl("apps/v1", "ReplicaSet", rs.Name)))
			id := "c-" + pod
			names[id] = containers.Names{Namespace: "ns", Pod: pod, PodUID: "uid-" + pod, Container: "app"}
			built = append(built, profilegen.Built{Group: names[id].String(), Sources: []string{id}, Profile: prof(calls[:50+p*2], "clone3")})
		}
	}
	for _, changed := range []bool{false, true} {
		b.Run(map[bool]string{false: "unchanged", true: "changed"}[changed], func(b *testing.B) {
			f := newFixture(b)
			f.pub.Resolver = &Resolver{Client: metaClient(b, objs...)}
			f.pub.Log = nil
			f.pub.Names = func(g string) (containers.Names, bool) { n, ok := names[g]; return n, ok }
			f.pub.Offer(built)
			if err := f.pub.Sync(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if changed {
					b.StopTimer()
					f.pub.mu.Lock()
					f.pub.published = nil
					f.pub.mu.Unlock()
					b.StartTimer()
				}
				if err := f.pub.Sync(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
