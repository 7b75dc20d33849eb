package containers

import (
	"bytes"
	"maps"
	"slices"
	"sync"

	"github.com/recorder-dev/recorder/pipeline"
)

// RuntimeList is the calls one version of a container runtime's init makes
// between loading the container's filter and exec'ing its entrypoint, with
// where the list comes from.
type RuntimeList struct {
	Runtime, Version, Origin string
	Names                    []string // sorted
}

// RuntimeLists are the lists known. A container's profile gets the union
// of its runtime's lists: any version of the runtime may start it, and one
// recording sees only a sample of the calls an init makes asynchronously
// (a Go runtime's signal returns, futex waits, yields and sleeps).
var RuntimeLists = []RuntimeList{
	{
		Runtime: "runc", Version: "1.4.2",
		Origin: "kubernetes-sigs/security-profiles-operator examples/baseprofile-runc.yaml at commit a2e4c4bdf47dc6ce6c4ad3c68ad0d1b0de9f683b (metadata.name runc-v1.4.2; x86_64 names), verbatim",
		Names: []string{"arch_prctl", "brk", "capget", "capset", "chdir", "close", "close_range", "epoll_ctl", "epoll_pwait",
			"execve", "exit_group", "faccessat2", "fcntl", "fstat", "fstatfs", "futex", "getcwd", "getdents64", "getpid",
			"getppid", "getuid", "mmap", "mprotect", "nanosleep", "newfstatat", "openat", "openat2", "prctl", "read",
			"recvfrom", "rt_sigreturn", "sched_yield", "set_tid_address", "setgid", "setgroups", "setuid", "sigaltstack",
			"statx", "tgkill", "write"},
	},
	{
		Runtime: "runc", Version: "1.1.5 (Debian 12)",
		Origin: "measured on the test machine (Debian 12's runc 1.1.5, kernel 6.18, x86_64, 2026-12-04): every call of comm runc:[2:INIT] under the tutorial's audit.json in 100 starts and 100 execs with two busy loops (2,389 records; futex in 72 inits of 200, rt_sigreturn in 3); each is in the 1.4.2 list too",
		Names:  runc115,
	},
	{
		Runtime: "crun", Version: "1.26",
		Origin: "kubernetes-sigs/security-profiles-operator examples/baseprofile-crun.yaml at commit a2e4c4bdf47dc6ce6c4ad3c68ad0d1b0de9f683b (metadata.name crun-v1.26; x86_64 names), verbatim; not checked here: crun 1.8 refuses this machine's hybrid cgroup layout",
		Names: []string{"access", "arch_prctl", "brk", "capset", "chdir", "chmod", "chown", "close", "close_range", "dup2",
			"execve", "exit_group", "fchdir", "fchown", "fstat", "fstatfs", "getcwd", "getegid", "geteuid", "getgid",
			"getuid", "ioctl", "lseek", "mkdirat", "mknodat", "mmap", "mount", "mprotect", "nanosleep", "newfstatat",
			"openat", "openat2", "pivot_root", "prctl", "pselect6", "read", "readlink", "rt_sigaction", "rt_sigprocmask",
			"set_tid_address", "setgroups", "sethostname", "setns", "setresgid", "setresuid", "setsid", "statfs", "statx",
			"symlinkat", "umask", "umount2", "unshare", "write"},
	},
}

// RuntimeBase returns the union of runtime's lists, sorted; nil for a
// runtime none is known of.
func RuntimeBase(runtime string) []string {
	var names []string
	for _, l := range RuntimeLists {
		if l.Runtime == runtime {
			names = append(names, l.Names...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// InitRuntime tells the runtime whose init makes calls under a container's
// filter with this comm and exe: runc's init renames itself
// "runc:[2:INIT]"; crun's keeps crun's name until it execs. "" for none.
//
// A process chooses its comm, so the comm alone would let any process of
// a container (its entrypoint after prctl(PR_SET_NAME, "crun"), say) add a
// runtime's list, mount, pivot_root and setns among crun's, to its own
// profile. The exe must also be what the kernel prints for an init that
// runs a binary outside the container's root: "/" (measured for runc
// 1.1.5 here: internal/containers/doc.go's record). A workload's exe is
// its own binary's path; making it "/" takes mounts that a container under
// the recording profile cannot make. crun's init could not be measured
// here (crun 1.8 refuses this machine's cgroup layout): its list is added
// only when its init shows the same exe.
func InitRuntime(comm, exe []byte) string {
	if !bytes.Equal(exe, []byte("/")) {
		return ""
	}
	switch {
	case bytes.Equal(comm, []byte("runc:[2:INIT]")):
		return "runc"
	case bytes.Equal(comm, []byte("crun")):
		return "crun"
	}
	return ""
}

// Runtimes are the runtimes seen starting each container (and pod), told
// by the records of their inits. It is safe for concurrent use.
type Runtimes struct {
	mu   sync.Mutex
	seen map[string]string // by group: container ID, and podPrefix+UID
}

// Note notes the runtime of r's container when r is its init's.
func (s *Runtimes) Note(r *pipeline.Record, info *Info) {
	if s == nil || info == nil {
		return
	}
	rt := InitRuntime(r.Comm, r.Exe)
	if rt == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]string{}
	}
	if len(s.seen) >= maxCache {
		clear(s.seen)
	}
	s.seen[info.ID] = rt
	if info.PodUID != "" {
		s.seen[podPrefix+info.PodUID] = rt
	}
}

// Of returns the runtimes seen for groups, sorted.
func (s *Runtimes) Of(groups []string) []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, g := range groups {
		if rt := s.seen[g]; rt != "" {
			set[rt] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// runc115 is runc 1.1.5's list (see RuntimeLists).
var runc115 = []string{"close", "epoll_ctl", "execve", "fstatfs", "futex", "getdents64", "getpid", "openat", "rt_sigreturn", "write"}
