// Package profiletool is the algebra of seccomp profiles, for the commands
// that take a profile further once it is written: merge, diff, convert,
// lint, check, and the profiles to record under.
//
// Its input is profiles as profilegen.ReadFile reads them, OCI JSON or a
// Security Profiles Operator SeccompProfile, such as
//
//	{
//	  "defaultAction": "SCMP_ACT_ERRNO",
//	  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
//	  "syscalls": [
//	    {"names": ["accept4", "execve", "exit", "exit_group", "futex", "read"], "action": "SCMP_ACT_ALLOW"},
//	    {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
//	    {"names": ["clone3", "faccessat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
//	  ]
//	}
//
// and, for check, the calls a pipeline of records saw (profilegen.Set).
//
// A profile means what libseccomp makes of it, as runc and crun load it:
// the names of a rule are resolved on each architecture of the profile (a
// name an ABI lacks is skipped there); for one call, the first rule without
// argument conditions decides, and conditional rules count only when no
// such rule names the call (libseccomp 2.5 merges them so; an
// unconditional rule overrides the conditional ones, whatever their
// order); a call no rule names gets the default action. Evaluate tells
// what a profile does with one call of one ABI; everything else is built
// on it:
//
//   - Merge: the union of profiles (what any of them allows), rules with
//     conditions or other actions kept; profiles whose default actions
//     differ cannot be merged without changing what one of them means
//     (ErrIncompatible), nor can two different denying rules for one call.
//   - Diff: what one profile allows that the other does not, per action
//     and architecture.
//   - Convert, SystemdUnit: between OCI, SPO and the SystemCallFilter= lines of a
//     systemd unit.
//   - Lint: findings with a severity.
//   - Check: the calls a profile would deny, from records. Records hold no
//     arguments, so a call that conditional rules decide is reported as
//     "may deny", apart from the calls that would be denied.
//   - RuntimeDefault and RecordingProfile: Docker's default profile
//     (embedded, see runtimedefault/README.md), as the plain OCI profile a
//     container gets on one ABI, and the safe and quiet profiles to record
//     under.
//
// Everything is pure but the commands on files (files.go: MergeFiles,
// DiffFiles, ConvertFile, LintFiles, CheckLogs, ProfileFile), which read
// profiles and logs and write whole files.
package profiletool
