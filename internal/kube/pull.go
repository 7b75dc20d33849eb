package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/recorder-dev/recorder/pipeline"
)

// Pulled is what Pull found of a workload: one final profile per
// container, the objects the selector matched that are no partial of it
// (named, with why), and warnings.
type Pulled struct {
	Finals  []Final
	Skipped []string
	// Warnings name the partials merged whose calls or annotations were
	// written by another field manager than the recorder's.
	Warnings []string
}

// ErrTooManyPartials: more partial objects match a workload than pull
// merges (maxPartials).
var ErrTooManyPartials = errors.New("too many partial profiles")

// ErrBadPartial: an object named as one of the workload's partials could
// not be read (its profile too large or invalid, its coverage not what its
// profile allows). Its calls would be missing from the merge, so pull
// merges nothing rather than a profile known to be incomplete.
var ErrBadPartial = errors.New("a partial profile could not be read")

// maxPartials bounds what pull holds: a workload's partials (one per
// container and node: a DaemonSet of 3 containers on 3,000 nodes has
// 9,000), each read from at most a profile file's size (1 MiB; a real
// one's is some 20 KiB).
var maxPartials = 10000

// Pull lists the partials of workload w (of one container, or of all when
// container is "") across replicas and nodes, and merges them per
// container. It needs list on seccompprofiles. It reads a page of
// objects at a time and keeps their partials, at most maxPartials.
func Pull(ctx context.Context, profiles dynamic.ResourceInterface, w Workload, container string) (Pulled, error) {
	m := merger{w: w, container: container, byCtr: map[string][]Partial{}, names: map[string][]string{}}
	opts := metav1.ListOptions{LabelSelector: PartialSelector(w, container), Limit: pageSize}
	for {
		list, err := profiles.List(ctx, opts)
		if apierrors.IsNotFound(err) {
			return Pulled{}, fmt.Errorf("list seccompprofiles: %w: %w", ErrCRDMissing, err)
		}
		if err != nil {
			return Pulled{}, fmt.Errorf("list seccompprofiles: %w", err)
		}
		if err := m.add(list.Items); err != nil {
			return Pulled{}, err
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			break
		}
	}
	return m.merge()
}

// pageSize is how many objects Pull asks for at once.
const pageSize = 100

// merger gathers the partials of w among the objects listed, by container.
type merger struct {
	w         Workload
	container string
	seen      int
	out       Pulled
	byCtr     map[string][]Partial
	names     map[string][]string
	bad       []string // the workload's own partials that could not be read
}

func (m *merger) add(items []unstructured.Unstructured) error {
	for i := range items {
		if m.seen++; m.seen > maxPartials {
			return fmt.Errorf("%s: %w: more than %d objects match %s", m.w, ErrTooManyPartials, maxPartials, PartialSelector(m.w, m.container))
		}
		if items[i].GetDeletionTimestamp() != nil {
			m.out.Skipped = append(m.out.Skipped, fmt.Sprintf("%s: being deleted (its finalizers %s hold it): its calls are not merged",
				items[i].GetName(), pipeline.Quote(strings.Join(items[i].GetFinalizers(), ","))))
			continue
		}
		p, err := ParsePartial(&items[i])
		if err == nil && (p.Workload != m.w || m.container != "" && p.Container != m.container) {
			err = fmt.Errorf("%s: %w: of %q container %q", items[i].GetName(), ErrNotPartial, p.Workload.String(), p.Container)
		}
		if errors.Is(err, ErrNotPartial) {
			m.out.Skipped = append(m.out.Skipped, err.Error())
			continue
		}
		if err != nil {
			m.bad = append(m.bad, err.Error())
			continue
		}
		if others := otherWriters(&items[i]); len(others) > 0 {
			m.out.Warnings = append(m.out.Warnings, fmt.Sprintf("%s (node %q, pods %q) was written by %s, not the recorder alone: review the calls it holds",
				items[i].GetName(), p.Node, strings.Join(p.Pods, ","), strings.Join(others, ", ")))
		}
		m.byCtr[p.Container] = append(m.byCtr[p.Container], p)
		m.names[p.Container] = append(m.names[p.Container], items[i].GetName())
	}
	return nil
}

func (m *merger) merge() (Pulled, error) {
	if len(m.bad) > 0 {
		return m.out, fmt.Errorf("%s: %w (%d; fix or delete it: its node's files still hold its calls, and its publisher rewrites it within 10 minutes): %s",
			m.w, ErrBadPartial, len(m.bad), strings.Join(m.bad, "; "))
	}
	if len(m.byCtr) == 0 {
		return m.out, fmt.Errorf("%s: %w (selector %s)", m.w, ErrNoPartials, PartialSelector(m.w, m.container))
	}
	for _, c := range slices.Sorted(maps.Keys(m.byCtr)) {
		f, err := MergePartials(m.names[c], m.byCtr[c])
		if err != nil {
			return Pulled{}, err
		}
		m.out.Finals = append(m.out.Finals, f)
	}
	return m.out, nil
}

// otherWriters returns the field managers other than the recorder's that
// own a partial's spec (its calls) or an annotation pull reads (its
// coverage, pods and the recorder's others), as the API server records
// them (metadata.managedFields). A manager's name is its client's word:
// this tells edits by kubectl and others apart, it is no proof (see
// doc.go). An annotation of its own (the operator's daemon writes one,
// "syscalls", to every SeccompProfile) is no warning.
func otherWriters(u *unstructured.Unstructured) []string {
	var out []string
	for _, mf := range u.GetManagedFields() {
		if mf.Manager == ManagedBy || mf.FieldsV1 == nil || slices.Contains(out, mf.Manager) {
			continue
		}
		if ownsRead(mf.FieldsV1.GetRawString()) {
			out = append(out, pipeline.Quote(mf.Manager))
		}
	}
	return out
}

// ownsRead reports whether a manager's fields (FieldsV1, as JSON) hold
// what pull reads of a partial: its spec, or a recorder.dev/ or coverage
// annotation. Fields it cannot read count as read.
func ownsRead(fields string) bool {
	var f struct {
		Spec     *json.RawMessage `json:"f:spec"`
		Metadata struct {
			Annotations map[string]json.RawMessage `json:"f:annotations"`
		} `json:"f:metadata"`
	}
	if err := json.Unmarshal([]byte(fields), &f); err != nil {
		return true
	}
	if f.Spec != nil {
		return true
	}
	for k := range f.Metadata.Annotations {
		if k = strings.TrimPrefix(k, "f:"); strings.HasPrefix(k, "recorder.dev/") || k == CoverageAnnotation {
			return true
		}
	}
	return false
}

// Previous returns the profile of the object name, when there is one.
func Previous(ctx context.Context, profiles dynamic.ResourceInterface, name string) (*specs.LinuxSeccomp, bool, error) {
	u, err := profiles.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get seccompprofile %s: %w", name, err)
	}
	p, err := profileOf(u)
	return p, err == nil, err
}

// Apply creates or updates a final profile: an object of its name must be
// the final profile of the same workload and container (no partial), or
// ErrNotOurs. It needs get, create and update on seccompprofiles.
func Apply(ctx context.Context, profiles dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	cur, err := profiles.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = profiles.Create(ctx, obj, metav1.CreateOptions{FieldManager: ManagedBy})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("create %s: %w: %w", obj.GetName(), ErrCRDMissing, err)
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", obj.GetName(), err)
	}
	a, b := cur.GetAnnotations(), obj.GetAnnotations()
	if _, partial := cur.GetLabels()[PartialLabel]; partial || a[WorkloadAnnot] != b[WorkloadAnnot] || a[ContainerAnnot] != b[ContainerAnnot] {
		return fmt.Errorf("%s: %w", obj.GetName(), ErrNotOurs)
	}
	upd := obj.DeepCopy()
	upd.SetResourceVersion(cur.GetResourceVersion())
	upd.SetLabels(mergeMaps(cur.GetLabels(), obj.GetLabels()))
	upd.SetAnnotations(mergeMaps(cur.GetAnnotations(), obj.GetAnnotations()))
	_, err = profiles.Update(ctx, upd, metav1.UpdateOptions{FieldManager: ManagedBy})
	return err
}
