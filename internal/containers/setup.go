package containers

import (
	"errors"
	"log/slog"
	"slices"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/usage"
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

// OptionError is an Options value that Configure cannot take, or whose
// use failed: Option names the field ("Container", "Pod", "Events",
// "PIDMap"), and the command words it with its flag. A value the user got
// wrong wraps a usage.Error.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// ErrNotGrouped: Options.Pod or Namespace without a container or pod
// grouping (an OptionError of Pod).
var ErrNotGrouped = errors.New("selects the profiles of containers or pods: group by container or pod")

// ErrReplay: replay cannot attribute records to containers without a pid
// map (Options.PIDMap): the processes that made them are gone.
var ErrReplay = errors.New("replay cannot know a line's container: the processes that made the records are gone and a log line holds only a pid")

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
// A bad value or combination is a usage.Error (in an *OptionError, but
// ErrReplay).
func Configure(cfg *pipeline.Config, o Options) (*Setup, error) {
	byContainer := cfg.GroupBy == GroupContainer || cfg.GroupBy == GroupPod
	if !byContainer && o.Container == "" && o.Pod == "" && o.Namespace == "" && o.PIDMap == "" {
		return nil, nil
	}
	if (o.Pod != "" || o.Namespace != "") && !byContainer {
		return nil, &OptionError{"Pod", usage.Wrap(ErrNotGrouped)}
	}
	if o.Container != "" && (len(o.Container) > 64 || !hexDigits(o.Container)) {
		return nil, &OptionError{"Container", usage.Errorf("%q: want a container ID or its first hex digits", o.Container)}
	}
	if !o.Live && o.PIDMap == "" {
		return nil, usage.Wrap(ErrReplay)
	}
	if o.Events != "" && o.Events != "auto" && o.Events != "on" && o.Events != "off" {
		return nil, &OptionError{"Events", usage.Errorf("%q: want auto, on or off", o.Events)}
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
			return nil, &OptionError{"PIDMap", err}
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
