package audit

import "bytes"

// markAudit is the one marker Parse scans for: it starts the stamp
// "audit(SEC.MSEC:SERIAL)", journald's "audit[PID]: " and sits inside
// "kauditd_printk_skb: ". Lines without it (nearly all of a syslog) cost one
// SIMD scan.
var markAudit = []byte("audit")

// Parse parses one log line (without its trailing newline; tolerate a trailing \r). Pure: no I/O.
// It fills r and returns KindSeccomp for a seccomp record, KindSuppressed for
// "kauditd_printk_skb: N callbacks suppressed" (r.Suppressed = N), KindForged for a
// /dev/kmsg-shaped line whose facility is not 0 (userspace wrote it), KindOther for an audit
// record of any other type, KindNone for anything else. A seccomp record whose syscall= is
// missing or not a number, or whose other numeric fields are garbled, returns an error wrapping
// ErrMalformed that names the field (kind KindSeccomp is NOT returned then).
//
// Every field of r is reset first; on KindForged, KindOther, KindNone and on
// error r holds only zero values (and Suppressed for KindSuppressed). Comm and
// Exe alias line or r's scratch buffer. See the package documentation for the
// line shapes and field rules.
func Parse(line []byte, r *Record) (Kind, error) {
	r.reset()
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 || line[0] == ' ' { // kmsg continuation lines start with a space
		return KindNone, nil
	}
	// The netlink source's shape needs no search: the marker loop would
	// find this stamp first, its type and its place (the line's start: not
	// forged) known.
	if len(line) > len(netlinkSeccomp) && string(line[:len(netlinkSeccomp)]) == netlinkSeccomp {
		return stamped(line, len("type=1326 "), TypeSeccomp, r)
	}
	for off := 0; ; {
		i := bytes.Index(line[off:], markAudit)
		if i < 0 {
			break
		}
		i += off
		off = i + len(markAudit)
		if off == len(line) {
			break
		}
		var k Kind
		var err error
		switch line[off] {
		case '(':
			k, err = parseStamped(line, i, r)
		case '[':
			k, err = parseJournald(line, i, r)
		case 'd':
			k, err = parseSuppressed(line, i, r)
		}
		if k != KindNone || err != nil {
			return k, err
		}
	}
	// journalctl -o cat prints the bare body: "SECCOMP auid=...".
	if k, t := journaldType(line); k != KindNone {
		return finish(line, -1, k, t, line[len(typeName(t))+1:], r)
	}
	// The kernel's own words for a seccomp record, with no stamp after them:
	// a record cut or garbled on its way to the log.
	if bytes.Contains(line, markKernelSeccomp) {
		return KindNone, errNoStamp
	}
	return KindNone, nil
}

// netlinkSeccomp starts a seccomp record as the netlink source hands it.
const netlinkSeccomp = "type=1326 audit("

// markKernelSeccomp starts every seccomp record the kernel prints.
var markKernelSeccomp = []byte("audit: type=1326 ")

func (r *Record) reset() { *r = Record{scratch: r.scratch[:0], id: r.id} }

// other returns KindOther for a record of another type, or KindForged.
func other(line []byte, start int) (Kind, error) {
	if forged(line, start) {
		return KindForged, nil
	}
	return KindOther, nil
}

// finish parses the key=value body of a 1326 or 1701 record.
func finish(line []byte, start int, k Kind, t uint16, body []byte, r *Record) (Kind, error) {
	if start >= 0 && forged(line, start) {
		return KindForged, nil
	}
	seccompReason, err := parseFields(body, r)
	if t == TypeAnomAbend && !seccompReason {
		r.reset()
		return KindOther, nil
	}
	if err != nil {
		r.reset()
		return KindNone, err
	}
	r.Type = t
	return k, nil
}
