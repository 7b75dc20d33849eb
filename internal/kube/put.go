package kube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
)

// upsert creates or updates a partial, retrying on conflicts.
func (p *Publisher) upsert(ctx context.Context, obj *unstructured.Unstructured) error {
	again := func(err error) bool {
		if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
			p.mu.Lock()
			p.st.conflicts++
			p.mu.Unlock()
			return true
		}
		return false
	}
	return retry.OnError(retry.DefaultRetry, again, func() error { return p.put(ctx, obj) })
}

// put creates obj, or updates the object of its name when it is this
// partial; the other labels and annotations someone gave it are kept, and
// its finalizers (the operator's daemon adds one to every SeccompProfile).
func (p *Publisher) put(ctx context.Context, obj *unstructured.Unstructured) error {
	opts := metav1.CreateOptions{FieldManager: ManagedBy}
	cur, err := p.Profiles.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = p.Profiles.Create(ctx, obj, opts)
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("create %s: %w: %w", obj.GetName(), ErrCRDMissing, err)
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", obj.GetName(), err)
	}
	if !samePartial(cur, obj) {
		return fmt.Errorf("%s: %w", obj.GetName(), ErrNotOurs)
	}
	upd := obj.DeepCopy()
	upd.SetResourceVersion(cur.GetResourceVersion())
	upd.SetLabels(mergeMaps(cur.GetLabels(), obj.GetLabels()))
	upd.SetAnnotations(mergeMaps(cur.GetAnnotations(), obj.GetAnnotations()))
	upd.SetFinalizers(cur.GetFinalizers())
	_, err = p.Profiles.Update(ctx, upd, metav1.UpdateOptions{FieldManager: ManagedBy})
	return err
}

// samePartial reports whether cur is the partial obj is a new version of:
// partial, of the same workload, container and node.
func samePartial(cur, obj *unstructured.Unstructured) bool {
	if _, ok := cur.GetLabels()[PartialLabel]; !ok {
		return false
	}
	a, b := cur.GetAnnotations(), obj.GetAnnotations()
	return a[WorkloadAnnot] == b[WorkloadAnnot] && a[ContainerAnnot] == b[ContainerAnnot] && a[NodeAnnot] == b[NodeAnnot]
}

func mergeMaps(old, ours map[string]string) map[string]string {
	out := maps.Clone(old)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, ours)
	return out
}

func contentHash(obj *unstructured.Unstructured) string {
	b, _ := obj.MarshalJSON()
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
