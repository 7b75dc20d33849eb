package audit

// Record types the parser returns as seccomp records.
const (
	TypeSeccomp   = 1326 // AUDIT_SECCOMP
	TypeAnomAbend = 1701 // AUDIT_ANOM_ABEND: seccomp kills before Linux 3.5 (reason="seccomp")
)

// Record is one seccomp audit record.
//
// Comm and Exe alias the parsed line or the Record's own scratch buffer: they
// stay valid until the next Parse into the same Record. Copy them to keep them.
type Record struct {
	Type   uint16 // TypeSeccomp or TypeAnomAbend
	Sec    int64  // audit(SEC.MSEC:SERIAL); all three 0 when the line has no stamp (journald)
	Msec   uint32
	Serial uint64

	AUID uint32 // 4294967295 when unset
	UID  uint32
	GID  uint32
	Ses  uint32 // audit session id; 4294967295 when unset
	PID  int32

	Comm []byte // decoded from hex when the kernel hex-encoded it
	Exe  []byte // decoded; "(null)" when the kernel had no executable

	Arch    uint32 // AUDIT_ARCH_* value of arch=; 0 when the line has none (Linux < 3.16)
	Syscall int64  // syscall= as printed: x32 calls keep their 0x40000000 bit
	Compat  int8   // compat= 0 or 1; -1 when the line has none
	Sig     int32
	Code    uint32 // code= as printed: the action bits only
	Action  Action // decoded from Code

	// Suppressed is set for KindSuppressed lines: how many records the kernel's
	// printk rate limit dropped ("kauditd_printk_skb: N callbacks suppressed").
	Suppressed uint64

	scratch []byte    // reused for hex decoding
	id      *identity // the last body's fields up to syscall= (fast.go)
}

// Kind tells what a parsed line held.
type Kind uint8

const (
	KindNone       Kind = iota // not an audit record (any other log line)
	KindOther                  // an audit record of another type (SYSCALL, ANOM_ABEND without seccomp, ...)
	KindSeccomp                // a seccomp record: the Record is filled in
	KindSuppressed             // the kernel dropped Record.Suppressed log lines
	KindForged                 // a record-shaped /dev/kmsg line that userspace wrote (facility != 0)
)
