// Package watch is recorder's daemon: it reads a live source (package
// source) until stopped, takes each line down a pipeline (package
// pipeline), and writes one profile per group into a directory every flush
// interval, on SIGHUP and before it returns. It keeps the set of calls seen
// and counters, never the records; it reopens a source that fails, resumes
// from the profiles already written, copies the audit lines it reads to a
// --tee file, and serves Prometheus metrics.
//
// Its input is the lines a source gives, such as the netlink socket's
//
//	audit(1795882651.439:400233): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2010 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=257 compat=0 ip=0x7f0175d644f7 code=0x7ffc0000
package watch
