package source

import (
	"os"
	"strconv"
	"strings"

	"github.com/elastic/go-libaudit/v2"
)

// AuditDaemon returns the pid and comm of the live process registered as
// the kernel's audit daemon (AUDIT_GET's pid, which needs
// CAP_AUDIT_CONTROL), or 0 when there is none or it cannot be told.
func AuditDaemon() (pid uint32, comm string) {
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		return 0, ""
	}
	defer c.Close() // never registered: nothing to unset
	st, err := c.GetStatus()
	if err != nil || st.PID == 0 || !processExists(st.PID) {
		return 0, ""
	}
	b, _ := os.ReadFile("/proc/" + strconv.FormatUint(uint64(st.PID), 10) + "/comm")
	return st.PID, strings.TrimSpace(string(b))
}
