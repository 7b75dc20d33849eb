package containers

import (
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/pipeline"
)

// Flags are the container flags of replay, watch and record.
type Flags struct {
	Container, Pod, Namespace string
	CRIEndpoint, PIDMap       string
	Events                    string
	NoRuntimeBase             bool
}

// Register adds the flags to fs.
func (f *Flags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&f.Container, "container", "", "keep only records of the container whose ID starts with `HEX`")
	fs.StringVar(&f.Pod, "pod", "", "with --group-by container|pod, write only the profiles of pod `NAME` (or UID)")
	fs.StringVar(&f.Namespace, "namespace", "", "with --group-by container|pod, write only the profiles of pods in namespace `NS`")
	fs.StringVar(&f.CRIEndpoint, "cri-endpoint", "auto", "the CRI runtime `ENDPOINT` that names containers (namespace_pod_container): auto (containerd's or CRI-O's socket, if there), none, or unix:///PATH")
	fs.StringVar(&f.Events, "process-events", "auto", "watch, record: learn each process's container as it starts, from the kernel's process events (eBPF; needs CAP_BPF and CAP_PERFMON), `MODE`: auto (where it loads, else /proc alone), on or off")
	fs.BoolVar(&f.NoRuntimeBase, "no-runtime-base", false, "with --group-by container|pod, do not add to a container's profile the calls its runtime's init can make after loading the filter (runc, crun: told by the records), which one recording sees only some of")
	fs.StringVar(&f.PIDMap, "pid-map", "", "pid map `FILE`: watch writes the container of each process it looks up; replay attributes records with it")
}

// Configure is Configure with the flags' options; live is false for
// replay.
func (f *Flags) Configure(cfg *pipeline.Config, live bool, log *slog.Logger) (*Setup, error) {
	return Configure(cfg, Options{Container: f.Container, Pod: f.Pod, Namespace: f.Namespace,
		CRIEndpoint: f.CRIEndpoint, PIDMap: f.PIDMap, Events: f.Events, NoRuntimeBase: f.NoRuntimeBase, Live: live, Log: log})
}
