package audit

import "bytes"

// syslogForged reports whether line is syslog-shaped ("TIME HOST TAG: MSG")
// with a tag other than "kernel", or with text of its own between the tag
// and the record, which starts at start. Any program can log a line that
// reads like a kernel record (logger -t mallory 'audit: type=1326 …'); only
// the kernel's own lines, tagged "kernel", are records. (A program can
// also use the tag kernel: syslog is never proof, see the README.)
//
// What may come before the record, and is not syslog-shaped: nothing (the
// netlink socket, dmesg -r, journalctl -o cat), "[  12.345678] " (dmesg),
// "PRI,SEQ,USEC,FLAGS;" (/dev/kmsg, see kmsgForged), "node=HOST " (audit.log)
// and journald's "TIME HOST " before "audit[PID]: ". The kernel's "audit: "
// before type= and a printk time stamp "[…] " are taken off first; then the
// first ": " ends the syslog tag (no time stamp or host name holds one).
func syslogForged(line []byte, start int) bool {
	pre := bytes.TrimSuffix(line[:start], []byte("audit: "))
	if n := len(pre); n >= 2 && pre[n-1] == ' ' && pre[n-2] == ']' {
		if o := bytes.LastIndexByte(pre, '['); o >= 0 {
			pre = pre[:o]
		}
	}
	end := bytes.Index(pre, []byte(": "))
	if end < 0 {
		return false
	}
	tag := pre[bytes.LastIndexByte(pre[:end], ' ')+1 : end]
	return string(tag) != "kernel" || end+2 != len(pre)
}
