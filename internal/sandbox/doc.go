// Package sandbox puts a child process under a seccomp filter built from an
// OCI (runtime-spec linux.seccomp) profile, the way runc does.
//
// It accepts the profiles Kubernetes loads from /var/lib/kubelet/seccomp/:
//
//	{
//	    "defaultAction": "SCMP_ACT_ERRNO",
//	    "defaultErrnoRet": 1,
//	    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
//	    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
//	    "syscalls": [
//	        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
//	        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
//	         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
//	    ]
//	}
//
// New translates a profile to a libseccomp filter. Command starts a program
// under one: the recorder re-executes itself as a helper (HelperArg), which
// resolves the program's path, takes a fresh audit session (so that every
// record of the program's process tree carries one ses= value no other
// process has), loads the filter on its own thread only and execs the
// program with a raw execve. From the load to the exec that thread makes no
// other call, and the helper's other threads are never filtered: the one
// record of the helper is the program's execve. Before the load, the helper
// runs the compiled filter over that execve: when the profile would fail it
// (the tutorial's violation.json), the program cannot start under it, and
// the helper says so instead of loading a filter under which it could not
// even report or exit.
//
// Filters are built by libseccomp through cgo: only the files that use it
// (filter_linux.go) need cgo. A build without cgo, or for another system,
// still compiles; there New, Check and Cmd.Start return ErrNotSupported.
package sandbox
