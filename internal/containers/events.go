package containers

import (
	"errors"
	"fmt"
)

// follow starts following the kernel's process events for the Attributor,
// as --process-events asks.
func (s *Setup) follow(mode string) error {
	if mode == "off" {
		return nil
	}
	t, err := OpenTracker()
	switch {
	case err == nil:
		s.tracker, s.Attributor.Events = t, t
		return nil
	case mode == "on":
		return &OptionError{"Events", fmt.Errorf("on: %w", err)}
	}
	remedy := "give the recorder CAP_BPF and CAP_PERFMON (or run it as root) on a kernel with BTF"
	if errors.Is(err, ErrNoUnified) {
		remedy = "run the containers with the unified (v2) cgroup hierarchy mounted"
	}
	s.log.Warn("process events unavailable: attributing records by /proc alone, so a process that exits before its records are read goes to 'unattributed'",
		"err", err, "remedy", remedy)
	return nil
}

// report logs, at the end, what the process events could not tell: the
// records left unattributed by cause, and the events the kernel dropped.
func (s *Setup) report() {
	st := s.tracker.Stats()
	s.log.Info("process events", "applied", st.Events, "lost", st.Lost, "evicted", st.Evicted, "ambiguous", st.Ambiguous, "bad", st.Bad)
	if st.Lost > 0 {
		s.log.Warn("the kernel dropped process events (the ring buffer was full): records of the processes they were about may be unattributed; run the workload again, with the recorder less loaded",
			"lost", st.Lost)
	}
	if st.Evicted > 0 {
		s.log.Warn("exited processes were forgotten before their grace period ended (the table was full): late records of theirs may be unattributed",
			"evicted", st.Evicted, "bound", MaxExited)
	}
	for cause, n := range s.Attributor.Unknown() {
		s.log.Info("records not attributed", "cause", cause, "records", n)
	}
}

// The causes of records left unattributed, as Attributor.Unknown counts them.
const (
	CauseReused = "pid reused within the record clock's granularity"
	CauseNone   = "no process held the pid then"
	CauseGone   = "exited before it was looked up"
)

func cause(err error) string {
	switch {
	case errors.Is(err, ErrAmbiguous):
		return CauseReused
	case errors.Is(err, errNoHolder):
		return CauseNone
	}
	return CauseGone
}

// errNoHolder: the process events show no process with the pid then.
var errNoHolder = errors.New("no process held it then")
