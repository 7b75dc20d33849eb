// Package audit reads seccomp audit records (type 1326 SECCOMP, and type 1701
// ANOM_ABEND with reason="seccomp" from kernels before 3.5) out of log lines,
// and from the kernel's live sources.
//
// Parse reads one line; Reader reads a stream of lines, like encoding/csv.
// Parse is pure and allocation-free on the common path. It recognises these
// shapes (real lines, cut short):
//
//	syslog, RFC 3339:  2026-11-28T16:17:31.444993+00:00 vm kernel: [  740.195066] audit: type=1326 audit(1795882651.439:400233): auid=…
//	syslog, rsyslog:   2026-11-28T16:17:31.444993+00:00 vm kernel: audit: type=1326 audit(…): …
//	syslog, kern.log:  Nov 28 16:28:46 vm kernel: [ 1414.978243] audit: type=1326 audit(…): …
//	dmesg:             [   44.944852] audit: type=1326 audit(1795933612.979:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2010 comm="log" exe="/tmp/t/log" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f0175d644f7 code=0x7ffc0000
//	dmesg -T:          [Sun Nov 29 06:27:01 2026] audit: type=1326 audit(…): …
//	/dev/kmsg:         5,1234,515095769,-;audit: type=1326 audit(…): …
//	audit.log:         [node=HOST ]type=SECCOMP msg=audit(…): … code=0x7ffc0000<0x1D>AUID="unset" … SYSCALL=unknown-syscall(-1)
//	audit.log:         type=UNKNOWN[1326] msg=audit(…): …   and   type=1326 msg=audit(…): …
//	journald:          Nov 28 16:28:46 vm audit[2010]: SECCOMP auid=4294967295 … syscall=110 compat=0 ip=0x7f0175d644f7 code=0x7ffc0000
//	journalctl -o cat: SECCOMP auid=… (and the kernel's own "audit: type=1326 audit(…): …")
//	before Linux 3.5:  type=1701 audit(…): auid=… pid=… comm="…" reason="seccomp" sig=31 syscall=… compat=0 ip=… code=0x0
//	lost records:      [  276.453273] kauditd_printk_skb: 199990 callbacks suppressed   (behind any of the prefixes above)
//
// Journald lines have no audit(SEC.MSEC:SERIAL) stamp: Sec, Msec and Serial
// stay 0. A /dev/kmsg line whose facility (PRI>>3) is not 0 was written by
// userspace and gives KindForged, not a record; so does a syslog-shaped line
// whose tag is not "kernel" ("… vm mallory: audit: type=1326 …", what
// logger -t mallory writes), while journald's "audit[PID]: SECCOMP …" stays
// a record; kmsg continuation lines
// (" SUBSYSTEM=…") give KindNone. Records of other types (auditd's SYSCALL
// lines carry arch= and syscall= too) give KindOther.
//
// Fields are taken by key, not position, walking the key=value tokens after
// the stamp (or after "SECCOMP ") left to right:
//
//   - A value starting with '"' runs to the next '"': the kernel never leaves
//     a quote inside a quoted value (it hex-encodes such strings), so the text
//     of a quoted comm= or exe= is never read as another field. Other values
//     run to the next space.
//   - An unquoted comm= or exe= of even length made only of hex digits is
//     hex-encoded and decoded (comm=6D7920617070 is "my app"); exe=(null)
//     stays "(null)"; " (deleted)" stays part of exe.
//   - Tokens without '=' are skipped (subj= may hold spaces, as in AppArmor's
//     "subj=snap.x (enforce)"); unknown keys are ignored; when a key appears
//     twice the first one wins; everything from a 0x1D byte on is ignored.
//   - arch= is hex (c000003e), syscall= decimal (a leading '-' is accepted),
//     code= hex with 0x, compat= 0 or 1, the ids decimal. A number that does
//     not fit its field is an error, never wrapped around. Missing arch= (Linux
//     before 3.16) leaves Arch 0; missing compat= leaves Compat -1.
//
// A seccomp record whose syscall= is missing or not a number, or whose other
// numeric fields are garbled, gives an error wrapping ErrMalformed that names
// the field; Reader wraps it in a *ParseError with the line number.
//
// A Record keeps arch= and syscall= as the numbers the kernel printed;
// package syscalls tells the ABI and the name of the call they make.
package audit
