package profiletool

import (
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/syscalls"
)

// FlagLog is the OCI flag that makes the kernel log ERRNO, TRAP and TRACE
// too (SECCOMP_FILTER_FLAG_LOG). Not every runtime loads a profile with
// it: runc accepts seccomp flags from 1.2.0 on, and every runc 1.1.x
// (Debian's 1.1.5, what containerd 1.6 and 1.7 ship) refuses any flag
// ("seccomp flags are not yet supported by runc"); crun honours them from
// 0.9 on.
const FlagLog specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_LOG"

// RecordingProfile returns the profile to record a workload under on a host
// of the ABI a. The kernel logs every call it lets through with
// SCMP_ACT_LOG. It has no flags, so that every runtime loads it; WithLog
// adds FlagLog, which logs its denials too.
//
// Safe: without from, what RuntimeDefault(a) allows is logged (its
// conditions kept) and the rest is denied as it denies it, so a workload is
// never less confined while it is recorded than under the runtime's
// default; what it is denied shows in the records as denied when it has
// FlagLog (WithLog).
//
// Quiet: with from (an earlier recording, say), what from allows (its
// SCMP_ACT_ALLOW rules, conditions kept) is allowed without a record, and
// the rest is as above: only what is new is logged. from's other rules are
// left out (its ENOSYS rule among them: the runtime default's own answers
// clone3 with ENOSYS). Its architectures are added.
func RecordingProfile(a syscalls.Arch, from *specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	rd, err := RuntimeDefault(a)
	if err != nil {
		return nil, err
	}
	p := &specs.LinuxSeccomp{DefaultAction: rd.DefaultAction, DefaultErrnoRet: rd.DefaultErrnoRet,
		Architectures: rd.Architectures}
	allowed := map[string]bool{}
	if from != nil {
		for _, arch := range from.Architectures {
			if !slices.Contains(p.Architectures, arch) {
				p.Architectures = append(p.Architectures, arch)
			}
		}
		var uncond []string
		var cond []specs.LinuxSyscall
		for _, r := range from.Syscalls {
			if r.Action != specs.ActAllow {
				continue
			}
			if len(r.Args) > 0 {
				cond = append(cond, cloneRule(r))
				continue
			}
			for _, n := range r.Names {
				if !allowed[n] {
					allowed[n] = true
					uncond = append(uncond, n)
				}
			}
		}
		if len(uncond) > 0 {
			slices.Sort(uncond)
			p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: uncond, Action: specs.ActAllow})
		}
		p.Syscalls = append(p.Syscalls, cond...)
	}
	for _, r := range rd.Syscalls {
		r = cloneRule(r)
		// A call from allows unconditionally is left out of the runtime
		// default's rules: the first unconditional rule would win, and
		// conditional rules would not count.
		r.Names = slices.DeleteFunc(r.Names, func(n string) bool { return allowed[n] })
		if len(r.Names) == 0 {
			continue
		}
		if r.Action == specs.ActAllow {
			r.Action = specs.ActLog
		}
		p.Syscalls = append(p.Syscalls, r)
	}
	return p, nil
}

func cloneRule(r specs.LinuxSyscall) specs.LinuxSyscall {
	r.Names = slices.Clone(r.Names)
	r.Args = slices.Clone(r.Args)
	return r
}

// WithLog adds FlagLog to p's flags, once: the kernel then logs the calls
// p denies too. Only runtimes that take seccomp flags load the result
// (see FlagLog).
func WithLog(p *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	if !slices.Contains(p.Flags, FlagLog) {
		p.Flags = append(p.Flags, FlagLog)
	}
	return p
}
