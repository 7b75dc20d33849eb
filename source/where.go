package source

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Where says where the seccomp records probably are when a reading of
// the files read (their names) found none: with an audit daemon
// registered, the kernel sends records to it, never to the kernel log or
// syslog; auditd writes them to its audit.log. "" when there is nothing
// to say (no daemon, or audit.log was read).
func Where(read []string) string {
	for _, name := range read {
		if strings.HasPrefix(filepath.Base(name), "audit.log") {
			return ""
		}
	}
	pid, comm := AuditDaemon()
	switch {
	case pid != 0 && comm == "auditd":
		return fmt.Sprintf("auditd (pid %d) is the audit daemon: the kernel sends the records to it, and they are in %s, not in syslog or the kernel log", pid, AuditLogPath)
	case pid != 0:
		return fmt.Sprintf("%s (pid %d) is the audit daemon: the kernel sends the records to it, never to syslog or the kernel log", comm, pid)
	case auditdRunning():
		return "auditd runs: the records are probably in " + AuditLogPath + ", not in syslog or the kernel log"
	}
	return ""
}

// KmsgBlind says why the kmsg source can see no record now: an audit daemon
// is registered, and the kernel logs records to /dev/kmsg only when none
// is. "" when none is.
func KmsgBlind() string {
	pid, comm := AuditDaemon()
	if pid == 0 {
		return ""
	}
	return fmt.Sprintf("%s (pid %d) is registered as the audit daemon: the kernel sends it the records and logs none to %s, so this source sees none; use the netlink source (it reads next to the daemon) or auditlog",
		comm, pid, KmsgPath)
}

// commText returns a process's comm as a message may show it: as it is
// when it is plain text, else quoted, escapes and all. The audit daemon's
// pid, which the kernel keeps until a send to it fails, may be a dead
// daemon's reused by any user's process, whose name is its own choice (a
// terminal's escape sequences).
func commText(comm string) string {
	for i := 0; i < len(comm); i++ {
		if c := comm[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.QuoteToASCII(comm)
		}
	}
	if comm == "" {
		return `""`
	}
	return comm
}
