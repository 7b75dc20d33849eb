package profiletool

import (
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
)

// FlagLog is the OCI flag that makes the kernel log ERRNO, TRAP and TRACE
// too (SECCOMP_FILTER_FLAG_LOG).
const FlagLog specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_LOG"

// RecordingProfile returns the profile to record a workload under on a host
// of the ABI a. The kernel logs every call it lets through with
// SCMP_ACT_LOG, and logs denials too (FlagLog), so the records show both.
//
// Safe: without from, what RuntimeDefault(a) allows is logged (its
// conditions kept) and the rest is denied as it denies it, so a workload is
// never less confined while it is recorded than under the runtime's
// default; what it is denied shows in the records as denied.
//
// Quiet: with from (an earlier recording, say), what from allows (its
// SCMP_ACT_ALLOW rules, conditions kept) is allowed without a record, and
// the rest is as above: only what is new is logged. from's other rules are
// left out (its ENOSYS rule among them: the runtime default's own answers
// clone3 with ENOSYS). Its architectures are added.
func RecordingProfile(a audit.Arch, from *specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	rd, err := RuntimeDefault(a)
	if err != nil {
		return nil, err
	}
	p := &specs.LinuxSeccomp{DefaultAction: rd.DefaultAction, DefaultErrnoRet: rd.DefaultErrnoRet,
		Architectures: rd.Architectures, Flags: []specs.LinuxSeccompFlag{FlagLog}}
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
