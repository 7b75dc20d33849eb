package kube

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/recorder-dev/recorder/profilegen"
)

// published returns the partials of two nodes (two replicas of shop/web
// on node-1, one on node-2; a sidecar on node-1), another workload's, and
// an object with the workload's labels whose annotations name another.
func published(t *testing.T) []runtime.Object {
	t.Helper()
	other := Workload{KindDeployment, "shop", "cart"}
	var out []runtime.Object
	for _, p := range []Partial{
		partial(t, web, "app", "node-1", []string{"web-a", "web-b"}, prof([]string{"read", "write"}, "clone3"), prof([]string{"read", "getrandom"}, "clone3")),
		partial(t, web, "app", "node-2", []string{"web-c"}, prof([]string{"read", "write"}, "clone3")),
		partial(t, web, "sidecar", "node-1", []string{"web-a"}, prof([]string{"nanosleep"}, "clone3")),
		partial(t, other, "app", "node-1", []string{"cart-a"}, prof([]string{"ptrace"}, "clone3")),
	} {
		u, err := p.Object()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	forged := out[3].(*unstructured.Unstructured).DeepCopy()
	forged.SetName("forged")
	forged.SetLabels(out[0].(*unstructured.Unstructured).GetLabels()) // web's labels, cart's annotations
	return append(out, forged)
}

func TestPull(t *testing.T) {
	f := newFixture(t, published(t)...)
	ctx := context.Background()
	got, err := Pull(ctx, f.pub.Profiles, web, "app")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Finals) != 1 || len(got.Skipped) != 1 || !strings.Contains(got.Skipped[0], "forged") {
		t.Fatalf("Pull = %+v", got)
	}
	fin := got.Finals[0]
	if fin.Coverage.Total != 3 || fin.Coverage.Syscalls["read"] != 3 || fin.Coverage.Syscalls["write"] != 2 ||
		fin.Coverage.Syscalls["getrandom"] != 1 || fin.Coverage.Syscalls["ptrace"] != 0 {
		t.Errorf("coverage %+v", fin.Coverage)
	}
	all, err := Pull(ctx, f.pub.Profiles, web, "")
	if err != nil || len(all.Finals) != 2 || all.Finals[0].Container != "app" || all.Finals[1].Container != "sidecar" {
		t.Errorf("Pull of every container = %+v, %v", all, err)
	}
	if _, err := Pull(ctx, f.pub.Profiles, Workload{KindDeployment, "shop", "none"}, ""); !errors.Is(err, ErrNoPartials) {
		t.Errorf("no partials: %v; want ErrNoPartials", err)
	}
}

func TestPullRun(t *testing.T) {
	f := newFixture(t, published(t)...)
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "web.json")
	o := PullOptions{Profiles: f.pub.Profiles, Workload: web, Container: "app", Out: out, Format: profilegen.OCI}
	var report bytes.Buffer
	if err := o.Run(ctx, nil, &report); err != nil {
		t.Fatal(err)
	}
	p, err := profilegen.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen(p), " "); got != "getrandom read write" {
		t.Errorf("the file allows %s", got)
	}
	want := "skipped: forged: not a recorder partial profile: label recorder.dev/workload is \"web\", its annotations say \"cart\"\n" +
		"deployment/shop/web, container app: 2 partials from 2 nodes (node-1, node-2), 3 replicas, 3 calls\n" +
		"  seen on 1/3: getrandom\n  seen on 2/3: write\n  seen on 3/3: read\n" +
		"  no previous version (seccompprofile/shop-web-app-2eabe89c0235e527): nothing to compare\n"
	if report.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", report.String(), want)
	}

	// Applied, then pulled again after a new call: the diff shows it.
	o.Format, o.Apply, o.Out = profilegen.SPO, true, filepath.Join(dir, "web.yaml")
	report.Reset()
	if err := o.Run(ctx, nil, &report); err != nil {
		t.Fatal(err)
	}
	applied, err := f.pub.Profiles.Get(ctx, FinalName(web, "app"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, partial := applied.GetLabels()[PartialLabel]; partial || applied.GetAnnotations()[CoverageAnnotation] != fin3 {
		t.Errorf("applied %v %v", applied.GetLabels(), applied.GetAnnotations())
	}
	data, err := os.ReadFile(o.Out)
	if err != nil || !bytes.Contains(data, []byte("kind: SeccompProfile")) || !bytes.Contains(data, []byte(CoverageAnnotation)) {
		t.Errorf("the SPO file: %s %v", data, err)
	}
	n3 := partial(t, web, "app", "node-3", []string{"web-d"}, prof([]string{"read", "openat"}, "clone3"))
	u, err := n3.Object()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pub.Profiles.Create(ctx, u, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	report.Reset()
	o.Apply = false
	if err := o.Run(ctx, nil, &report); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report.String(), "seen on 1/4: getrandom openat") || !strings.Contains(report.String(), "+ openat") {
		t.Errorf("report after a new replica:\n%s", report.String())
	}

	// Several containers: an OCI file holds one.
	o.Container, o.Format = "", profilegen.OCI
	if err := o.Run(ctx, nil, &report); !errors.Is(err, ErrOneProfile) {
		t.Errorf("two containers to one OCI file: %v; want ErrOneProfile", err)
	}
}

const fin3 = `{"version":"v1","total":3,"syscalls":{"getrandom":1,"read":3,"write":2}}`

func TestApplyNotOurs(t *testing.T) {
	objs := published(t)
	f := newFixture(t, objs...)
	p := objs[0].(*unstructured.Unstructured)
	fin, err := MergePartials([]string{p.GetName()}, []Partial{partial(t, web, "app", "node-1", []string{"a"}, prof([]string{"read"}))})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := fin.Object(p.GetName(), nil) // the name of a partial
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), f.pub.Profiles, obj); !errors.Is(err, ErrNotOurs) {
		t.Errorf("Apply over a partial: %v; want ErrNotOurs", err)
	}
}
