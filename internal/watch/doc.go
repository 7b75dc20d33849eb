// Package watch is recorder's daemon: it reads a live source (package
// source) until stopped, takes each line down a pipeline (package
// pipeline), and writes one profile per group into a directory every flush
// interval, on SIGHUP and before it returns. It keeps the set of calls seen
// and counters, never the records; it reopens a source that fails, resumes
// from the profiles already written, copies the audit lines it reads to a
// --tee file, and serves Prometheus metrics.
//
// Its input is the lines a source gives, such as the netlink source's
// (its Next returns each record as a dmesg-shaped line; this one was read
// on the test machine from a container's process under a logging filter):
//
//	type=1326 audit(1796162392.381:14732612): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=9655 comm="pause" exe="/pause" sig=0 arch=c000003e syscall=157 compat=0 ip=0x40816e code=0x7ffc0000
package watch
