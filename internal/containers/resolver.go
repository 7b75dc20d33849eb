package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// DefaultEndpoints are the CRI sockets ProbeEndpoint tries, in order:
// containerd's, then CRI-O's.
var DefaultEndpoints = []string{
	"unix:///run/containerd/containerd.sock",
	"unix:///var/run/containerd/containerd.sock",
	"unix:///run/crio/crio.sock",
	"unix:///var/run/crio/crio.sock",
}

// ProbeEndpoint returns the first of DefaultEndpoints whose socket exists,
// and "" when none does.
func ProbeEndpoint() string {
	for _, e := range DefaultEndpoints {
		if fi, err := os.Stat(strings.TrimPrefix(e, "unix://")); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return e
		}
	}
	return ""
}

// Names are what Kubernetes calls a container.
type Names struct {
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"podName,omitempty"`
	PodUID    string `json:"podUID,omitempty"`
	Container string `json:"name,omitempty"` // "POD" for a pod's sandbox (pause) container
}

// String is the group name of a container, "<namespace>_<pod>_<container>",
// as the kubelet names containers for Docker and crictl shows them.
func (n Names) String() string { return n.Namespace + "_" + n.Pod + "_" + n.Container }

// SandboxName is the Container of a pod sandbox's Names.
const SandboxName = "POD"

// lookupTimeout bounds one lookup. A lookup that failed for another
// reason than the container being unknown (the runtime restarts, times
// out) is tried again retryAfter later, maxTries times in all, pending
// meanwhile; then it is given up until a Want retryAfter later. queueLen
// lookups wait in the worker's queue; more wait in a list beside it.
const (
	lookupTimeout = 5 * time.Second
	retryAfter    = 5 * time.Second
	maxTries      = 3
	queueLen      = 1024
)

// Resolver asks a CRI runtime (containerd, CRI-O) for the names of
// containers, in the background: Want never blocks, Names answers from the
// cache. It is safe for concurrent use.
type Resolver struct {
	Endpoint string
	// OnNames, when set, is called with each container's names once they
	// are known (the PIDMap's AddNames).
	OnNames func(id string, n Names)

	conn   *grpc.ClientConn
	client runtimeapi.RuntimeServiceClient
	log    *slog.Logger
	queue  chan string
	done   chan struct{}
	cancel context.CancelFunc

	retryAfter time.Duration // retryAfter; a test shortens it

	mu       sync.Mutex
	cond     *sync.Cond
	state    map[string]*lookup
	pods     map[string]Names // by pod UID: the pod part of Names
	inFlight int              // lookups queued, running or waiting to be tried again
	backlog  []string         // lookups wanted while the queue was full, oldest first
}

type lookup struct {
	names  Names
	known  bool      // names found
	final  bool      // found, or the runtime does not know the container
	tries  int       // failed tries in a row
	tried  time.Time // when it was given up after maxTries
	queued bool      // queued, running, or waiting to be tried again
}

// NewResolver connects to the CRI endpoint (such as
// "unix:///run/containerd/containerd.sock") lazily and starts the
// resolver's worker; Close stops it.
func NewResolver(endpoint string, log *slog.Logger) (*Resolver, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !strings.Contains(endpoint, "://") {
		endpoint = "unix://" + endpoint
	}
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("cri endpoint %s: %w", endpoint, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Resolver{
		Endpoint: endpoint, conn: conn, client: runtimeapi.NewRuntimeServiceClient(conn), log: log,
		queue: make(chan string, queueLen), done: make(chan struct{}), cancel: cancel,
		state: make(map[string]*lookup), pods: make(map[string]Names), retryAfter: retryAfter,
	}
	r.cond = sync.NewCond(&r.mu)
	go r.work(ctx)
	return r, nil
}

// Close stops the worker and closes the connection.
func (r *Resolver) Close() error {
	r.cancel()
	<-r.done
	return r.conn.Close()
}

// Want asks for the names of container id, without waiting: a lookup is
// queued unless one is, or its answer is known, or it was given up less
// than retryAfter ago.
func (r *Resolver) Want(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.state[id]
	if l == nil {
		l = &lookup{}
		r.state[id] = l
	}
	if l.final || l.queued || (!l.tried.IsZero() && time.Since(l.tried) < r.retryAfter) {
		return
	}
	l.queued = true
	r.inFlight++
	r.enqueue(id)
}

// enqueue gives the worker a lookup, or, while its queue is full, puts it
// in the backlog, which the worker empties into the queue as it makes
// room; r.mu is held.
func (r *Resolver) enqueue(id string) {
	if len(r.backlog) == 0 {
		select {
		case r.queue <- id:
			return
		default:
		}
	}
	r.backlog = append(r.backlog, id)
}

// refill moves lookups of the backlog into the queue while it has room;
// r.mu is held.
func (r *Resolver) refill() {
	for len(r.backlog) > 0 {
		select {
		case r.queue <- r.backlog[0]:
			r.backlog[0] = ""
			r.backlog = r.backlog[1:]
		default:
			return
		}
	}
	r.backlog = nil // let the array go
}

// Names returns the names of container id, if known.
func (r *Resolver) Names(id string) (Names, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l := r.state[id]; l != nil && l.known {
		return l.names, true
	}
	return Names{}, false
}

// Pending reports whether a lookup of container id is queued, running, or
// waiting to be tried again.
func (r *Resolver) Pending(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.state[id]
	return l != nil && l.queued
}

// AnyPending reports whether any lookup is queued, running, or waiting to
// be tried again.
func (r *Resolver) AnyPending() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight > 0
}

// Pod returns the namespace, name and UID of the pod uid, if known.
func (r *Resolver) Pod(uid string) (Names, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.pods[uid]
	return n, ok
}

// Settle waits until no lookup is pending, at most timeout.
// Never call it on the record path: it is for the last profiles written.
func (r *Resolver) Settle(timeout time.Duration) {
	t := time.AfterFunc(timeout, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer t.Stop()
	end := time.Now().Add(timeout)
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.inFlight > 0 && time.Now().Before(end) {
		r.cond.Wait()
	}
}

func (r *Resolver) work(ctx context.Context) {
	defer close(r.done)
	for {
		var id string
		select {
		case <-ctx.Done():
			return
		case id = <-r.queue:
		}
		n, err := r.resolve(ctx, id)
		r.mu.Lock()
		l := r.state[id]
		again := false
		switch {
		case err == nil:
			l.names, l.known, l.final, l.tries = n, true, true, 0
			if n.PodUID != "" {
				r.pods[n.PodUID] = Names{Namespace: n.Namespace, Pod: n.Pod, PodUID: n.PodUID}
			}
		case errors.Is(err, errUnknown):
			l.final = true // gone, or not the runtime's: named by its ID
		default:
			l.tries++
			if again = l.tries < maxTries && ctx.Err() == nil; !again {
				l.tries, l.tried = 0, time.Now()
			}
		}
		if !again {
			l.queued = false
			r.inFlight--
		}
		r.refill()
		r.cond.Broadcast()
		r.mu.Unlock()
		switch {
		case err == nil:
			r.log.Debug("container names", "container", id, "names", n.String())
			if r.OnNames != nil {
				r.OnNames(id, n)
			}
		case errors.Is(err, errUnknown):
			r.log.Info("the CRI runtime does not know the container: its profile is named by its ID", "container", id, "endpoint", r.Endpoint)
		case again:
			r.log.Debug("look up container names; trying again", "container", id, "endpoint", r.Endpoint, "err", err, "in", r.retryAfter)
			time.AfterFunc(r.retryAfter, func() {
				if ctx.Err() == nil {
					r.mu.Lock()
					r.enqueue(id)
					r.mu.Unlock()
				}
			})
		default:
			r.log.Warn("look up container names; given up: its profile is named by its ID", "container", id, "endpoint", r.Endpoint,
				"tries", maxTries, "err", err)
		}
	}
}

// errUnknown: the runtime knows no container or sandbox of that ID.
var errUnknown = errors.New("unknown to the CRI runtime")

// resolve asks the runtime for a container's names: the container's own
// name and its sandbox's pod name, namespace and UID; or, for a sandbox
// (the pod's pause container), the pod's, with Container SandboxName.
func (r *Resolver) resolve(ctx context.Context, id string) (Names, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	lc, err := r.client.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{Id: id}})
	if err != nil {
		return Names{}, err
	}
	var c *runtimeapi.Container
	for _, x := range lc.GetContainers() {
		if x.GetId() == id {
			c = x
		}
	}
	sandbox, name := id, SandboxName
	if c != nil {
		sandbox, name = c.GetPodSandboxId(), c.GetMetadata().GetName()
	}
	st, err := r.client.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sandbox})
	if status.Code(err) == codes.NotFound {
		if c == nil {
			return Names{}, errUnknown
		}
		return Names{}, fmt.Errorf("sandbox %s of container %s: %w", sandbox, id, errUnknown)
	}
	if err != nil {
		return Names{}, err
	}
	md := st.GetStatus().GetMetadata()
	if md.GetName() == "" || name == "" {
		return Names{}, fmt.Errorf("container %s: %w: no names in its metadata", id, errUnknown)
	}
	return Names{Namespace: md.GetNamespace(), Pod: md.GetName(), PodUID: md.GetUid(), Container: name}, nil
}
