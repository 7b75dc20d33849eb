// Package profilegen turns seccomp audit records into seccomp profiles.
//
// Its input is parsed records (audit.Record), such as the kernel's
//
//	audit: type=1326 audit(1594067860.484:14539): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=288 compat=0 ip=0x46fdba code=0x7ffc0000
//
// which a Set counts per group (named by the caller: package pipeline
// groups by the executable's path by default, here "/http-echo") and per
// distinct (arch=, syscall=, action), so that its memory grows with
// distinct calls, not with records; Limits bound the groups and the
// unknown numbers it keeps. Package syscalls turns arch= and syscall= into
// libseccomp's names (c000003e and 288: SCMP_ARCH_X86_64 accept4). Build
// makes the profile of one group, and a Report of what it saw: calls the
// filter denied (ERRNO, KILL_*, ...) and numbers libseccomp cannot name are
// reported, never allowed silently nor dropped. Marshal writes the profile as
// plain OCI JSON, as Kubernetes loads it from /var/lib/kubelet/seccomp/:
//
//	{
//	  "defaultAction": "SCMP_ACT_ERRNO",
//	  "architectures": [
//	    "SCMP_ARCH_X86_64",
//	    "SCMP_ARCH_X86",
//	    "SCMP_ARCH_X32"
//	  ],
//	  "syscalls": [
//	    {
//	      "names": [
//	        "accept4",
//	        "execve",
//	        "exit",
//	        "exit_group"
//	      ],
//	      "action": "SCMP_ACT_ALLOW"
//	    }
//	  ]
//	}
//
// exit and exit_group are always allowed; execve comes from the "minimal"
// Base, the calls a runtime makes after it loads the filter (see LookupBase).
// With Options.Durable (the command's default) a second rule answers the
// calls a newer libc tries first and falls back from on ENOSYS (clone3,
// faccessat2, ...; see Fallbacks and DurableRule) with ENOSYS when the
// profile does not allow them:
//
//	{"names": ["clone3", "faccessat2", ...], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
//
// MarshalSPO writes the same profile as a Security Profiles Operator
// SeccompProfile; FileName and Output put it in a directory safely,
// whatever name a process gave itself and whatever another user planted
// there, through package safefile: a fresh file renamed over the name, in
// a directory no other user can write, reached through no link another
// user controls. Output.Open opens the destination before the work, and
// Write writes through what it opened.
//
// BuildAll builds every group's profile, and Output writes them in a Format
// (OCI JSON, SPO YAML): one file holding their union, or one per group in a
// directory. ReadFile reads a profile of any format.
//
// Everything but the file functions (ReadFile, LookupBase of a path,
// Output.Open and Write) is pure, and nothing needs cgo.
package profilegen
