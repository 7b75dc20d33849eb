package profilegen

import (
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/syscalls"
)

// Durable profiles.
//
// A libc tries some newer syscalls first and falls back to an older way
// only when the kernel answers ENOSYS: glibc 2.34 creates threads and
// processes with clone3, 2.33 checks access with faccessat2, 2.39 changes
// modes with fchmodat2. A recorded profile denies every call it did not see
// with EPERM, so after a libc upgrade the program gets EPERM from the newer
// call, does not fall back, and fails (Docker's default profile broke the
// same way in 2021, and answers clone3 with ENOSYS since). A durable profile
// holds one more rule: the fallback-guarded calls the profile does not
// allow return ENOSYS, as they would on a kernel that lacks them, so the
// libc falls back to the calls the recording saw.

// Fallback is a syscall that glibc or musl tries first and falls back from
// when, and only when, it fails with ENOSYS.
type Fallback struct {
	Name  string // libseccomp's name
	Linux string // the kernel release that added it
	// Source is where the libc falls back: a file of glibc
	// (git://sourceware.org/git/glibc.git, read at commit 04e750e75b73,
	// 2.42.9000) or of musl (git://git.musl-libc.org/musl, read at commit
	// 86373b4999bf, after 1.2.5), and what the fallback is.
	Source string
}

// Fallbacks are the calls of the durable rule: every call that the glibc
// and musl sources named in Source try first and leave only on ENOSYS, and
// that Linux added after 3.2, the oldest kernel glibc supports (the
// fallbacks musl keeps for older calls, such as pipe2, dup3, accept4,
// epoll_create1 or prlimit64, guard kernels no profile meets today, and
// musl's socketcall fallback for i386 would put every socket call in the
// rule). Each entry says where the libc falls back.
var Fallbacks = []Fallback{
	{"clone3", "5.3", "glibc sysdeps/unix/sysv/linux/clone-internal.c (__clone_internal, 2.34: threads, fork-like spawns) and spawni.c (posix_spawn, on ENOSYS or EINVAL): clone"},
	{"execveat", "3.19", "glibc sysdeps/unix/sysv/linux/fexecve.c, musl src/process/fexecve.c: execve of /proc/self/fd/N"},
	{"faccessat2", "5.8", "glibc sysdeps/unix/sysv/linux/faccessat.c (2.33), musl src/unistd/faccessat.c (with flags): faccessat, flags emulated"},
	{"fchmodat2", "6.6", "glibc sysdeps/unix/sysv/linux/fchmodat.c (2.39, flags != 0), musl src/stat/fchmodat.c (1.2.5): fchmodat through an O_PATH descriptor"},
	{"getrandom", "3.17", "glibc stdlib/arc4random.c (2.36): /dev/urandom"},
	{"mlock2", "4.4", "glibc sysdeps/unix/sysv/linux/mlock2.c (flags != 0): EINVAL, which callers take as no mlock2"},
	{"preadv2", "4.6", "glibc sysdeps/unix/sysv/linux/preadv2.c and preadv64v2.c (flags == 0): preadv"},
	{"pwritev2", "4.6", "glibc sysdeps/unix/sysv/linux/pwritev2.c and pwritev64v2.c (flags == 0): pwritev; musl src/unistd/pwrite.c and pwritev.c (after 1.2.5, commit 5370070f: pwrite and pwritev call pwritev2 with RWF_NOAPPEND first): pwrite64, pwritev"},
	{"renameat2", "3.15", "glibc sysdeps/unix/sysv/linux/renameat2.c (flags != 0): EINVAL, which callers such as coreutils' mv take as no renameat2"},
	{"statx", "4.11", "glibc sysdeps/unix/sysv/linux/statx.c (statx_generic) and fstatat64.c (32-bit ABIs), musl src/linux/statx.c and src/stat/fstatat.c (32-bit ABIs): fstatat"},
	// The 64-bit time calls of 32-bit ABIs (Linux 5.1, y2038): glibc 2.32+
	// and musl 1.2+ call them first and fall back to the 32-bit call.
	{"clock_adjtime64", "5.1", "glibc sysdeps/unix/sysv/linux/clock_adjtime.c, musl src/linux/clock_adjtime.c: clock_adjtime"},
	{"clock_getres_time64", "5.1", "glibc sysdeps/unix/sysv/linux/clock_getres.c: clock_getres"},
	{"clock_gettime64", "5.1", "glibc sysdeps/unix/sysv/linux/clock_gettime.c, musl src/time/clock_gettime.c: clock_gettime"},
	{"clock_nanosleep_time64", "5.1", "glibc sysdeps/unix/sysv/linux/clock_nanosleep.c, musl src/time/clock_nanosleep.c: clock_nanosleep"},
	{"clock_settime64", "5.1", "glibc sysdeps/unix/sysv/linux/clock_settime.c, musl src/time/clock_settime.c: clock_settime"},
	{"futex_time64", "5.1", "musl src/thread/__timedwait.c and pthread_mutex_timedlock.c; glibc nptl/futex-internal.c (times past 2038: EOVERFLOW): futex"},
	{"mq_timedreceive_time64", "5.1", "glibc sysdeps/unix/sysv/linux/mq_timedreceive.c, musl src/mq/mq_timedreceive.c: mq_timedreceive"},
	{"mq_timedsend_time64", "5.1", "glibc sysdeps/unix/sysv/linux/mq_timedsend.c, musl src/mq/mq_timedsend.c: mq_timedsend"},
	{"ppoll_time64", "5.1", "glibc sysdeps/unix/sysv/linux/ppoll.c, musl src/select/ppoll.c: ppoll"},
	{"pselect6_time64", "5.1", "glibc sysdeps/unix/sysv/linux/pselect.c and select.c, musl src/select/pselect.c and select.c: pselect6"},
	{"recvmmsg_time64", "5.1", "glibc sysdeps/unix/sysv/linux/recvmmsg.c, musl src/network/recvmmsg.c: recvmmsg"},
	{"rt_sigtimedwait_time64", "5.1", "glibc sysdeps/unix/sysv/linux/sigtimedwait.c, musl src/signal/sigtimedwait.c: rt_sigtimedwait"},
	{"sched_rr_get_interval_time64", "5.1", "glibc sysdeps/unix/sysv/linux/sched_rr_gi.c: sched_rr_get_interval"},
	{"semtimedop_time64", "5.1", "glibc sysdeps/unix/sysv/linux/semtimedop.c, musl src/ipc/semtimedop.c: semtimedop"},
	{"timer_gettime64", "5.1", "glibc sysdeps/unix/sysv/linux/timer_gettime.c, musl src/time/timer_gettime.c: timer_gettime"},
	{"timer_settime64", "5.1", "glibc sysdeps/unix/sysv/linux/timer_settime.c, musl src/time/timer_settime.c: timer_settime"},
	{"timerfd_gettime64", "5.1", "glibc sysdeps/unix/sysv/linux/timerfd_gettime.c, musl src/linux/timerfd.c: timerfd_gettime"},
	{"timerfd_settime64", "5.1", "glibc sysdeps/unix/sysv/linux/timerfd_settime.c, musl src/linux/timerfd.c: timerfd_settime"},
	{"utimensat_time64", "5.1", "glibc sysdeps/unix/sysv/linux/utimensat.c, musl src/stat/utimensat.c: utimensat"},
}

// ENOSYS numbers: include/uapi/asm-generic/errno.h (38, every ABI of the
// table but these), arch/mips/include/uapi/asm/errno.h (89) and
// arch/parisc/include/uapi/asm/errno.h (251). Alpha (78) and SPARC (90)
// have no seccomp ABI in the table.
const (
	enosysGeneric = 38
	enosysMIPS    = 89
	enosysPARISC  = 251
)

// ENOSYS returns the number of ENOSYS on the ABI named by the OCI
// architecture oci: the errnoRet a rule must carry for the ABI's libc to
// see ENOSYS. ok is false for an architecture not in the table.
func ENOSYS(oci string) (errno uint, ok bool) {
	a, ok := syscalls.ArchByOCI(oci)
	if !ok {
		return 0, false
	}
	switch a.Name {
	case "mips", "mipsel", "mips64", "mipsel64", "mips64n32", "mipsel64n32":
		return enosysMIPS, true
	case "parisc", "parisc64":
		return enosysPARISC, true
	}
	return enosysGeneric, true
}

// DurableRule returns the rule that makes p durable:
//
//	{"names": [...], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
//
// with every name of Fallbacks that no rule of p names (the calls the
// workload did not make, or that p treats some way of its own) and that an
// architecture of p has. An OCI rule has one errnoRet, for every ABI of
// the profile: ok is false when p lists no architecture (the ABI, and so
// ENOSYS's number, is the runtime's), when its architectures disagree on
// ENOSYS's number (MIPS with x86, say), or when no name is left.
func DurableRule(p *specs.LinuxSeccomp) (rule specs.LinuxSyscall, ok bool) {
	if len(p.Architectures) == 0 {
		return rule, false
	}
	var errno uint
	var arches []syscalls.Arch
	for _, oci := range p.Architectures {
		e, known := ENOSYS(string(oci))
		if !known || errno != 0 && e != errno {
			return rule, false
		}
		errno = e
		a, _ := syscalls.ArchByOCI(string(oci))
		arches = append(arches, a)
	}
	named := make(map[string]bool)
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			named[n] = true
		}
	}
	var names []string
	for _, f := range Fallbacks {
		if !named[f.Name] && slices.ContainsFunc(arches, func(a syscalls.Arch) bool { _, err := syscalls.Number(a, f.Name); return err == nil }) {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return rule, false
	}
	slices.Sort(names)
	return specs.LinuxSyscall{Names: names, Action: specs.ActErrno, ErrnoRet: &errno}, true
}

// IsDurableRule reports whether r is a rule DurableRule makes: an
// unconditional SCMP_ACT_ERRNO with ENOSYS's number of some ABI, holding
// only names of Fallbacks.
func IsDurableRule(r specs.LinuxSyscall) bool {
	if r.Action != specs.ActErrno || r.ErrnoRet == nil || len(r.Args) > 0 || len(r.Names) == 0 {
		return false
	}
	if e := *r.ErrnoRet; e != enosysGeneric && e != enosysMIPS && e != enosysPARISC {
		return false
	}
	for _, n := range r.Names {
		if !slices.ContainsFunc(Fallbacks, func(f Fallback) bool { return f.Name == n }) {
			return false
		}
	}
	return true
}

// withDurable adds DurableRule(p) to p, when there is one.
func withDurable(p *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	if r, ok := DurableRule(p); ok {
		p.Syscalls = append(p.Syscalls, r)
	}
	return p
}
