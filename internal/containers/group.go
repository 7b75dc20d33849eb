package containers

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// The groupings this package adds to pipeline.ParseGroupBy.
var (
	// GroupContainer groups by the container's ID; records of a process in
	// no container go to HostGroup, those that could not be attributed to
	// UnattributedGroup.
	GroupContainer pipeline.GroupBy = containerGroup{}
	// GroupPod groups by the pod's UID; a container in no pod makes a
	// group of its own, named by its ID.
	GroupPod pipeline.GroupBy = podGroup{}
)

func init() {
	pipeline.RegisterGroupBy(GroupContainer)
	pipeline.RegisterGroupBy(GroupPod)
}

type containerGroup struct{}

func (containerGroup) String() string { return "container" }
func (containerGroup) AppendGroup(dst []byte, r *pipeline.Record) []byte {
	if id, ok := r.Attr(AttrContainer); ok {
		return append(dst, id...)
	}
	return appendOther(dst, r)
}

type podGroup struct{}

func (podGroup) String() string { return "pod" }
func (podGroup) AppendGroup(dst []byte, r *pipeline.Record) []byte {
	if uid, ok := r.Attr(AttrPod); ok {
		return append(dst, podPrefix+uid...)
	}
	if id, ok := r.Attr(AttrContainer); ok {
		return append(dst, id...)
	}
	return appendOther(dst, r)
}

// podPrefix starts the group of a pod, named by its UID before its names
// are known: "pod-<UID>".
const podPrefix = "pod-"

func appendOther(dst []byte, r *pipeline.Record) []byte {
	if r.Unattributed() {
		return append(dst, UnattributedGroup...)
	}
	return append(dst, HostGroup...)
}

// Namer is the pipeline.Finisher of the container and pod groupings: it
// names each profile when it is written, "<namespace>_<pod>_<container>"
// (by container) or "<namespace>_<pod>" (by pod) once the names are known,
// else the ID or "pod-<UID>", merges the groups given one name (a container
// restarted in its pod), and keeps only those that --pod and --namespace
// select.
type Namer struct {
	Names     *Resolver        // nil: no CRI runtime
	Static    map[string]Names // names by container ID (replay's --pid-map)
	Pod       string           // keep only this pod (its name or UID)
	Namespace string           // keep only this namespace
	// Runtimes, when set, are the runtimes seen starting the containers:
	// each container's profile gets its runtime's base (RuntimeBase).
	Runtimes *Runtimes

	settled atomic.Bool // Settle was called: write every group now
}

// Settle waits a little for the names still being looked up: for the last
// profiles written, never on the record path.
func (n *Namer) Settle() {
	if n.Names != nil {
		n.Names.Settle(3 * time.Second)
	}
	n.settled.Store(true)
}

// names returns what is known of a group's names: the container's, or
// the pod's for a pod group.
func (n *Namer) names(group string) (Names, bool) {
	if uid, ok := strings.CutPrefix(group, podPrefix); ok {
		if n.Names != nil {
			if p, ok := n.Names.Pod(uid); ok {
				return p, true
			}
		}
		for _, s := range n.Static {
			if s.PodUID == uid {
				return Names{Namespace: s.Namespace, Pod: s.Pod, PodUID: uid}, true
			}
		}
		return Names{PodUID: uid}, false
	}
	if s, ok := n.Static[group]; ok {
		return s, true
	}
	if n.Names != nil {
		return n.Names.Names(group)
	}
	return Names{}, false
}

// Lookup returns what is known of a group's names (a container ID's, or a
// pod's for "pod-<UID>"), as Name uses them: for a publisher that needs
// them apart.
func (n *Namer) Lookup(group string) (Names, bool) { return n.names(group) }

// Name returns the name a group's profile is written under.
func (n *Namer) Name(group string) string {
	names, ok := n.names(group)
	switch {
	case !ok:
		return group
	case strings.HasPrefix(group, podPrefix):
		return names.Namespace + "_" + names.Pod
	default:
		return names.String()
	}
}

// selects reports whether the group's profile is wanted, and why not.
func (n *Namer) selects(group string) (bool, string) {
	if n.Pod == "" && n.Namespace == "" {
		return true, ""
	}
	names, ok := n.names(group)
	if n.Pod != "" && !(ok && names.Pod == n.Pod) && !(names.PodUID != "" && names.PodUID == n.Pod) {
		return false, fmt.Sprintf("not of pod %q", n.Pod)
	}
	if n.Namespace != "" && !(ok && names.Namespace == n.Namespace) {
		return false, fmt.Sprintf("not in namespace %q", n.Namespace)
	}
	return true, ""
}

// Finish names, merges and selects the built groups; each profile written
// has the groups it was made of in Sources.
func (n *Namer) Finish(built []profilegen.Built, opt profilegen.Options) ([]profilegen.Built, pipeline.LeftOut, error) {
	var left pipeline.LeftOut
	var why []string
	byName := map[string][]profilegen.Built{}
	for _, b := range built {
		if n.Names != nil && !n.settled.Load() && (n.Names.Pending(b.Group) || strings.HasPrefix(b.Group, podPrefix) && n.Names.AnyPending()) {
			// Its names are on their way: written at the next flush, under
			// them, rather than now under its ID and then under another name.
			left.Pending++
			continue
		}
		if ok, reason := n.selects(b.Group); !ok {
			left.Groups++
			left.Records += b.Report.Records
			if !slices.Contains(why, reason) {
				why = append(why, reason)
			}
			continue
		}
		name := n.Name(b.Group)
		byName[name] = append(byName[name], b)
	}
	left.Why = strings.Join(why, "; ")
	if left.Groups > 0 && n.Names == nil && len(n.Static) == 0 {
		left.Why += " (no CRI runtime gave names: see --cri-endpoint)"
	}
	var out []profilegen.Built
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		b, err := merge(name, byName[name], opt)
		if err != nil {
			return nil, left, err
		}
		b.Sources = sources(byName[name])
		if b, err = n.addRuntime(b, opt); err != nil {
			return nil, left, err
		}
		out = append(out, b)
	}
	return out, left, nil
}

// sources returns the groups of the Set that bs were built from.
func sources(bs []profilegen.Built) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.SourceGroups()...)
	}
	return out
}

// merge makes one profile of the groups given one name.
func merge(name string, bs []profilegen.Built, opt profilegen.Options) (profilegen.Built, error) {
	if len(bs) == 1 {
		b := bs[0]
		rep := *b.Report
		rep.Group = name
		return profilegen.Built{Group: name, Profile: b.Profile, Report: &rep}, nil
	}
	profiles := make([]*specs.LinuxSeccomp, len(bs))
	reps := make([]*profilegen.Report, len(bs))
	for i, b := range bs {
		profiles[i], reps[i] = b.Profile, b.Report
	}
	p, err := profilegen.Union(opt, profiles...)
	if err != nil {
		return profilegen.Built{}, fmt.Errorf("merge the profiles named %q: %w", name, err)
	}
	rep := profilegen.MergeReports(name, reps...)
	return profilegen.Built{Group: name, Profile: p, Report: rep}, nil
}

// addRuntime adds to b the base of the runtime seen starting its
// containers: the calls the runtime's init can make after it loaded the
// filter, which one recording sees only some of. b.Added names those no
// record showed.
func (n *Namer) addRuntime(b profilegen.Built, opt profilegen.Options) (profilegen.Built, error) {
	rts := n.Runtimes.Of(b.SourceGroups())
	if len(rts) == 0 {
		return b, nil
	}
	var names []string
	for _, rt := range rts {
		names = append(names, RuntimeBase(rt)...)
	}
	var added []string
	for _, name := range names {
		if _, found := slices.BinarySearch(b.Report.Names, name); !found && !slices.Contains(added, name) {
			added = append(added, name)
		}
	}
	if len(added) == 0 {
		return b, nil
	}
	slices.Sort(added)
	with := opt
	with.Base.Names = slices.Concat(opt.Base.Names, added)
	p, err := profilegen.Union(with, b.Profile)
	if err != nil {
		return b, fmt.Errorf("add the runtime base to %q: %w", b.Group, err)
	}
	rep := *b.Report
	rep.Names = slices.Compact(slices.Sorted(slices.Values(slices.Concat(b.Report.Names, added))))
	b.Profile, b.Report = p, &rep
	b.Added = &profilegen.Base{Name: strings.Join(rts, "+"), Names: added}
	return b, nil
}
