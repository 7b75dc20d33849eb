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
// The groupings "container" and "pod" (registered with
// pipeline.RegisterGroupBy) group by the container's ID and the pod's UID;
// Namer, a pipeline.Finisher, names the profiles when they are written:
// "<namespace>_<pod>_<container>" with the names a CRI runtime gives
// (Resolver, asynchronous and cached, never on the record path), the
// container's ID without, and selects them by --container, --pod and
// --namespace. A PIDMap (watch --pid-map) keeps what was learnt, so that
// replay can attribute the records of a log captured beside it.
package containers
