package profilegen

import (
	"fmt"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// Base is a set of calls every profile gets besides the observed ones: the
// calls a container runtime makes after it loads the filter, which no
// recording of the workload can see.
type Base struct {
	Name  string
	Names []string // sorted, no duplicates
}

// DefaultBase is the name of the base LookupBase returns for "".
const DefaultBase = "minimal"

// minimal is what the exec into the workload and its end need from any
// runtime that loads the filter just before exec (this project's run
// helper, runc, crun):
//   - execve: the runtime's last call, and the first one filtered;
//   - exit, exit_group: without them a process cannot end and spins in its
//     exit path (FACTS.md); the kernel logs them rarely as the last call.
var minimal = []string{"execve", "exit", "exit_group"}

// runc is the base profile of the Security Profiles Operator for runc
// v1.2.3, verbatim: kubernetes-sigs/security-profiles-operator
// examples/baseprofile-runc.yaml at commit d110382b5d66ac2429de87898624f76b3212e1ab
// (metadata.name runc-v1.2.3; x86_64 names).
var runc = []string{
	"arch_prctl", "brk", "capget", "capset", "chdir", "close", "close_range",
	"epoll_ctl", "epoll_pwait", "execve", "exit_group", "faccessat2", "fcntl",
	"fstat", "fstatfs", "futex", "getcwd", "getdents64", "getpid", "getppid",
	"getuid", "mmap", "mprotect", "nanosleep", "newfstatat", "openat", "prctl",
	"read", "recvfrom", "rt_sigreturn", "sched_yield", "set_tid_address",
	"setgid", "setgroups", "setuid", "tgkill", "write",
}

// crun is the base profile of the Security Profiles Operator for crun v1.21,
// verbatim: kubernetes-sigs/security-profiles-operator
// examples/baseprofile-crun.yaml at commit 0683a19040b6568bc85cd4b492230dbaa38bb2c0
// (metadata.name crun-v1.21; x86_64 names).
var crun = []string{
	"access", "arch_prctl", "brk", "capset", "chdir", "chmod", "chown", "close",
	"close_range", "dup2", "execve", "exit_group", "fchdir", "fchown", "fstat",
	"fstatfs", "getcwd", "getegid", "geteuid", "getgid", "getuid", "ioctl",
	"lseek", "mkdirat", "mknodat", "mmap", "mount", "mprotect", "nanosleep",
	"newfstatat", "openat", "openat2", "pivot_root", "prctl", "pselect6",
	"read", "readlink", "rt_sigaction", "rt_sigprocmask", "set_tid_address",
	"setgroups", "sethostname", "setns", "setresgid", "setresuid", "setsid",
	"statfs", "statx", "symlinkat", "umask", "umount2", "unshare", "write",
}

var bases = map[string][]string{"minimal": minimal, "runc": runc, "crun": crun, "none": nil}

// LookupBase returns the base named spec: "minimal" (also for ""), "runc",
// "crun", "none", or else the path of a profile (OCI JSON, or an SPO
// SeccompProfile) whose SCMP_ACT_ALLOW names are taken.
func LookupBase(spec string) (Base, error) {
	if spec == "" {
		spec = DefaultBase
	}
	if names, ok := bases[spec]; ok {
		return Base{Name: spec, Names: slices.Clone(names)}, nil
	}
	p, err := ReadFile(spec)
	if err != nil {
		return Base{}, fmt.Errorf("base profile (minimal, runc, crun, none or a file): %w", err)
	}
	return Base{Name: spec, Names: allowed(p)}, nil
}

// allowed returns the sorted names p's SCMP_ACT_ALLOW rules hold.
func allowed(p *specs.LinuxSeccomp) []string {
	var names []string
	for _, r := range p.Syscalls {
		if r.Action == specs.ActAllow {
			names = append(names, r.Names...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
