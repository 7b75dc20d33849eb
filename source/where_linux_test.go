package source

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/audittest"
)

// TestWhere: with auditd registered, Where says the records are in
// audit.log (but not when audit.log was read), and KmsgBlind says a kmsg
// reader sees none; with no daemon, neither names one.
func TestWhere(t *testing.T) {
	audittest.NeedRoot(t) // the kernel lock: it starts auditd
	audittest.NoDaemon(t) // puts the audit state back
	if got := KmsgBlind(); got != "" {
		t.Errorf("KmsgBlind() with no daemon = %q, want none", got)
	}
	if got := Where(nil); strings.Contains(got, "is the audit daemon") {
		t.Errorf("Where(nil) with no daemon = %q", got)
	}
	a := audittest.StartAuditd(t)
	want := fmt.Sprintf("auditd (pid %d) is the audit daemon: the kernel sends the records to it, and they are in %s", a.PID, AuditLogPath)
	if got := Where([]string{"/var/log/syslog"}); !strings.HasPrefix(got, want) {
		t.Errorf("Where(syslog) = %q, want %q...", got, want)
	}
	if got := Where([]string{"/var/log/syslog", "/var/log/audit/audit.log.1"}); got != "" {
		t.Errorf("Where with audit.log read = %q, want nothing", got)
	}
	want = fmt.Sprintf("auditd (pid %d) is registered as the audit daemon: the kernel sends it the records and logs none to %s", a.PID, KmsgPath)
	if got := KmsgBlind(); !strings.HasPrefix(got, want) {
		t.Errorf("KmsgBlind() = %q, want %q...", got, want)
	}
	// watch --source kmsg says so when it starts.
	var logs bytes.Buffer
	o, err := Open(Spec{Mode: "kmsg"}, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "so this source sees none") {
		t.Errorf("opening kmsg beside auditd logged no warning:\n%s", logs.String())
	}
}
