package kube

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/watch"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/profiletool"
	"github.com/recorder-dev/recorder/source"
)

// replicaLog is a real capture (testdata/logs/actions.log): pids 15072 and
// 15073 ran the same program one after the other. The pid map that puts
// them in two containers of two pods of one Deployment is made by hand
// (replicaMap): a captured log holds no container, and no container ran
// here when it was captured.
const replicaLog = "../../testdata/logs/actions.log"

// replicaIDs are the containers of the two replicas, by pid.
var replicaIDs = map[int]containers.Names{
	15072: {Namespace: "shop", Pod: "web-7d4b9-x2x", PodUID: "uid-web", Container: "app"},
	15073: {Namespace: "shop", Pod: "web-7d4b9-y3y", PodUID: "uid-web-b", Container: "app"},
}

func replicaMap(t *testing.T, dir string, replicas map[int]containers.Names) string {
	t.Helper()
	start := time.Unix(1795933978, 0).Add(-10 * time.Second).UTC().Format(time.RFC3339Nano)
	var b strings.Builder
	for pid, n := range replicas {
		id := fmt.Sprintf("%064x", pid)
		fmt.Fprintf(&b, `{"pid":%d,"start":%q,"container":%q,"runtime":"containerd","podUID":%q}`+"\n", pid, start, id, n.PodUID)
		fmt.Fprintf(&b, `{"container":%q,"names":{"namespace":%q,"podName":%q,"podUID":%q,"name":%q}}`+"\n", id, n.Namespace, n.Pod, n.PodUID, n.Container)
	}
	path := filepath.Join(dir, "pids.map")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// watchReplicas runs a watch over replicaLog, grouping by container with
// replicaMap's names, publishing through pub, until the log is read; it
// returns the output dir.
func watchReplicas(t *testing.T, pub *Publisher, replicas map[int]containers.Names) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "profiles")
	cfg := pipeline.Config{GroupBy: containers.GroupContainer}
	setup, err := containers.Configure(&cfg, containers.Options{PIDMap: replicaMap(t, dir, replicas), CRIEndpoint: "none", NoRuntimeBase: true})
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	pub.Names = setup.Namer.Lookup
	spec, err := source.ParseSpec("syslog:" + replicaLog)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err = watch.Run(ctx, watch.Config{Source: spec, FromStart: true, Output: profilegen.Output{Dir: out}, FlushInterval: 100 * time.Millisecond,
		Pipeline: cfg, Build: profilegen.Options{Durable: true}, Flushed: pub.Offer})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWatchPublishes: a watch's flushes publish the partial of the two
// replicas, the union of their files, each call's coverage out of 2.
func TestWatchPublishes(t *testing.T) {
	f := newFixture(t)
	out := watchReplicas(t, f.pub, replicaIDs)
	if err := f.pub.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := f.get(t, web, "app")
	checkReplicas(t, p.Profile, p.Coverage, out, replicaIDs)
}

// checkReplicas checks a profile published from the two replicas against
// the files the watch wrote: their union, and each call seen on the
// number of files that allow it, out of 2.
func checkReplicas(t *testing.T, got *specs.LinuxSeccomp, cov Coverage, out string, replicas map[int]containers.Names) {
	t.Helper()
	var files []*specs.LinuxSeccomp
	for _, n := range replicas {
		p, err := profilegen.ReadFile(filepath.Join(out, n.String()+".json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	union, err := profiletool.Merge(files...)
	if err != nil {
		t.Fatal(err)
	}
	if d := profiletool.Diff("files", union, "published", got); !d.Empty() {
		var b strings.Builder
		d.WriteTo(&b)
		t.Errorf("the published profile is not the union of the replicas' files:\n%s", b.String())
	}
	want := CoverageOf(files...)
	if !reflect.DeepEqual(cov, want) {
		t.Errorf("coverage %+v; want %+v", cov, want)
	}
	both := 0
	for _, k := range cov.Syscalls {
		if k == 2 {
			both++
		}
	}
	if cov.Total != 2 || both == 0 || cov.Syscalls["execve"] != 2 {
		t.Errorf("coverage %+v: want total 2, execve and others seen on 2/2", cov)
	}
}
