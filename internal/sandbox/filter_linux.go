//go:build linux && cgo

package sandbox

import (
	"fmt"
	"io"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/syscalls"
)

// filterSupported: this build has libseccomp, and can build and load
// filters.
const filterSupported = true

// Filter is a profile translated to a libseccomp filter.
type Filter struct {
	f     *seccomp.ScmpFilter
	flags uint // seccomp(2) flags Load passes: SECCOMP_FILTER_FLAG_*

	// Unknown lists the syscall names libseccomp does not know: they are
	// skipped, as runc skips them.
	Unknown []string
}

// New translates an OCI profile to a filter. The caller must Release it.
func New(p *specs.LinuxSeccomp, opt Options) (*Filter, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: no profile", ErrInvalid)
	}
	if p.ListenerPath != "" {
		return nil, fmt.Errorf("listenerPath %q: %w (no seccomp notify agent)", p.ListenerPath, ErrUnsupported)
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("new filter: %w", err)
	}
	flt := &Filter{f: f}
	if err := flt.build(p, def, opt); err != nil {
		f.Release()
		return nil, err
	}
	return flt, nil
}

func (flt *Filter) build(p *specs.LinuxSeccomp, def seccomp.ScmpAction, opt Options) error {
	for _, a := range p.Architectures {
		arch, err := Arch(string(a))
		if err != nil {
			return err
		}
		if err := flt.f.AddArch(arch); err != nil {
			return fmt.Errorf("add arch %s: %w", a, err)
		}
	}
	flags, err := loadFlags(p.Flags, opt)
	if err != nil {
		return err
	}
	flt.flags = flags
	for i, sc := range p.Syscalls {
		if err := flt.addSyscall(sc, def); err != nil {
			return fmt.Errorf("syscalls[%d]: %w", i, err)
		}
	}
	return nil
}

// Arch converts an OCI architecture name such as "SCMP_ARCH_X86_64", by
// the table of ABIs (syscalls.Arch) and libseccomp's name for it.
func Arch(oci string) (seccomp.ScmpArch, error) {
	if !strings.HasPrefix(oci, "SCMP_ARCH_") {
		return seccomp.ArchInvalid, fmt.Errorf("%w: architecture %q", ErrInvalid, oci)
	}
	a, ok := syscalls.ArchByOCI(oci)
	if !ok {
		return seccomp.ArchInvalid, fmt.Errorf("architecture %q: %w", oci, ErrUnsupported)
	}
	arch, err := seccomp.GetArchFromString(a.Name)
	if err != nil {
		return seccomp.ArchInvalid, fmt.Errorf("architecture %q: %w: %w", oci, ErrUnsupported, err)
	}
	return arch, nil
}

// loadFlags returns the seccomp(2) flags of a profile's flags (and of
// opt.Log). TSYNC is accepted and left out: Load filters one thread, the
// one that execs the program.
func loadFlags(flags []specs.LinuxSeccompFlag, opt Options) (uint, error) {
	var out uint
	if opt.Log {
		out |= unix.SECCOMP_FILTER_FLAG_LOG
	}
	for _, fl := range flags {
		switch fl {
		case specs.LinuxSeccompFlagLog:
			out |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			out |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		case "SECCOMP_FILTER_FLAG_TSYNC":
		case specs.LinuxSeccompFlagWaitKillableRecv:
			// Only meaningful with a notify listener, which run refuses.
		default:
			return 0, fmt.Errorf("flag %q: %w", fl, ErrUnsupported)
		}
	}
	return out, nil
}

// action converts an OCI action; errnoRet is the return code of ERRNO
// and TRACE (EPERM when nil, as in runc).
func action(a specs.LinuxSeccompAction, errnoRet *uint) (seccomp.ScmpAction, error) {
	ret := int16(unix.EPERM)
	if errnoRet != nil {
		ret = int16(*errnoRet)
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return seccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return seccomp.ActKillProcess, nil
	case specs.ActTrap:
		return seccomp.ActTrap, nil
	case specs.ActErrno:
		return seccomp.ActErrno.SetReturnCode(ret), nil
	case specs.ActTrace:
		return seccomp.ActTrace.SetReturnCode(ret), nil
	case specs.ActAllow:
		return seccomp.ActAllow, nil
	case specs.ActLog:
		return seccomp.ActLog, nil
	case specs.ActNotify:
		return seccomp.ActInvalid, fmt.Errorf("action %s: %w (no seccomp notify agent)", a, ErrUnsupported)
	}
	return seccomp.ActInvalid, fmt.Errorf("%w: action %q", ErrInvalid, a)
}

var ops = map[specs.LinuxSeccompOperator]seccomp.ScmpCompareOp{
	specs.OpNotEqual:     seccomp.CompareNotEqual,
	specs.OpLessThan:     seccomp.CompareLess,
	specs.OpLessEqual:    seccomp.CompareLessOrEqual,
	specs.OpEqualTo:      seccomp.CompareEqual,
	specs.OpGreaterEqual: seccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  seccomp.CompareGreater,
	specs.OpMaskedEqual:  seccomp.CompareMaskedEqual,
}

func condition(a specs.LinuxSeccompArg) (seccomp.ScmpCondition, error) {
	if a.Index >= maxArgs {
		return seccomp.ScmpCondition{}, fmt.Errorf("%w: argument index %d (max %d)", ErrInvalid, a.Index, maxArgs-1)
	}
	op, ok := ops[a.Op]
	if !ok {
		return seccomp.ScmpCondition{}, fmt.Errorf("%w: operator %q", ErrInvalid, a.Op)
	}
	if op == seccomp.CompareMaskedEqual {
		return seccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
	}
	return seccomp.MakeCondition(a.Index, op, a.Value)
}

// addSyscall adds one syscalls[] entry like runc: rules whose action is
// the default are left out, unknown names are skipped, and conditions on
// the same argument index become separate rules (libseccomp ANDs the
// conditions of one rule and refuses two on one argument).
func (flt *Filter) addSyscall(sc specs.LinuxSyscall, def seccomp.ScmpAction) error {
	act, err := action(sc.Action, sc.ErrnoRet)
	if err != nil {
		return err
	}
	if act == def {
		return nil
	}
	conds, separate, err := conditions(sc.Args)
	if err != nil {
		return err
	}
	for _, name := range sc.Names {
		nr, err := seccomp.GetSyscallFromName(name)
		if err != nil {
			flt.Unknown = append(flt.Unknown, name)
			continue
		}
		if err := flt.addRule(nr, act, conds, separate); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func conditions(args []specs.LinuxSeccompArg) (conds []seccomp.ScmpCondition, separate bool, err error) {
	var seen [maxArgs]bool
	for _, a := range args {
		c, err := condition(a)
		if err != nil {
			return nil, false, err
		}
		separate = separate || seen[a.Index]
		seen[a.Index] = true
		conds = append(conds, c)
	}
	return conds, separate, nil
}

func (flt *Filter) addRule(nr seccomp.ScmpSyscall, act seccomp.ScmpAction, conds []seccomp.ScmpCondition, separate bool) error {
	switch {
	case len(conds) == 0:
		return flt.f.AddRule(nr, act)
	case separate:
		for _, c := range conds {
			if err := flt.f.AddRuleConditional(nr, act, []seccomp.ScmpCondition{c}); err != nil {
				return err
			}
		}
		return nil
	}
	return flt.f.AddRuleConditional(nr, act, conds)
}

// PFC returns libseccomp's pseudo-filter-code text of the filter.
func (flt *Filter) PFC() ([]byte, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	errc := make(chan error, 1)
	go func() {
		errc <- flt.f.ExportPFC(w)
		w.Close()
	}()
	text, rerr := io.ReadAll(r)
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("export pfc: %w", err)
	}
	return text, rerr
}

// exportBPF writes the filter's BPF program, as libseccomp compiles it, to f.
func (flt *Filter) exportBPF(f *os.File) error { return flt.f.ExportBPF(f) }

// Release frees the filter.
func (flt *Filter) Release() { flt.f.Release() }

// Check reports whether p can be applied, and the syscall names in it that
// libseccomp does not know (skipped when it is loaded).
func Check(p *specs.LinuxSeccomp) (unknown []string, err error) {
	f, err := New(p, Options{})
	if err != nil {
		return nil, err
	}
	defer f.Release()
	return f.Unknown, nil
}
