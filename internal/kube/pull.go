package kube

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// Pulled is what Pull found of a workload: one final profile per
// container, and the objects the selector matched that are no partial of
// it (named, with why).
type Pulled struct {
	Finals  []Final
	Skipped []string
}

// Pull lists the partials of workload w (of one container, or of all when
// container is "") across replicas and nodes, and merges them per
// container. It needs list on seccompprofiles.
func Pull(ctx context.Context, profiles dynamic.ResourceInterface, w Workload, container string) (Pulled, error) {
	list, err := profiles.List(ctx, metav1.ListOptions{LabelSelector: PartialSelector(w, container)})
	if apierrors.IsNotFound(err) {
		return Pulled{}, fmt.Errorf("list seccompprofiles: %w: %w", ErrCRDMissing, err)
	}
	if err != nil {
		return Pulled{}, fmt.Errorf("list seccompprofiles: %w", err)
	}
	return mergeListed(list.Items, w, container)
}

// mergeListed merges the partials of w among items, by container.
func mergeListed(items []unstructured.Unstructured, w Workload, container string) (Pulled, error) {
	var out Pulled
	byCtr := map[string][]Partial{}
	names := map[string][]string{}
	for i := range items {
		p, err := ParsePartial(&items[i])
		if err == nil && (p.Workload != w || container != "" && p.Container != container) {
			err = fmt.Errorf("%s: %w: of %s %s", items[i].GetName(), ErrNotPartial, p.Workload, p.Container)
		}
		if err != nil {
			out.Skipped = append(out.Skipped, err.Error())
			continue
		}
		byCtr[p.Container] = append(byCtr[p.Container], p)
		names[p.Container] = append(names[p.Container], items[i].GetName())
	}
	if len(byCtr) == 0 {
		return out, fmt.Errorf("%s: %w (selector %s)", w, ErrNoPartials, PartialSelector(w, container))
	}
	for _, c := range slices.Sorted(maps.Keys(byCtr)) {
		f, err := MergePartials(names[c], byCtr[c])
		if err != nil {
			return Pulled{}, err
		}
		out.Finals = append(out.Finals, f)
	}
	return out, nil
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
