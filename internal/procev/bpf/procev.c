// SPDX-License-Identifier: GPL-2.0
//
// The process events the recorder attributes records by: each new process
// (fork), each exec, each move into a cgroup of the unified (v2) hierarchy
// and each cgroup made there, and each process's end, with the cgroup the
// task is in when it happens, read in the kernel, synchronously. BTF
// tracepoints only (tp_btf): this kernel has no kprobes. Compiled by
// gen.go (clang -target bpf); the objects are committed.

typedef unsigned char __u8;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define PAI __attribute__((preserve_access_index))

// Only the fields read, relocated against the kernel's BTF at load (CO-RE).
struct kernfs_node { __u64 id; } PAI;
struct cgroup_root { int hierarchy_id; } PAI;
struct cgroup { struct kernfs_node *kn; struct cgroup_root *root; } PAI;
struct css_set { struct cgroup *dfl_cgrp; } PAI;
typedef struct { int counter; } atomic_t;
struct signal_struct { atomic_t live; } PAI;
struct task_struct {
	__s32 pid;
	__s32 tgid;
	struct css_set *cgroups;
	struct signal_struct *signal;
	struct task_struct *real_parent;
} PAI;

static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *)132;
static long (*bpf_probe_read_kernel_str)(void *dst, __u32 size, const void *src) = (void *)115;
static __u64 (*bpf_ktime_get_boot_ns)(void) = (void *)125;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

#define BPF_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_MAP_TYPE_RINGBUF 27

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

// lost counts the events the ring buffer had no room for.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

enum kind { FORK = 1, EXEC = 2, EXIT = 3, ATTACH = 4, MKDIR = 5 };

#define PATH_MAX_LEN 512

// event is struct event in procev.go, byte for byte.
struct event {
	__u64 time;   // CLOCK_BOOTTIME, ns
	__u64 cgroup; // the unified hierarchy's cgroup ID (its directory's inode)
	__u32 kind;
	__u32 pid;    // the process (thread group) ID
	__u32 ppid;   // fork: the parent's
	__u32 len;    // attach, mkdir: bytes of path, its NUL included
};

struct path_event {
	struct event e;
	char path[PATH_MAX_LEN];
};

static void count_lost(void)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &key);
	if (n)
		*n += 1;
}

static __u64 task_cgroup(struct task_struct *t)
{
	return t->cgroups->dfl_cgrp->kn->id;
}

static int emit(__u32 kind, struct task_struct *t, __u32 ppid)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->time = bpf_ktime_get_boot_ns();
	e->cgroup = task_cgroup(t);
	e->kind = kind;
	e->pid = t->tgid;
	e->ppid = ppid;
	e->len = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static int emit_path(__u32 kind, struct cgroup *cg, const char *path, __u32 pid)
{
	if (cg->root->hierarchy_id != 0) // a v1 hierarchy
		return 0;
	struct path_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->e.time = bpf_ktime_get_boot_ns();
	e->e.cgroup = cg->kn->id;
	e->e.kind = kind;
	e->e.pid = pid;
	e->e.ppid = 0;
	long n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	e->e.len = n > 0 ? n : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// sched_process_fork(struct task_struct *parent, struct task_struct *child)
SEC("tp_btf/sched_process_fork")
int on_fork(__u64 *ctx)
{
	struct task_struct *parent = (void *)ctx[0], *child = (void *)ctx[1];
	if (child->pid != child->tgid) // a new thread, not a new process
		return 0;
	return emit(FORK, child, parent->tgid);
}

// sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
SEC("tp_btf/sched_process_exec")
int on_exec(__u64 *ctx)
{
	return emit(EXEC, (void *)ctx[0], 0);
}

// sched_process_exit(struct task_struct *p, ...): the process ends with
// its last thread, which need not be its leader (a leader that called
// pthread_exit ends first, its threads go on making calls under its pid).
// do_exit counts the live threads down before the tracepoint: the last
// one sees none left. Two threads ending at once may both see none; the
// Tracker takes the second exit of a process as nothing.
SEC("tp_btf/sched_process_exit")
int on_exit(__u64 *ctx)
{
	struct task_struct *p = (void *)ctx[0];
	if (p->signal->live.counter != 0)
		return 0;
	return emit(EXIT, p, 0);
}

// cgroup_attach_task(struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
SEC("tp_btf/cgroup_attach_task")
int on_attach(__u64 *ctx)
{
	struct task_struct *t = (void *)ctx[2];
	return emit_path(ATTACH, (void *)ctx[0], (const char *)ctx[1], t->tgid);
}

// cgroup_mkdir(struct cgroup *cgrp, const char *path)
SEC("tp_btf/cgroup_mkdir")
int on_mkdir(__u64 *ctx)
{
	return emit_path(MKDIR, (void *)ctx[0], (const char *)ctx[1], 0);
}

char _license[] SEC("license") = "GPL";
