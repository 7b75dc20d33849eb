package main

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/spf13/pflag"
)

// profileFlags are the flags that choose records and shape profiles, shared
// by replay, watch and record.
type profileFlags struct {
	groupBy     string
	exe, comm   string
	pid         int32
	base        string
	companions  bool
	allowDenied bool
}

func (p *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&p.groupBy, "group-by", "g", "exe", "group records into profiles by `exe|comm|pid|none` (exe: the executable's basename, else comm)")
	fs.StringVar(&p.exe, "exe", "", "keep only records whose executable path matches `REGEXP`")
	fs.StringVar(&p.comm, "comm", "", "keep only records whose comm matches `REGEXP`")
	fs.Int32Var(&p.pid, "pid", 0, "keep only records of process `N`")
	fs.StringVar(&p.base, "base", "minimal", "syscalls always allowed: `minimal|runc|crun|none|FILE` (FILE: the names an OCI profile allows)")
	fs.BoolVar(&p.companions, "companion-arches", true, "list the usual companion ABIs too (x86_64 brings x86 and x32)")
	fs.BoolVar(&p.allowDenied, "allow-denied", false, "also allow syscalls seen only with a denying action (ERRNO, KILL, TRAP)")
}

// resolve turns the flags into the grouping, filter and build options; its
// errors are usage errors.
func (p *profileFlags) resolve() (profilegen.GroupBy, *profilegen.Filter, profilegen.Options, error) {
	var opt profilegen.Options
	g, err := profilegen.ParseGroupBy(p.groupBy)
	if err != nil {
		return g, nil, opt, usageError{fmt.Errorf("--group-by: %w", err)}
	}
	f := &profilegen.Filter{PID: p.pid}
	if p.pid < 0 {
		return g, nil, opt, usageError{fmt.Errorf("--pid: %d is not a process id", p.pid)}
	}
	if f.Exe, err = compileFlag("exe", p.exe); err != nil {
		return g, nil, opt, err
	}
	if f.Comm, err = compileFlag("comm", p.comm); err != nil {
		return g, nil, opt, err
	}
	base, err := profilegen.LookupBase(p.base)
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr): // a FILE that cannot be read: an input error
		return g, nil, opt, fmt.Errorf("--base: %w", err)
	case err != nil:
		return g, nil, opt, usageError{fmt.Errorf("--base: %w", err)}
	}
	opt = profilegen.Options{Base: base, Companions: p.companions, AllowDenied: p.allowDenied}
	return g, f, opt, nil
}

func compileFlag(name, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--%s: %w", name, err)}
	}
	return re, nil
}
