//go:build linux

package watch

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/pipeline"
)

const (
	pendingID      = "3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
	pendingSandbox = "5b1d000000000000000000000000000000000000000000000000000000000000"
)

// slowCRI is a CRI runtime that knows one container, and answers only once
// gate is closed.
type slowCRI struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	gate chan struct{}
}

func (f *slowCRI) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	<-f.gate
	if req.GetFilter().GetId() != pendingID {
		return &runtimeapi.ListContainersResponse{}, nil
	}
	return &runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{{
		Id: pendingID, PodSandboxId: pendingSandbox, Metadata: &runtimeapi.ContainerMetadata{Name: "app"}}}}, nil
}

func (f *slowCRI) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	if req.GetPodSandboxId() != pendingSandbox {
		return nil, grpcstatus.Error(codes.NotFound, "no such sandbox")
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: &runtimeapi.PodSandboxStatus{Id: pendingSandbox,
		Metadata: &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "1b2c3d4e-5f60-4718-89ab-cdef01234567"}}}, nil
}

// TestWatchFlushPendingNames: an interval flush that withholds a
// container's group (its names are on their way) leaves the daemon with
// something to write, so that the next interval writes it under its
// names, though no record came since (a quiet node).
func TestWatchFlushPendingNames(t *testing.T) {
	cri := &slowCRI{gate: make(chan struct{})}
	sock := filepath.Join(t.TempDir(), "cri.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, cri)
	go srv.Serve(ln)
	defer srv.Stop()
	opened := false
	defer func() {
		if !opened {
			close(cri.gate)
		}
	}()
	r, err := containers.NewResolver("unix://"+sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	var log audittest.Buffer
	d := testDaemon(t, &log, func(c *Config) {
		c.Pipeline.Enrichers = []pipeline.Enricher{pipeline.EnrichFunc(func(rec *pipeline.Record) {
			rec.SetAttr(containers.AttrContainer, pendingID)
		})}
		c.Pipeline.GroupBy = containers.GroupContainer
		c.Pipeline.Finish = &containers.Namer{Names: r}
	})
	r.Want(pendingID) // as the attributor does when it first sees the container
	d.mu.Lock()
	d.p.Add(&audit.Record{PID: 10, Arch: 0xc000003e, Syscall: 0, Action: audit.ActionLog}, 1)
	d.dirty = true
	d.mu.Unlock()

	d.flush("interval", false)
	named := filepath.Join(d.cfg.Output.Dir, "default_web_app.json")
	files, _ := filepath.Glob(filepath.Join(d.cfg.Output.Dir, "*.json"))
	if len(files) != 0 {
		t.Fatalf("written while the names were pending: %q", files)
	}
	close(cri.gate)
	opened = true
	r.Settle(10 * time.Second)
	if _, ok := r.Names(pendingID); !ok {
		t.Fatal("the runtime gave no names")
	}
	d.flush("interval", false) // no record came since
	if _, err := os.Stat(named); err != nil {
		files, _ := filepath.Glob(filepath.Join(d.cfg.Output.Dir, "*"))
		t.Errorf("the next interval did not write the withheld group: %v; files %q\n%s", err, files, log.String())
	}
}
