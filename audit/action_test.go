package audit

import "testing"

// TestAction decodes each code= the kernel prints (FACTS.md) and tells which
// actions stop the call.
func TestAction(t *testing.T) {
	for _, tt := range []struct {
		code   uint32
		want   Action
		oci    string
		denies bool
	}{
		{0x7ffc0000, ActionLog, "SCMP_ACT_LOG", false},
		{0x7fff0000, ActionAllow, "SCMP_ACT_ALLOW", false},
		{0x50000, ActionErrno, "SCMP_ACT_ERRNO", true},
		{0x50001, ActionErrno, "SCMP_ACT_ERRNO", true}, // the errno bits are ignored
		{0x30000, ActionTrap, "SCMP_ACT_TRAP", true},
		{0x7ff00000, ActionTrace, "SCMP_ACT_TRACE", true},
		{0x7fc00000, ActionUserNotif, "SCMP_ACT_USER_NOTIF", true},
		{0x80000000, ActionKillProcess, "SCMP_ACT_KILL_PROCESS", true},
		{0x0, ActionKillThread, "SCMP_ACT_KILL_THREAD", true},
		{0x12340000, ActionUnknown, "SCMP_ACT_UNKNOWN", true}, // never taken for an allowed call
	} {
		a := ActionFromCode(tt.code)
		if a != tt.want || a.OCI() != tt.oci || a.Denies() != tt.denies {
			t.Errorf("code %#x: %v %s denies=%v; want %v %s denies=%v", tt.code, a, a.OCI(), a.Denies(), tt.want, tt.oci, tt.denies)
		}
	}
}
