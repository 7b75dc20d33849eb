package containers

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeCRI answers as containerd's CRI plugin does for one pod with one
// container, slowly when asked to.
type fakeCRI struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	delay time.Duration
	calls atomic.Int32
	gate  chan struct{} // when set, every call waits until it is closed
	fail  atomic.Int32  // the first calls fail, as a runtime restarting
	asked sync.Map      // the IDs asked for
}

const (
	sandboxID = "5b1d000000000000000000000000000000000000000000000000000000000000"
	goneID    = "60e0000000000000000000000000000000000000000000000000000000000000"
)

func (f *fakeCRI) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	f.calls.Add(1)
	f.asked.Store(req.GetFilter().GetId(), true)
	if f.gate != nil {
		<-f.gate
	}
	time.Sleep(f.delay)
	if f.fail.Add(-1) >= 0 {
		return nil, status.Error(codes.Unavailable, "the runtime restarts")
	}
	if req.GetFilter().GetId() != ctrID {
		return &runtimeapi.ListContainersResponse{}, nil
	}
	return &runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{{
		Id: ctrID, PodSandboxId: sandboxID, Metadata: &runtimeapi.ContainerMetadata{Name: "test-container"}}}}, nil
}

func (f *fakeCRI) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	if req.GetPodSandboxId() != sandboxID {
		return nil, status.Error(codes.NotFound, "no such sandbox")
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: &runtimeapi.PodSandboxStatus{Id: sandboxID,
		Metadata: &runtimeapi.PodSandboxMetadata{Name: "audit-pod", Namespace: "default", Uid: podUID}}}, nil
}

func serveCRI(t *testing.T, f *fakeCRI) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "cri.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, f)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return "unix://" + sock
}

func TestResolver(t *testing.T) {
	f := &fakeCRI{delay: 200 * time.Millisecond}
	r, err := NewResolver(serveCRI(t, f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	r.OnNames = func(id string, n Names) { got = append(got, id+" "+n.String()) }

	start := time.Now()
	r.Want(ctrID) // never blocks, however slow the runtime
	r.Want(ctrID)
	r.Want(sandboxID)
	r.Want(goneID)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Want took %v: it must not wait for the runtime", d)
	}
	if _, ok := r.Names(ctrID); ok {
		t.Error("names known before the runtime answered")
	}
	if !r.Pending(ctrID) {
		t.Error("lookup not pending")
	}
	r.Settle(5 * time.Second)
	n, ok := r.Names(ctrID)
	if !ok || n.String() != "default_audit-pod_test-container" || n.PodUID != podUID {
		t.Errorf("Names = %+v, %v", n, ok)
	}
	if n, ok := r.Names(sandboxID); !ok || n.String() != "default_audit-pod_POD" {
		t.Errorf("sandbox Names = %+v, %v", n, ok)
	}
	if _, ok := r.Names(goneID); ok {
		t.Error("a container the runtime does not know has names")
	}
	if p, ok := r.Pod(podUID); !ok || p.Pod != "audit-pod" || p.Namespace != "default" {
		t.Errorf("Pod = %+v, %v", p, ok)
	}
	calls := f.calls.Load()
	r.Want(ctrID) // known: no new lookup
	r.Want(goneID)
	r.Settle(time.Second)
	if f.calls.Load() != calls {
		t.Errorf("known or gone containers looked up again: %d calls, were %d", f.calls.Load(), calls)
	}
	if len(got) != 2 {
		t.Errorf("OnNames calls: %q", got)
	}
}

// TestResolverDown: with no runtime at the endpoint, lookups fail without
// blocking anyone, are tried again maxTries times, and then given up.
func TestResolverDown(t *testing.T) {
	r, err := NewResolver("unix://"+filepath.Join(t.TempDir(), "none.sock"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.retryAfter = 20 * time.Millisecond
	r.Want(ctrID)
	r.Settle(10 * time.Second)
	if _, ok := r.Names(ctrID); ok || r.Pending(ctrID) {
		t.Error("names from nowhere, or still pending")
	}
}

// TestResolverQueueFull: lookups wanted while the queue is full (a burst
// of new containers, a slow runtime) are made once there is room; each is
// pending until then, so that its group waits for its names.
func TestResolverQueueFull(t *testing.T) {
	f := &fakeCRI{gate: make(chan struct{})}
	r, err := NewResolver(serveCRI(t, f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ids := []string{ctrID}
	for i := range queueLen + 100 {
		ids = append(ids, fmt.Sprintf("%064x", i+1))
	}
	for _, id := range ids {
		r.Want(id)
	}
	last := ids[len(ids)-1]
	if !r.Pending(last) {
		t.Errorf("a lookup wanted past the queue's room is not pending")
	}
	close(f.gate)
	r.Settle(60 * time.Second)
	if r.AnyPending() {
		t.Fatal("lookups still pending")
	}
	if n, ok := r.Names(ctrID); !ok || n.Container != "test-container" {
		t.Errorf("Names(ctrID) = %+v, %v", n, ok)
	}
	missed := 0
	for _, id := range ids {
		if _, ok := f.asked.Load(id); !ok {
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d containers wanted were never looked up", missed, len(ids))
	}
}

// TestResolverRetry: a lookup that fails (the runtime restarts) is tried
// again by the resolver itself, pending meanwhile: nothing else would ask
// for it, as the attributor wants a container once, when it first sees
// its cgroup.
func TestResolverRetry(t *testing.T) {
	f := &fakeCRI{}
	f.fail.Store(1)
	r, err := NewResolver(serveCRI(t, f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.retryAfter = 50 * time.Millisecond
	r.Want(ctrID)
	r.Settle(10 * time.Second)
	if n, ok := r.Names(ctrID); !ok || n.Container != "test-container" {
		t.Errorf("after a failed lookup: Names = %+v, %v; calls %d", n, ok, f.calls.Load())
	}

	// A runtime that keeps failing: given up after maxTries, not pending.
	f.fail.Store(1000)
	r.Want(sandboxID)
	r.Settle(10 * time.Second)
	if _, ok := r.Names(sandboxID); ok || r.Pending(sandboxID) {
		t.Errorf("a lookup that keeps failing: known %v, pending %v", ok, r.Pending(sandboxID))
	}
}
