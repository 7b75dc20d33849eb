// Package runner runs a program under a seccomp filter (package sandbox)
// and collects the audit records of its process tree from the netlink
// socket: the engine of record and run --report. It follows the program's
// fresh audit session (or, without one, its process tree), passes signals
// on, makes it the terminal's foreground job, and waits after its exit
// until an end marker proves no record of it is still in flight.
//
// Its input is the socket's records, such as
//
//	audit(1795882651.439:400233): auid=0 uid=0 gid=0 ses=42 pid=2010 comm="echo" exe="/srv/echo" sig=0 arch=c000003e syscall=257 compat=0 ip=0x7f0175d644f7 code=0x7ffc0000
//
// each taken as it comes down the Run's pipeline by Pipeline.Line, the
// entry watch uses: the pipeline's Select keeps the program's session, and
// its first enricher gives the helper's own records, made between loading
// the filter and exec, the program's names (they wait for them). The
// Result's Pipeline then holds the profile's calls and the one count of
// malformed lines and losses.
package runner
