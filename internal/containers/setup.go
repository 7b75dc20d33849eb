package containers

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
)

// Options are the command line's container flags.
type Options struct {
	Container   string // --container: an ID or its first hex digits
	Pod         string // --pod: a pod's name or UID
	Namespace   string // --namespace
	CRIEndpoint string // --cri-endpoint: "auto" (probe), "none", or an endpoint
	PIDMap      string // --pid-map: replay reads it, watch writes it
	Live        bool   // the records' processes may still run (watch, record), else replay
	// Events is --process-events: "auto" (or ""): follow the kernel's
	// process events where the eBPF program loads, else read /proc alone,
	// with a warning; "on": fail where it does not load; "off": /proc alone.
	Events string
	// NoRuntimeBase is --no-runtime-base: profiles of containers get no
	// runtime base.
	NoRuntimeBase bool
	Log           *slog.Logger
}

// ErrUsage: a bad combination of flags. errors.Is(err, ErrUsage) tells
// them; their text does not name it.
var ErrUsage = errors.New("usage")

// usage marks err as a usage error.
type usage struct{ error }

func (u usage) Is(target error) bool { return target == ErrUsage }
func (u usage) Unwrap() error        { return u.error }

// ErrReplay: replay cannot attribute records to containers without a pid
// map: the processes that made them are gone.
var ErrReplay = errors.New("replay cannot know a line's container: the processes that made the records are gone and a log line holds only a pid; " +
	"capture with 'recorder watch --tee LOG --pid-map MAP' and replay LOG with --pid-map MAP, or record live with 'recorder watch --group-by container'")

// Setup is what Configure added to a pipeline. Close it when done.
type Setup struct {
	Attributor *Attributor // live, when records are attributed
	Namer      *Namer      // the Finisher, when grouping by container or pod
	resolver   *Resolver
	pidmap     *PIDMapWriter
	tracker    *Tracker
	log        *slog.Logger
}

// Observe is Attributor.Observe, or nothing when records are not
// attributed: for record's collector, which looks the processes up as the
// records come.
func (s *Setup) Observe(r *audit.Record) {
	if s != nil && s.Attributor != nil {
		s.Attributor.Observe(r)
	}
}

// Settle waits a little for the names still being looked up, before the
// last profiles are written.
func (s *Setup) Settle() {
	if s != nil && s.Namer != nil {
		s.Namer.Settle()
	}
}

// Close stops the resolver and closes the pid map.
func (s *Setup) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.resolver != nil {
		errs = append(errs, s.resolver.Close())
	}
	if s.tracker != nil {
		s.report()
		errs = append(errs, s.tracker.Close())
	}
	if s.pidmap != nil {
		errs = append(errs, s.pidmap.Close())
	}
	return errors.Join(errs...)
}

// Configure adds to cfg what the container flags ask for: the enricher
// that attributes records (live: from /proc; replay: from a pid map), the
// --container filter, and for the container and pod groupings the Namer
// with its CRI resolver. It returns nil when no flag asks for containers.
// A bad combination is an error wrapping ErrUsage.
func Configure(cfg *pipeline.Config, o Options) (*Setup, error) {
	byContainer := cfg.GroupBy == GroupContainer || cfg.GroupBy == GroupPod
	if !byContainer && o.Container == "" && o.Pod == "" && o.Namespace == "" && o.PIDMap == "" {
		return nil, nil
	}
	if (o.Pod != "" || o.Namespace != "") && !byContainer {
		return nil, usage{errors.New("--pod and --namespace select the profiles of containers or pods: use --group-by container or pod")}
	}
	if o.Container != "" && (len(o.Container) > 64 || !hexDigits(o.Container)) {
		return nil, usage{fmt.Errorf("--container %q: want a container ID or its first hex digits", o.Container)}
	}
	if !o.Live && o.PIDMap == "" {
		return nil, usage{ErrReplay}
	}
	if o.Events != "" && o.Events != "auto" && o.Events != "on" && o.Events != "off" {
		return nil, usage{fmt.Errorf("--process-events %q: want auto, on or off", o.Events)}
	}
	s := &Setup{log: o.Log}
	var runtimes *Runtimes
	if byContainer && !o.NoRuntimeBase {
		runtimes = &Runtimes{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var static map[string]Names
	if o.Live {
		s.Attributor = &Attributor{Runtimes: runtimes}
		cfg.Enrichers = append(cfg.Enrichers, s.Attributor)
		if err := s.follow(o.Events); err != nil {
			return nil, err
		}
		if o.PIDMap != "" {
			w, err := CreatePIDMap(o.PIDMap)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.pidmap = w
			s.Attributor.OnProcess = w.AddProcess
			s.Attributor.OnUnknown = w.AddUnknown
		}
	} else {
		m, err := ReadPIDMapFile(o.PIDMap)
		if err != nil {
			return nil, fmt.Errorf("--pid-map: %w", err)
		}
		static = m.Names()
		m.Runtimes = runtimes
		cfg.Enrichers = append(cfg.Enrichers, m)
	}
	if o.Container != "" {
		f := &pipeline.Filter{}
		if cfg.Filter != nil {
			f = cfg.Filter
		}
		f.Attrs = append(f.Attrs, pipeline.AttrMatch{Key: AttrContainer, Prefix: o.Container})
		cfg.Filter = f
	}
	if !byContainer {
		return s, nil
	}
	s.Namer = &Namer{Static: static, Pod: o.Pod, Namespace: o.Namespace, Runtimes: runtimes}
	cfg.Finish = s.Namer
	if o.Live {
		endpoint := o.CRIEndpoint
		if endpoint == "auto" {
			endpoint = ProbeEndpoint()
		}
		if endpoint != "" && endpoint != "none" {
			r, err := NewResolver(endpoint, o.Log)
			if err != nil {
				s.Close()
				return nil, err
			}
			if s.pidmap != nil {
				r.OnNames = s.pidmap.AddNames
			}
			s.resolver, s.Namer.Names, s.Attributor.Names = r, r, r
		}
	}
	return s, nil
}

func hexDigits(s string) bool {
	return s != "" && !slices.ContainsFunc([]byte(s), func(c byte) bool { return !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') })
}
