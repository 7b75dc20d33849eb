package main

import (
	"errors"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/pipeline"
)

// containerFlags choose records and name profiles by container and pod
// (package internal/containers does the work).
type containerFlags struct {
	container, pod, namespace string
	criEndpoint, pidMap       string
}

func (c *containerFlags) register(fs *pflag.FlagSet, pidMapHelp string) {
	fs.StringVar(&c.container, "container", "", "keep only records of the container whose ID starts with `HEX`")
	fs.StringVar(&c.pod, "pod", "", "with --group-by container|pod, write only the profiles of pod `NAME` (or UID)")
	fs.StringVar(&c.namespace, "namespace", "", "with --group-by container|pod, write only the profiles of pods in namespace `NS`")
	fs.StringVar(&c.criEndpoint, "cri-endpoint", "auto", "CRI runtime that names containers `<namespace>_<pod>_<container>`: auto (containerd's or CRI-O's socket, if there), none, or unix:///PATH")
	fs.StringVar(&c.pidMap, "pid-map", "", pidMapHelp)
}

// configure adds the container stages to cfg; live is false for replay.
func (c *containerFlags) configure(cfg *pipeline.Config, live bool, log *slog.Logger) (*containers.Setup, error) {
	s, err := containers.Configure(cfg, containers.Options{Container: c.container, Pod: c.pod, Namespace: c.namespace,
		CRIEndpoint: c.criEndpoint, PIDMap: c.pidMap, Live: live, Log: log})
	if errors.Is(err, containers.ErrUsage) {
		return nil, usageError{err}
	}
	return s, err
}
