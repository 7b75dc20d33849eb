//go:build !linux

package source

import "context"

// Netlink is the audit netlink socket (Linux only).
type Netlink struct{}

// OpenNetlink returns ErrNotSupported outside Linux.
func OpenNetlink(NetlinkConfig) (*Netlink, error) { return nil, ErrNotSupported }

func (*Netlink) Next(ctx context.Context) ([]byte, error) { return nil, ErrNotSupported }
func (*Netlink) Close() error                             { return nil }
func (*Netlink) Stats() Stats                             { return Stats{} }
func (*Netlink) Multicast() bool                          { return false }
func (*Netlink) DaemonPID() uint32                        { return 0 }

// Kmsg is the kernel log device (Linux only).
type Kmsg struct{}

// OpenKmsg returns ErrNotSupported outside Linux.
func OpenKmsg(string, bool) (*Kmsg, error) { return nil, ErrNotSupported }

func (*Kmsg) Next(ctx context.Context) ([]byte, error) { return nil, ErrNotSupported }
func (*Kmsg) Close() error                             { return nil }
func (*Kmsg) Stats() Stats                             { return Stats{} }

// inotifyWorks is false outside Linux: poll the file.
func inotifyWorks() bool { return false }

// AuditDaemon returns 0 outside Linux.
func AuditDaemon() (uint32, string) { return 0, "" }
