//go:build !linux

package source

import (
	"context"
	"log/slog"
	"time"
)

// NetlinkConfig configures OpenNetlink (Linux only).
type NetlinkConfig struct {
	BacklogLimit   uint32
	Multicast      bool
	ReadBuffer     int
	StatusInterval time.Duration
	Logger         *slog.Logger
	StateFile      string
}

// DefaultStateFile is where the recorder keeps the audit state to put back.
const DefaultStateFile = "/run/recorder/audit-state.json"

// Netlink is the audit netlink socket (Linux only).
type Netlink struct{}

// Capabilities the netlink source needs.
const (
	CapAuditControl = "CAP_AUDIT_CONTROL"
	CapAuditRead    = "CAP_AUDIT_READ"
)

// OpenNetlink returns ErrNotSupported outside Linux.
func OpenNetlink(NetlinkConfig) (*Netlink, error) { return nil, ErrNotSupported }

func (*Netlink) Next(ctx context.Context) ([]byte, error) { return nil, ErrNotSupported }
func (*Netlink) Close() error                             { return nil }
func (*Netlink) Stats() Stats                             { return Stats{} }
func (*Netlink) Multicast() bool                          { return false }
func (*Netlink) DaemonPID() uint32                        { return 0 }

// KmsgPath is the kernel log device.
const KmsgPath = "/dev/kmsg"

// Kmsg is the kernel log device (Linux only).
type Kmsg struct{}

// OpenKmsg returns ErrNotSupported outside Linux.
func OpenKmsg(string, bool) (*Kmsg, error) { return nil, ErrNotSupported }

func (*Kmsg) Next(ctx context.Context) ([]byte, error) { return nil, ErrNotSupported }
func (*Kmsg) Close() error                             { return nil }
func (*Kmsg) Stats() Stats                             { return Stats{} }

// inotifyWorks is false outside Linux: poll the file.
func inotifyWorks() bool { return false }
