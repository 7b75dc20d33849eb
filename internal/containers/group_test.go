package containers

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/cgroup"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

const otherID = "aaaa0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"

// fed returns a pipeline grouped by g whose records are attributed by
// attrs (by pid): pid 1 and 2 in containers ctrID and otherID of pod
// podUID, pid 3 on the host, pid 4 unattributed.
func fed(t *testing.T, g pipeline.GroupBy, n *Namer) *pipeline.Pipeline {
	t.Helper()
	enrich := pipeline.EnrichFunc(func(r *pipeline.Record) {
		switch r.PID {
		case 1:
			SetAttrs(r, &Info{Container: containerOf(ctrID), QoS: "besteffort"})
		case 2:
			SetAttrs(r, &Info{Container: containerOf(otherID), QoS: "besteffort"})
		case 4:
			r.MarkUnattributed()
		}
	})
	cfg := pipeline.Config{Enrichers: []pipeline.Enricher{enrich}, GroupBy: g}
	if n != nil {
		cfg.Finish = n
	}
	p := pipeline.New(cfg)
	for pid, nr := range map[int32]int64{1: 0, 2: 1, 3: 2, 4: 3} {
		p.Add(&audit.Record{PID: pid, Arch: 0xc000003e, Syscall: nr, Action: audit.ActionLog}, 1)
	}
	return p
}

func TestGroupBy(t *testing.T) {
	for _, tc := range []struct {
		g    pipeline.GroupBy
		want []string
	}{
		{GroupContainer, []string{otherID, ctrID, "host", "unattributed"}},
		{GroupPod, []string{"host", "pod-" + podUID, "unattributed"}},
	} {
		p := fed(t, tc.g, nil)
		got := p.Set.Groups()
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: groups %q, want %q", tc.g, got, want)
		}
		if p.Counts.Unattributed != 1 {
			t.Errorf("%s: Unattributed = %d", tc.g, p.Counts.Unattributed)
		}
		if g, err := pipeline.ParseGroupBy(tc.g.String()); err != nil || g != tc.g {
			t.Errorf("ParseGroupBy(%q) = %v, %v", tc.g, g, err)
		}
	}
}

func TestNamer(t *testing.T) {
	static := map[string]Names{
		ctrID:   {Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "test-container"},
		otherID: {Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "test-container"}, // restarted
	}
	build := func(g pipeline.GroupBy, n *Namer) ([]string, pipeline.LeftOut, []profilegen.Built) {
		p := fed(t, g, n)
		built, left, err := p.Build(profilegen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, b := range built {
			names = append(names, b.Group)
		}
		return names, left, built
	}
	names, left, built := build(GroupContainer, &Namer{Static: static})
	if !slices.Equal(names, []string{"default_audit-pod_test-container", "host", "unattributed"}) || left.Groups != 0 {
		t.Errorf("names %q, left %+v", names, left)
	}
	if r := built[0].Report; r.Records != 2 || !slices.Contains(built[0].Report.Observed, "read") || !slices.Contains(r.Observed, "write") {
		t.Errorf("the restarted container's two groups are not merged: %+v", r)
	}
	names, _, _ = build(GroupPod, &Namer{Static: static})
	if !slices.Equal(names, []string{"default_audit-pod", "host", "unattributed"}) {
		t.Errorf("by pod: %q", names)
	}
	names, left, _ = build(GroupContainer, &Namer{Static: static, Namespace: "default"})
	if !slices.Equal(names, []string{"default_audit-pod_test-container"}) || left.Groups != 2 || left.Records != 2 || !strings.Contains(left.Why, `namespace "default"`) {
		t.Errorf("--namespace default: %q, left %+v", names, left)
	}
	names, left, _ = build(GroupContainer, &Namer{Static: static, Pod: "other"})
	if len(names) != 0 || left.Groups != 4 {
		t.Errorf("--pod other: %q, left %+v", names, left)
	}
	names, _, _ = build(GroupContainer, &Namer{Static: static, Pod: podUID})
	if !slices.Equal(names, []string{"default_audit-pod_test-container"}) {
		t.Errorf("--pod UID: %q", names)
	}
	names, left, _ = build(GroupContainer, &Namer{Namespace: "default"}) // no names known
	if len(names) != 0 || !strings.Contains(left.Why, "--cri-endpoint") {
		t.Errorf("no names: %q, left %+v", names, left)
	}
	names, _, _ = build(GroupContainer, &Namer{}) // named by IDs
	if !slices.Equal(names, slices.Sorted(slices.Values([]string{otherID, ctrID, "host", "unattributed"}))) {
		t.Errorf("IDs: %q", names)
	}
}

func TestConfigure(t *testing.T) {
	bad := []Options{
		{Pod: "x", Live: true},
		{Container: "XYZ", Live: true},
		{Container: strings.Repeat("a", 65), Live: true},
		{Container: "abc"}, // replay without a pid map
	}
	for _, o := range bad {
		cfg := pipeline.Config{}
		if _, err := Configure(&cfg, o); err == nil || !errorsIsUsage(err) {
			t.Errorf("Configure(%+v) = %v, want a usage error", o, err)
		}
	}
	cfg := pipeline.Config{GroupBy: GroupContainer}
	if _, err := Configure(&cfg, Options{}); !errorsIsUsage(err) || !strings.Contains(err.Error(), "replay cannot know") {
		t.Errorf("replay --group-by container: %v", err)
	}
	cfg = pipeline.Config{GroupBy: pipeline.GroupExe}
	if s, err := Configure(&cfg, Options{Live: true}); s != nil || err != nil || len(cfg.Enrichers) != 0 {
		t.Errorf("no container flag: %v %v %v", s, err, cfg)
	}
	cfg = pipeline.Config{GroupBy: pipeline.GroupExe}
	s, err := Configure(&cfg, Options{Container: "3f4e", Live: true})
	if err != nil || s.Attributor == nil || cfg.Filter == nil || len(cfg.Filter.Attrs) != 1 || cfg.Finish != nil {
		t.Errorf("--container 3f4e: %v %+v", err, cfg)
	}
	s.Close()
}

func errorsIsUsage(err error) bool { return err != nil && isUsage(err) }

func isUsage(err error) bool { return errors.As(err, new(usage.Error)) }

func containerOf(id string) cgroup.Container { return cgroup.Container{ID: id, PodUID: podUID} }

// TestNamerMergeReport: the report of groups merged under one name (a
// restarted container) is as Build makes one: a call denied in both is one
// violation with the counts summed, sorted as profilegen sorts them (by
// name, then architecture, then action).
func TestNamerMergeReport(t *testing.T) {
	static := map[string]Names{
		ctrID:   {Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "c"},
		otherID: {Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "c"},
	}
	enrich := pipeline.EnrichFunc(func(r *pipeline.Record) {
		id := ctrID
		if r.PID == 2 {
			id = otherID
		}
		SetAttrs(r, &Info{Container: containerOf(id)})
	})
	p := pipeline.New(pipeline.Config{Enrichers: []pipeline.Enricher{enrich}, GroupBy: GroupContainer, Finish: &Namer{Static: static}})
	const x86_64, i386 = 0xc000003e, 0x40000003
	p.Add(&audit.Record{PID: 1, Arch: x86_64, Syscall: 0, Action: audit.ActionErrno}, 1)   // read
	p.Add(&audit.Record{PID: 2, Arch: i386, Syscall: 3, Action: audit.ActionErrno}, 1)     // read
	p.Add(&audit.Record{PID: 2, Arch: x86_64, Syscall: 0, Action: audit.ActionErrno}, 2)   // read
	p.Add(&audit.Record{PID: 2, Arch: x86_64, Syscall: 999, Action: audit.ActionErrno}, 1) // unknown
	p.Add(&audit.Record{PID: 1, Arch: x86_64, Syscall: 999, Action: audit.ActionErrno}, 4) // unknown
	built, _, err := p.Build(profilegen.Options{})
	if err != nil || len(built) != 1 {
		t.Fatalf("built %d, %v", len(built), err)
	}
	rep := built[0].Report
	want := []profilegen.Violation{
		{Name: "read", Arch: "SCMP_ARCH_X86", Action: audit.ActionErrno, Count: 1, PID: 2},
		{Name: "read", Arch: "SCMP_ARCH_X86_64", Action: audit.ActionErrno, Count: 3, PID: 1},
	}
	if !slices.Equal(rep.Violations, want) {
		t.Errorf("violations %+v, want %+v", rep.Violations, want)
	}
	wantUnknown := []profilegen.UnknownSyscall{{Arch: "SCMP_ARCH_X86_64", Nr: 999, Action: audit.ActionErrno, Count: 5}}
	if !slices.Equal(rep.Unknown, wantUnknown) {
		t.Errorf("unknown %+v, want %+v", rep.Unknown, wantUnknown)
	}
	if rep.Records != 9 || rep.Actions[audit.ActionErrno] != 9 {
		t.Errorf("records %d, actions %v", rep.Records, rep.Actions)
	}
}

// TestNamerPending: a group whose names are being looked up is withheld
// and counted in LeftOut.Pending (a daemon builds again for it); once the
// names came it is written under them.
func TestNamerPending(t *testing.T) {
	f := &fakeCRI{gate: make(chan struct{})}
	r, err := NewResolver(serveCRI(t, f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	opened := false
	defer func() {
		if !opened {
			close(f.gate)
		}
	}()
	r.Want(ctrID)
	for _, tc := range []struct {
		g       pipeline.GroupBy
		pending int
	}{{GroupContainer, 1}, {GroupPod, 1}} {
		built, left, err := fed(t, tc.g, &Namer{Names: r}).Build(profilegen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if left.Pending != tc.pending || left.Groups != 0 {
			t.Errorf("%s: left %+v, want %d pending", tc.g, left, tc.pending)
		}
		for _, b := range built {
			if b.Group == ctrID || strings.HasPrefix(b.Group, podPrefix) {
				t.Errorf("%s: %s written while its names are pending", tc.g, b.Group)
			}
		}
	}
	close(f.gate)
	opened = true
	r.Settle(10 * time.Second)
	built, left, err := fed(t, GroupContainer, &Namer{Names: r}).Build(profilegen.Options{})
	if err != nil || left.Pending != 0 || !slices.ContainsFunc(built, func(b profilegen.Built) bool { return b.Group == "default_audit-pod_test-container" }) {
		t.Errorf("after the names came: left %+v, err %v", left, err)
	}
}
