package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/kube"
	"github.com/recorder-dev/recorder/internal/usage"
)

// publishFlags are watch's flags for publishing partial SeccompProfiles.
type publishFlags struct {
	on         bool
	kubeconfig string
	node       string
	pub        *kube.Publisher
}

func (f *publishFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.on, "publish", false, "publish one partial SeccompProfile per workload, container and node at every flush (needs --group-by container; the pod's service account unless --kubeconfig)")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "with --publish: the kubeconfig `FILE` to reach the API server with (default: in-cluster)")
	fs.StringVar(&f.node, "node-name", "", "with --publish: this node's `NAME` (default: $NODE_NAME, from the downward API)")
}

// setup makes the publisher and hooks it to the watch's flushes and
// metrics.
func (f *publishFlags) setup(cfg *watchConfig) error {
	if !f.on {
		if f.kubeconfig != "" {
			return usagef("--kubeconfig needs --publish")
		}
		return nil
	}
	if cfg.ctrs == nil || cfg.ctrs.Namer == nil || cfg.Pipeline.GroupBy != containers.GroupContainer {
		return usagef("--publish needs --group-by container")
	}
	if f.node == "" {
		f.node = os.Getenv("NODE_NAME")
	}
	if f.node == "" {
		return usagef("--publish needs --node-name or $NODE_NAME (spec.nodeName through the downward API)")
	}
	rc, err := kube.RESTConfig(f.kubeconfig, true)
	if err != nil {
		return err
	}
	c, err := kube.NewClients(rc)
	if err != nil {
		return err
	}
	f.pub = &kube.Publisher{Node: f.node, Profiles: c.Profiles, Resolver: &kube.Resolver{Client: c.Metadata},
		Names: cfg.ctrs.Namer.Lookup, Log: cfg.Logger.With("publish", f.node)}
	cfg.Flushed = f.pub.Offer
	cfg.Collectors = append(cfg.Collectors, f.pub)
	return nil
}

// usagef is the usage error (exit status 2) of watch's publishing and of
// pull.
func usagef(format string, a ...any) error { return usage.Errorf(format, a...) }

// start publishes from a goroutine; the stop it returns publishes the
// last flush's profiles once more, for at most a few seconds.
func (f *publishFlags) start(ctx context.Context, log *slog.Logger) (stop func()) {
	if f.pub == nil {
		return func() {}
	}
	f.pub.Start(context.WithoutCancel(ctx))
	return func() {
		if err := f.pub.Stop(10 * time.Second); err != nil {
			log.Error("last publish failed; the profiles are in the output dir, and the next start publishes them", "err", err)
		}
	}
}
