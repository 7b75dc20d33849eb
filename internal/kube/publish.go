package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/profilegen"
)

// Publisher keeps, for each workload and container recorded on its node,
// one partial SeccompProfile up to date with the profiles of each flush
// (Offer). It publishes from its own goroutine (Start), so a slow or
// absent API server never holds a flush: the files the watch writes stay
// the source of truth, and each Offer holds the whole recording so far, so
// the partials catch up at the first publish that succeeds. A failure is
// logged with its cause (Classify), counted in the metrics (Collect), and
// tried again with a growing pause.
type Publisher struct {
	Node     string
	Profiles dynamic.NamespaceableResourceInterface // the seccompprofiles resource
	Resolver *Resolver
	// Names tells a group's container names (containers.Namer.Lookup).
	Names func(group string) (containers.Names, bool)
	Log   *slog.Logger
	// MinPause and MaxPause bound the pause between failed publishes
	// (0: a second, a minute).
	MinPause, MaxPause time.Duration

	mu        sync.Mutex // guards the fields below
	latest    []profilegen.Built
	offered   bool
	published map[string]lastPublish // by object name
	now       func() time.Time       // time.Now unless a test's
	skipped   map[string]bool        // pods whose workload could not be told, logged once
	seeded    bool                   // this node's partials were read (seed)
	st        pubStats
	wake      chan struct{}
	stop      context.CancelFunc
	done      chan struct{}
}

// lastPublish is what was last published of a partial, and when.
type lastPublish struct {
	hash string
	at   time.Time
}

// recheckAfter is how long a partial published is taken to be in the API
// server as it was: past it, it is written again (a partial deleted or
// edited by someone else is repaired), though unchanged.
const recheckAfter = 10 * time.Minute

// pubStats are what the metrics show.
type pubStats struct {
	results   map[string]uint64
	conflicts uint64
	pending   int
	lastOK    time.Time
	failing   string // the cause of the current run of failures, "" when none
}

// Offer hands the publisher the profiles a flush wrote; it never blocks.
// Only the latest offer is published.
func (p *Publisher) Offer(built []profilegen.Built) {
	p.mu.Lock()
	p.latest, p.offered = slices.Clone(built), true
	w := p.wakeChan()
	p.mu.Unlock()
	select {
	case w <- struct{}{}:
	default:
	}
}

func (p *Publisher) wakeChan() chan struct{} {
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	return p.wake
}

// Start publishes every offer from a goroutine until Stop.
func (p *Publisher) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	p.mu.Lock()
	w := p.wakeChan()
	p.stop, p.done = cancel, make(chan struct{})
	p.mu.Unlock()
	go p.loop(ctx, w)
}

// Stop ends the goroutine, then publishes the latest offer once more if
// it is not published yet, for at most timeout (the watch's last flush).
func (p *Publisher) Stop(timeout time.Duration) error {
	if p.stop != nil {
		p.stop()
		<-p.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.Sync(ctx)
}

func (p *Publisher) loop(ctx context.Context, wake chan struct{}) {
	defer close(p.done)
	minP, maxP := p.pauses()
	var pause time.Duration
	var again <-chan time.Time
	for {
		if again == nil {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
		} else { // failing: offers wait for the pause
			select {
			case <-ctx.Done():
				return
			case <-again:
			}
		}
		again = nil
		if err := p.Sync(ctx); err != nil && ctx.Err() == nil {
			pause = min(max(2*pause, minP), maxP)
			again = time.After(pause)
			p.log().Info("publishing again later", "in", pause)
			continue
		}
		pause = 0
	}
}

func (p *Publisher) pauses() (time.Duration, time.Duration) {
	minP, maxP := p.MinPause, p.MaxPause
	if minP <= 0 {
		minP = time.Second
	}
	if maxP < minP {
		maxP = max(minP, time.Minute)
	}
	return minP, maxP
}

func (p *Publisher) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// Sync publishes the latest offer now: every partial whose content
// changed since it was last published. It returns the first failure.
func (p *Publisher) Sync(ctx context.Context) error {
	p.mu.Lock()
	built, offered := p.latest, p.offered
	p.mu.Unlock()
	if !offered {
		return nil
	}
	err := p.seed(ctx)
	var partials []Partial
	if err == nil {
		partials, err = p.partials(ctx, built)
	}
	if err != nil {
		p.failed(Classify(err), "", err)
		return err
	}
	var first error
	pending := 0
	for i, part := range partials {
		obj, err := part.Object()
		if err == nil && p.isPublished(obj) {
			continue
		}
		if err == nil {
			err = p.upsert(ctx, obj)
		}
		if err != nil {
			pending++
			p.failed(Classify(err), part.Name(), err)
			if first == nil {
				first = err
			}
			if c := Classify(err); c == ResultUnreachable || c == ResultCRDMissing || c == ResultForbidden {
				pending += len(partials) - i - 1 // the rest would fail alike: not tried now
				break
			}
			continue
		}
		p.succeeded(obj, part)
	}
	p.mu.Lock()
	p.st.pending = pending
	if first == nil {
		if p.st.failing != "" {
			p.log().Info("publishing caught up: every partial is up to date", "partials", len(partials), "after", p.st.failing)
		}
		p.st.failing, p.st.lastOK = "", time.Now()
	}
	p.mu.Unlock()
	return first
}

// seed reads this node's partials once, before the first publish, and
// tells the resolver which workload each pod they hold is of: a pod the
// API server no longer has (a Job's, or any pod deleted while the watch
// restarted) stays in its workload's partial, which never shrinks. An
// RBAC denial or a missing CRD is logged, and publishing goes on without.
func (p *Publisher) seed(ctx context.Context) error {
	p.mu.Lock()
	done := p.seeded
	p.mu.Unlock()
	if done {
		return nil
	}
	sel := labels.Set{PartialLabel: "true", NodeLabel: LabelValue(p.Node), ManagedByLabel: ManagedBy}.String()
	list, err := p.Profiles.List(ctx, metav1.ListOptions{LabelSelector: sel})
	switch {
	case apierrors.IsForbidden(err), apierrors.IsNotFound(err):
		p.log().Warn("cannot list this node's partials: the pods they hold that are gone from the API server will be left out of them",
			"err", err)
	case err != nil:
		return fmt.Errorf("list this node's partials: %w", err)
	default:
		n := 0
		for i := range list.Items {
			part, err := ParsePartial(&list.Items[i])
			if err != nil || part.Node != p.Node {
				continue
			}
			for _, pod := range part.Pods {
				p.Resolver.Known(part.Workload.Namespace, pod, part.Workload)
				n++
			}
		}
		p.log().Info("read this node's partials", "partials", len(list.Items), "pods", n)
	}
	p.mu.Lock()
	p.seeded = true
	p.mu.Unlock()
	return nil
}

// group is a workload's container on this node.
type group struct {
	w         Workload
	container string
}

// partials makes this node's partials of built: the groups of containers
// of pods, by workload and container. A pod the API server no longer has
// is logged once and left out (its profile stays in the output dir).
func (p *Publisher) partials(ctx context.Context, built []profilegen.Built) ([]Partial, error) {
	pods := map[group][]string{}
	profiles := map[group][]*specs.LinuxSeccomp{}
	for _, b := range built {
		n, ok := p.namesOf(b)
		if !ok {
			continue
		}
		w, err := p.Resolver.Resolve(ctx, n.Namespace, n.Pod, n.PodUID)
		if Classify(err) == ResultUnresolved {
			p.skip(n, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		g := group{w, n.Container}
		pods[g] = append(pods[g], n.Pod)
		profiles[g] = append(profiles[g], b.Profile)
	}
	keys := slices.SortedFunc(maps.Keys(pods), func(a, b group) int {
		return strings.Compare(a.w.String()+"\x00"+a.container, b.w.String()+"\x00"+b.container)
	})
	out := make([]Partial, 0, len(keys))
	for _, g := range keys {
		part, err := NewPartial(g.w, g.container, p.Node, pods[g], profiles[g])
		if err != nil {
			return nil, err
		}
		out = append(out, part)
	}
	return out, nil
}

// namesOf returns the container names of a built profile: those of its
// first source group the names are known of, else those its name holds
// ("<namespace>_<pod>_<container>", a profile resumed from the output
// dir). The host's and unattributed records, pod sandboxes and groups
// of no container have none.
func (p *Publisher) namesOf(b profilegen.Built) (containers.Names, bool) {
	if p.Names != nil {
		for _, g := range b.SourceGroups() {
			if n, ok := p.Names(g); ok && validNames(n) {
				return n, true
			}
		}
	}
	parts := strings.Split(b.Group, "_")
	if len(parts) != 3 {
		return containers.Names{}, false
	}
	n := containers.Names{Namespace: parts[0], Pod: parts[1], Container: parts[2]}
	return n, validNames(n)
}

// validNames reports whether n names a container of a pod with names the
// API server would accept (a CRI runtime's answer is not trusted).
func validNames(n containers.Names) bool {
	return n.Container != containers.SandboxName && len(n.Namespace) <= 63 && dnsLabel.MatchString(n.Namespace) &&
		len(n.Container) <= 63 && dnsLabel.MatchString(n.Container) && len(n.Pod) <= 253 && dnsSubdomain.MatchString(n.Pod)
}

// skip logs, once per pod, that a pod's workload cannot be told.
func (p *Publisher) skip(n containers.Names, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := n.Namespace + "/" + n.Pod + "/" + n.PodUID
	if p.skipped[key] {
		return
	}
	if p.skipped == nil || len(p.skipped) >= maxResolved {
		p.skipped = map[string]bool{}
	}
	p.skipped[key] = true
	p.count(ResultUnresolved)
	p.log().Warn("not published: "+hints[ResultUnresolved]+"; its profile stays in the output dir",
		"namespace", n.Namespace, "pod", n.Pod, "container", n.Container, "err", err)
}

func (p *Publisher) isPublished(obj *unstructured.Unstructured) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	last, ok := p.published[obj.GetName()]
	return ok && last.hash == contentHash(obj) && p.clock().Sub(last.at) < recheckAfter
}

func (p *Publisher) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

func (p *Publisher) succeeded(obj *unstructured.Unstructured, part Partial) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.published == nil {
		p.published = map[string]lastPublish{}
	}
	p.published[obj.GetName()] = lastPublish{contentHash(obj), p.clock()}
	p.count(ResultOK)
	p.log().Info("partial published", "name", obj.GetName(), "workload", part.Workload.String(),
		"container", part.Container, "pods", len(part.Pods), "calls", len(part.Coverage.Syscalls))
}

// failed counts and logs a failure, with what to do about it.
func (p *Publisher) failed(cause, name string, err error) {
	if errors.Is(err, context.Canceled) {
		return // stopping
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count(cause)
	p.st.failing = cause
	msg := "publishing failed; the profiles stay in the output dir"
	if h := hints[cause]; h != "" {
		msg += ": " + h
	}
	var args []any
	if name != "" {
		args = append(args, "name", name)
	}
	args = append(args, "cause", cause, "err", err)
	p.log().Error(msg, args...)
}

// count counts a result; p.mu is held.
func (p *Publisher) count(result string) {
	if p.st.results == nil {
		p.st.results = map[string]uint64{}
	}
	p.st.results[result]++
}
