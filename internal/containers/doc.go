// Package containers tells which container, and which Kubernetes pod, a
// seccomp record's process belongs to, and names the profiles after them.
//
// Attributor is a pipeline.Enricher for live records: for a record's pid it
// reads /proc/PID/stat (the start time) and /proc/PID/cgroup (parsed by
// package cgroup), caches the answer by pid and start time, and sets the
// attributes "container", "pod", "runtime" and "qos". A record such as
// this line of the netlink source (read on the test machine from a runc
// container under the tutorial's audit.json)
//
//	type=1326 audit(1796162392.365:14732600): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=9655 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=138 compat=0 ip=0x40828e code=0x7ffc0000
//
// made by runc's init after it loaded the container's filter and before it
// exec'd the entrypoint (fstatfs), is the container's: the same pid, in
// the container's cgroup. A process gone before it could be looked up, or a pid
// that a newer process holds (it started after the record), is counted as
// unattributed, never guessed.
//
// A Tracker (watch and record, --process-events) learns each process's
// cgroup before its records come: from the kernel's process events (package
// procev: fork, exec, exit and moves between cgroups, read in the kernel as
// they happen), so that a process gone before its records are read is
// still attributed, runc's init is seen moving into the container's cgroup
// after its fork, and a pid reused within the record clock's granularity by
// a process in another cgroup leaves its records unattributed rather than
// guessed. The Attributor asks it first, and reads /proc for the processes
// it does not know (those older than it).
//
// The groupings "container" and "pod" (registered with
// pipeline.RegisterGroupBy) group by the container's ID and the pod's UID;
// Namer, a pipeline.Finisher, names the profiles when they are written:
// "<namespace>_<pod>_<container>" with the names a CRI runtime gives
// (Resolver, asynchronous and cached, never on the record path), the
// container's ID without, and selects them by --container, --pod and
// --namespace. Each container's profile gets the base of the runtime that
// started it (RuntimeLists; the runtime told by its init's records). A
// PIDMap (watch --pid-map) keeps what was learnt, and what was not, so
// that replay attributes the records of a log captured beside it as watch
// did.
package containers
