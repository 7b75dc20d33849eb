// Package syscalls holds the system-call ABIs and their calls' names: the
// tables that turn a seccomp record's arch= and syscall= into the names a
// profile lists, the same on every host.
//
// Arch is one ABI: its arch= value (AUDIT_ARCH_*), its names in libseccomp,
// OCI profiles and Go, and the base its call numbers start from. ABI tells
// the ABI of a call from arch= and syscall=, x32 by its number's 0x40000000
// bit (c000003e and 288: SCMP_ARCH_X86_64; c000003e and 0x40000000|17:
// SCMP_ARCH_X32); ArchByAudit, ArchByOCI, ArchByName, ArchByGOARCH and
// NativeArch look ABIs up, and Arch.Companions lists the compat ABIs a
// 64-bit kernel also runs.
//
// Name turns an ABI and a number into libseccomp's name of the call
// (accept4, pread64, never auditd's pread), from a copy of libseccomp's
// syscalls.csv that go generate turns into table_gen.go (see
// internal/mksyscalls; the host's libseccomp is not asked); Number goes
// back. TableKernel tells the Linux version the table was made from.
//
// Everything here is pure, and nothing needs cgo.
package syscalls
