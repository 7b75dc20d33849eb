package audit

import "bytes"

// parseStamped handles "type=T audit(...): ", "type=T msg=audit(...): " and
// "type=UNKNOWN[T] msg=audit(...): ", with "audit(" at i. It returns KindNone,
// nil when the text before the stamp is no type= token.
func parseStamped(line []byte, i int, r *Record) (Kind, error) {
	t, start, ok := typeBefore(line, i)
	if !ok {
		return KindNone, nil
	}
	if t != TypeSeccomp && t != TypeAnomAbend {
		return other(line, start)
	}
	if forged(line, start) {
		return KindForged, nil
	}
	return stamped(line, i, t, r)
}

// stamped parses a 1326 or 1701 record from its stamp "audit(…)" at i on.
func stamped(line []byte, i int, t uint16, r *Record) (Kind, error) {
	sec, msec, serial, body, ok := stamp(line[i+len("audit("):])
	if !ok {
		r.reset()
		v := line[i+len("audit("):]
		if e := bytes.IndexByte(v, ')'); e >= 0 {
			v = v[:e]
		}
		return KindNone, malformed("audit", v, "is not a SEC.MSEC:SERIAL stamp")
	}
	r.Sec, r.Msec, r.Serial = sec, msec, serial
	return finish(line, -1, KindSeccomp, t, body, r) // forged checked above
}

// typeBefore reads the type= token that ends right before the stamp at i
// (skipping audit.log's "msg="). The token must start the line or follow a space.
func typeBefore(line []byte, i int) (t uint16, start int, ok bool) {
	j := i
	if j >= 4 && string(line[j-4:j]) == "msg=" {
		j -= 4
	}
	if j < 1 || line[j-1] != ' ' {
		return 0, 0, false
	}
	end := j - 1
	const maxType = 24            // "type=UNKNOWN[4294967295]"
	from := max(0, end-maxType-1) // the token and the space before it
	start = bytes.LastIndexByte(line[from:end], ' ') + 1 + from
	if start == from && from > 0 {
		return 0, 0, false
	}
	tok := line[start:end]
	// At the line's start the window has room for one byte more than a
	// token (found by FuzzParse: "type=UNKNOWN[00000001326] audit(…").
	if len(tok) > maxType || len(tok) <= len("type=") || string(tok[:len("type=")]) != "type=" {
		return 0, 0, false
	}
	return recordType(tok[len("type="):]), start, true
}

// recordType decodes a type= value: a number, SECCOMP, ANOM_ABEND or
// UNKNOWN[N]. Other names and numbers out of range give 0 (another type).
func recordType(v []byte) uint16 {
	switch string(v) {
	case "SECCOMP":
		return TypeSeccomp
	case "ANOM_ABEND":
		return TypeAnomAbend
	}
	if len(v) > len("UNKNOWN[]") && string(v[:len("UNKNOWN[")]) == "UNKNOWN[" && v[len(v)-1] == ']' {
		v = v[len("UNKNOWN[") : len(v)-1]
	}
	n, st := parseUint(v, 1<<16-1)
	if st != numOK {
		return 0
	}
	return uint16(n)
}

// stamp parses "SEC.MSEC:SERIAL): " and returns the body after it.
func stamp(b []byte) (sec int64, msec uint32, serial uint64, body []byte, ok bool) {
	dot := bytes.IndexByte(b, '.')
	colon := bytes.IndexByte(b, ':')
	if dot < 0 || colon < dot {
		return 0, 0, 0, nil, false
	}
	s, st1 := parseUint(b[:dot], 1<<63-1)
	ms, st2 := parseUint(b[dot+1:colon], 1<<32-1)
	rest := b[colon+1:]
	end := bytes.IndexByte(rest, ')')
	if end < 0 || st1 != numOK || st2 != numOK {
		return 0, 0, 0, nil, false
	}
	ser, st3 := parseUint(rest[:end], 1<<64-1)
	rest = rest[end+1:]
	if st3 != numOK || len(rest) < 1 || rest[0] != ':' {
		return 0, 0, 0, nil, false
	}
	return int64(s), uint32(ms), ser, rest[1:], true
}

// parseJournald handles journald's "audit[PID]: SECCOMP key=value..." with
// "audit[" at i.
func parseJournald(line []byte, i int, r *Record) (Kind, error) {
	if i > 0 && line[i-1] != ' ' {
		return KindNone, nil
	}
	b := line[i+len("audit["):]
	end := bytes.IndexByte(b, ']')
	if end < 1 || len(b) < end+3 || string(b[end:end+3]) != "]: " {
		return KindNone, nil
	}
	if _, st := parseUint(b[:end], 1<<32-1); st != numOK {
		return KindNone, nil
	}
	b = b[end+3:]
	k, t := journaldType(b)
	if k == KindNone {
		if w := bytes.IndexByte(b, ' '); w > 0 && upperWord(b[:w]) {
			return other(line, i)
		}
		return KindNone, nil
	}
	return finish(line, i, k, t, b[len(typeName(t))+1:], r)
}

// journaldType recognises the type names journald prints for seccomp records.
func journaldType(b []byte) (Kind, uint16) {
	switch {
	case hasPrefix(b, "SECCOMP "):
		return KindSeccomp, TypeSeccomp
	case hasPrefix(b, "ANOM_ABEND "):
		return KindSeccomp, TypeAnomAbend
	}
	return KindNone, 0
}

func typeName(t uint16) string {
	if t == TypeAnomAbend {
		return "ANOM_ABEND"
	}
	return "SECCOMP"
}

// upperWord reports whether w looks like a journald record type name (SYSCALL,
// AUDIT1334, ...).
func upperWord(w []byte) bool {
	for _, c := range w {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

const suppressedTail = " callbacks suppressed"

// parseSuppressed handles "kauditd_printk_skb: N callbacks suppressed", with
// the "audit" of "kauditd" at i.
func parseSuppressed(line []byte, i int, r *Record) (Kind, error) {
	const mark = "kauditd_printk_skb: "
	s := i - 1
	if s < 0 || !hasPrefix(line[s:], mark) {
		return KindNone, nil
	}
	if s > 0 && line[s-1] != ' ' && line[s-1] != ';' {
		return KindNone, nil
	}
	b := line[s+len(mark):]
	sp := bytes.IndexByte(b, ' ')
	if sp < 1 || string(b[sp:]) != suppressedTail {
		return KindNone, nil
	}
	if forged(line, s) {
		return KindForged, nil
	}
	n, st := parseUint(b[:sp], 1<<64-1)
	if st == numBad {
		return KindNone, nil
	}
	if st != numOK {
		return KindNone, malformed("kauditd_printk_skb", b[:sp], st.String())
	}
	r.Suppressed = n
	return KindSuppressed, nil
}

// forged reports whether userspace wrote line, whose record starts at start:
// a syslog line whose tag is not the kernel's (syslogForged), or a /dev/kmsg
// line of a user facility (kmsgForged).
func forged(line []byte, start int) bool {
	return syslogForged(line, start) || kmsgForged(line, start)
}

// kmsgForged reports whether line is a /dev/kmsg line ("PRI,SEQ,USEC,FLAGS[,...];MSG")
// whose facility (PRI>>3) is not the kernel's, with the marker at or after MSG
// (at start).
func kmsgForged(line []byte, start int) bool {
	if len(line) == 0 || line[0] < '0' || line[0] > '9' {
		return false
	}
	b := line
	var pri uint64
	for f := 0; f < 3; f++ { // PRI, SEQ, USEC
		n := 0
		for n < len(b) && n < 20 && b[n] >= '0' && b[n] <= '9' {
			n++
		}
		if n == 0 || n == len(b) || b[n] != ',' {
			return false
		}
		if f == 0 {
			pri, _ = parseUint(b[:n], 1<<64-1)
		}
		b = b[n+1:]
	}
	semi := bytes.IndexByte(line, ';')
	return semi >= 0 && semi < start && pri>>3 != 0
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
