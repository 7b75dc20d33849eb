// Package procev follows the kernel's process events with an eBPF program
// on BTF tracepoints: each new process (sched_process_fork), each exec
// (sched_process_exec), each move into a cgroup of the unified hierarchy
// (cgroup_attach_task), each cgroup made there (cgroup_mkdir) and each
// process's end (sched_process_exit), with the cgroup the process is in
// when it happens, read in the kernel as it happens.
//
// The kernel runs the program synchronously, before the process can go
// on: a process's events are in the ring buffer before any call it makes
// after them, however briefly it lives. runc's init, forked on the host
// and moved into the container's cgroup before it loads the container's
// filter (for "runc run" and "runc exec" alike), is seen moving.
//
// Loading it needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) and a kernel
// with BTF (/sys/kernel/btf/vmlinux); it needs no kprobes and no tracefs.
// The compiled program, procev_bpfel.o, is committed (go generate remakes
// it with clang), so that a build needs no clang.
package procev
