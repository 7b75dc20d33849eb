package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
)

// ErrPodGone: the pod of a container is no longer in the API server, so
// its workload cannot be told (a short Job's pod deleted before the first
// flush after it ran).
var ErrPodGone = errors.New("pod not found")

// ErrPodReplaced: the pod of that name in the API server is another pod
// than the container's (another UID): a StatefulSet's pod made again.
var ErrPodReplaced = errors.New("pod replaced by another of the same name")

// Resolver finds the workload of a pod by reading the metadata (owner
// references) of the pod, and of its ReplicaSet or Job: it needs get on
// pods, replicasets (apps) and jobs (batch), nothing else. It remembers
// the answer per pod UID, at most maxResolved of them.
type Resolver struct {
	Client metadata.Interface

	mu    sync.Mutex
	known map[string]Workload // by pod UID
	named map[string]Workload // by "namespace/name": what a pod was last known as
}

// maxResolved bounds Resolver's memory: past it the oldest answers are
// forgotten wholesale (they are read again when needed).
const maxResolved = 4096

// Resolve returns the workload of the pod namespace/name, whose UID is uid
// ("" when not known: any UID is taken, and the pod's last known workload
// is not read again).
func (r *Resolver) Resolve(ctx context.Context, namespace, name, uid string) (Workload, error) {
	if uid != "" {
		r.mu.Lock()
		w, ok := r.known[uid]
		r.mu.Unlock()
		if ok {
			return w, nil
		}
	} else if w, ok := r.lastKnown(namespace, name); ok {
		return w, nil // any UID is taken: what the pod was last known as
	}
	m, err := r.Client.Resource(podsResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		err = fmt.Errorf("pod %s/%s: %w", namespace, name, ErrPodGone)
	} else if err == nil && uid != "" && string(m.UID) != uid {
		err = fmt.Errorf("pod %s/%s: %w (uid %s, not %s)", namespace, name, ErrPodReplaced, m.UID, uid)
	}
	if errors.Is(err, ErrPodGone) || errors.Is(err, ErrPodReplaced) {
		if w, ok := r.lastKnown(namespace, name); ok {
			return w, nil
		}
		return Workload{}, err
	}
	if err != nil {
		return Workload{}, fmt.Errorf("get pod %s/%s: %w", namespace, name, err)
	}
	w, err := r.follow(ctx, m)
	if err != nil {
		return Workload{}, err
	}
	r.remember(string(m.UID), w)
	r.Known(namespace, name, w)
	return w, nil
}

// Known tells the resolver that pod namespace/name was of workload w (a
// partial published before says so): when the API server no longer has
// the pod, or has another pod of that name, w is its workload.
func (r *Resolver) Known(namespace, name string, w Workload) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.named == nil || len(r.named) >= maxResolved {
		r.named = make(map[string]Workload)
	}
	r.named[namespace+"/"+name] = w
}

func (r *Resolver) lastKnown(namespace, name string) (Workload, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.named[namespace+"/"+name]
	return w, ok
}

// follow walks up the controllers from pod m, at most two reads.
func (r *Resolver) follow(ctx context.Context, m metav1.Object) (Workload, error) {
	kind := KindPod
	for range 3 {
		s := nextStep(kind, m)
		if s.next == nil {
			return s.done, nil
		}
		o, err := r.Client.Resource(*s.next).Namespace(m.GetNamespace()).Get(ctx, s.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			// The owner is gone (a Job's pod kept after its Job): the
			// pod's owner is the workload, as it names itself.
			return Workload{Kind: kindOf(*s.next), Namespace: m.GetNamespace(), Name: s.name}, nil
		}
		if err != nil {
			return Workload{}, fmt.Errorf("get %s %s/%s: %w", s.next.Resource, m.GetNamespace(), s.name, err)
		}
		kind, m = kindOf(*s.next), o
	}
	return Workload{}, fmt.Errorf("owners of %s/%s: too deep", m.GetNamespace(), m.GetName())
}

func (r *Resolver) remember(uid string, w Workload) {
	if uid == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known == nil || len(r.known) >= maxResolved {
		r.known = make(map[string]Workload)
	}
	r.known[uid] = w
}
