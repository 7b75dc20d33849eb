// Package source reads the kernel's seccomp audit records live, as raw
// lines for audit.Parse, from one of:
//
//   - the netlink audit socket (Netlink): registers as the audit daemon when
//     none is, raising the backlog limit and putting the audit state back on
//     Close, or reads the multicast group next to auditd. Records arrive
//     without a prefix, "audit(1795882651.439:400233): auid=… syscall=257 …",
//     and the type of their message is put before them in place:
//     "type=1326 audit(…): …".
//     A registered source keeps the state it must put back in a state file
//     (NetlinkConfig.StateFile), so that the next start puts it back after
//     a kill;
//   - /dev/kmsg (Kmsg), kernel lines only: "5,1234,515095769,-;audit: type=1326 audit(…): …";
//   - a syslog file or auditd's audit.log, followed across rotation
//     (Follow): "2026-11-28T16:17:31.444993+00:00 vm kernel: audit: type=1326 …".
//
// Every source implements Source; those that know what they lost
// implement StatsSource. The netlink source is also a Pusher: its reader
// hands what it receives to the consumer on its own goroutine while the
// consumer is free (PushUnder), and queues it for Next while not. Open picks one by its Spec ("netlink", "kmsg",
// "syslog[:PATH]", "auditlog[:PATH]", "auto").
package source
