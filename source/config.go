package source

import (
	"log/slog"
	"time"
)

// What the netlink and kmsg sources take and name on every system; they
// open on Linux only (elsewhere OpenNetlink and OpenKmsg return
// ErrNotSupported).

// NetlinkConfig configures OpenNetlink.
type NetlinkConfig struct {
	// BacklogLimit is the kernel backlog limit to raise to while registered
	// as the audit daemon (the kernel's default is 64). 0 leaves it as it is.
	BacklogLimit uint32
	// Multicast reads the multicast group even when no daemon is registered.
	Multicast bool
	// ReadBuffer is the socket receive buffer in bytes; 0 means 128 MiB.
	// Memory is only used while records wait in it. Above
	// net.core.rmem_max it needs CAP_NET_ADMIN (root has it).
	ReadBuffer int
	// StatusInterval is how often the kernel's lost counter, the socket's
	// drop counter and the daemon pid are read; 0 means one second.
	StatusInterval time.Duration
	// Logger gets notices (daemon started or stopped); nil discards them.
	Logger *slog.Logger
	// StateFile, when set, is where the source keeps, while registered,
	// the audit state Close puts back, so that the next OpenNetlink puts it
	// back when this process was killed (see DefaultStateFile).
	StateFile string
}

// DefaultStateFile is where the recorder keeps the audit state to put back.
const DefaultStateFile = "/run/recorder/audit-state.json"

// Capabilities the netlink source needs.
const (
	CapAuditControl = "CAP_AUDIT_CONTROL" // read the status, register as the daemon
	CapAuditRead    = "CAP_AUDIT_READ"    // join the multicast group
)

// KmsgPath is the kernel log device.
const KmsgPath = "/dev/kmsg"
