package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/containers"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/profiletool"
)

// profileFlags are the flags that choose records and shape profiles, shared
// by replay, watch and record.
type profileFlags struct {
	groupBy     string
	exe, comm   string
	pid         int32
	uid, auid   string
	base        string
	merge       []string
	companions  bool
	allowDenied bool
	maxGroups   uint
	maxProfile  int64
	noENOSYS    bool
	explain     string
	ctr         containers.Flags
}

// register registers the flags of command (replay, watch or record): the
// container flags only where they mean something (ctrFlags).
func (p *profileFlags) register(fs *pflag.FlagSet, command string) {
	fs.StringVarP(&p.groupBy, "group-by", "g", "exe", "group records into profiles by `KEY`: exe (the executable's path, else comm), exe-name (its base name), comm, pid, none, container or pod")
	fs.StringVar(&p.exe, "exe", "", "keep only records whose executable path matches `REGEXP`")
	fs.StringVar(&p.comm, "comm", "", "keep only records whose comm matches `REGEXP`")
	fs.Int32Var(&p.pid, "pid", 0, "keep only records of process `N`")
	fs.StringVar(&p.uid, "uid", "", "keep only records of processes whose user is `UID` (uid=; any user can widen a host group)")
	fs.StringVar(&p.auid, "auid", "", "keep only records whose login user is `AUID` (auid=; unset: no login session)")
	fs.StringVar(&p.base, "base", "minimal", "the syscalls always allowed, `SET`: minimal, runc, crun, none, or a FILE (the names an OCI profile allows)")
	fs.StringArrayVar(&p.merge, "merge", nil, "add the syscalls the profile `FILE` allows to every profile written (repeatable; e.g. an earlier recording)")
	fs.BoolVar(&p.companions, "companion-arches", true, "list the usual companion ABIs too (x86_64 brings x86 and x32)")
	fs.BoolVar(&p.allowDenied, "allow-denied", false, "also allow syscalls seen only with a denying action (ERRNO, KILL, TRAP)")
	fs.UintVar(&p.maxGroups, "max-groups", uint(profilegen.DefaultLimits.Groups), "keep at most `N` groups; the records of others go to one overflow profile, counted (0: no limit)")
	fs.Int64Var(&p.maxProfile, "max-profile-size", profilegen.DefaultMaxProfileSize, "read profile files (--base, --merge, record's --under) of at most `BYTES`")
	fs.StringVar(&p.explain, "explain", "", "also write `FILE`: for each syscall allowed, its records, first and last time, executables, comms, a serial, startup-only")
	fs.BoolVar(&p.noENOSYS, "no-enosys", false, "leave out the rule that answers clone3, faccessat2, ... (the calls a newer libc tries first) with ENOSYS when the workload did not make them")
	ctr := pflag.NewFlagSet(command, pflag.ContinueOnError)
	p.ctr.Register(ctr)
	ctr.VisitAll(func(f *pflag.Flag) {
		if ctrFlags[command][f.Name] {
			fs.AddFlag(f)
		}
	})
}

// ctrFlags are the container flags each command offers: record runs one
// program in an audit session of its own, and has no pod to choose nor a
// pid map to read.
var ctrFlags = map[string]map[string]bool{
	"replay": {"container": true, "pod": true, "namespace": true, "cri-endpoint": true, "pid-map": true, "no-runtime-base": true},
	"watch": {"container": true, "pod": true, "namespace": true, "cri-endpoint": true, "pid-map": true, "no-runtime-base": true,
		"process-events": true},
	"record": {"container": true, "cri-endpoint": true, "no-runtime-base": true, "process-events": true},
}

// resolve turns the flags into the pipeline's configuration and the build
// options. A bad value is a usage error; a file that cannot be read is not.
func (p *profileFlags) resolve() (pipeline.Config, profilegen.Options, error) {
	var cfg pipeline.Config
	var opt profilegen.Options
	g, err := pipeline.ParseGroupBy(p.groupBy)
	if err != nil {
		return cfg, opt, usage.Errorf("--group-by: %w", err)
	}
	if p.pid < 0 {
		return cfg, opt, usage.Errorf("--pid: %d is not a process id", p.pid)
	}
	f, err := newFilter(pipeline.Select{Exe: p.exe, Comm: p.comm, PID: p.pid, UID: p.uid, AUID: p.auid})
	if err != nil {
		return cfg, opt, err
	}
	base, err := profilegen.LookupBaseLimit(p.base, p.maxProfile)
	if err != nil {
		return cfg, opt, fileFlagError("base", err)
	}
	merge, err := readProfiles(p.merge, p.maxProfile)
	if err != nil {
		return cfg, opt, err
	}
	lim := profilegen.DefaultLimits
	lim.Groups = int(p.maxGroups)
	cfg = pipeline.Config{Filter: f, GroupBy: g, Limits: &lim}
	if p.explain != "" {
		cfg.Explain = pipeline.NewExplain()
	}
	opt = profilegen.Options{Base: base, Companions: p.companions, AllowDenied: p.allowDenied, Merge: merge, Durable: !p.noENOSYS,
		MergeRules: profiletool.MergeAllowed}
	if _, err := profiletool.MergeAllowed(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, merge); err != nil {
		return cfg, opt, fmt.Errorf("--merge: %w", err) // before any workload runs or input is read
	}
	return cfg, opt, nil
}

// containers adds the container stages to cfg (internal/containers);
// live is false for replay.
func (p *profileFlags) containers(cfg *pipeline.Config, live bool, log *slog.Logger) (*containers.Setup, error) {
	s, err := p.ctr.Configure(cfg, live, log)
	var oe *containers.OptionError
	switch {
	case errors.Is(err, containers.ErrReplay):
		return nil, usage.Errorf("%w; capture with 'recorder watch --tee LOG --pid-map MAP' and replay LOG with --pid-map MAP, or record live with 'recorder watch --group-by container'", err)
	case errors.Is(err, containers.ErrNotGrouped):
		return nil, usage.Errorf("--pod and --namespace select the profiles of containers or pods: use --group-by container or pod")
	case errors.As(err, &oe):
		return nil, fmt.Errorf("%s%w", containerFlags[oe.Option], oe.Err)
	}
	return s, err
}

// containerFlags are the flags of containers.Options' fields, as an
// error's text starts.
var containerFlags = map[string]string{"Container": "--container ", "Pod": "--pod ", "Events": "--process-events ", "PIDMap": "--pid-map: "}

// selectFlags are the flags of pipeline.Select's fields.
var selectFlags = map[string]string{"Exe": "--exe", "Comm": "--comm", "UID": "--uid", "AUID": "--auid"}

// newFilter is pipeline.NewFilter, its error worded with the flag of the
// value it could not take.
func newFilter(s pipeline.Select) (*pipeline.Filter, error) {
	f, err := pipeline.NewFilter(s)
	var se *pipeline.SelectError
	if errors.As(err, &se) {
		return nil, usage.Errorf("%s: %w", selectFlags[se.Field], se.Err)
	}
	return f, err
}

// fileFlagError wraps the error of a flag naming a file: a file that cannot
// be read is an input error, anything else a usage error.
func fileFlagError(flag string, err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return fmt.Errorf("--%s: %w", flag, err)
	}
	return usage.Errorf("--%s: %w", flag, err)
}

// readProfiles reads the --merge profiles (OCI JSON or SPO YAML).
func readProfiles(paths []string, max int64) ([]*specs.LinuxSeccomp, error) {
	var out []*specs.LinuxSeccomp
	for _, path := range paths {
		p, err := profilegen.ReadFileLimit(path, max)
		if err != nil {
			return nil, fmt.Errorf("--merge: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}
