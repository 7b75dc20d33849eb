package audit

import "bytes"

// fastFields lets parseFields try parseKernelOrder first; tests turn it off
// to compare.
var fastFields = true

// Bits of the fields parseFields has seen: the first occurrence of a key wins.
const (
	seenAUID uint16 = 1 << iota
	seenUID
	seenGID
	seenSes
	seenPID
	seenComm
	seenExe
	seenSig
	seenArch
	seenSyscall
	seenCompat
	seenCode
	seenReason
)

// parseFields walks the key=value tokens of a record body left to right and
// fills r. A value starting with '"' runs to the next '"'; any other value runs
// to the next space. Tokens without '=' are skipped; unknown keys are ignored;
// the first occurrence of a key wins. Everything from a 0x1D byte on (auditd's
// enriched fields) is ignored. It reports whether the body has
// reason="seccomp" and returns the first malformed field, or a missing syscall=.
func parseFields(b []byte, r *Record) (seccompReason bool, err error) {
	if fastFields && parseKernelOrder(b, r) {
		return false, nil
	}
	if i := bytes.IndexByte(b, 0x1d); i >= 0 {
		b = b[:i]
	}
	r.Compat = -1
	var seen uint16
	var comm, exe []byte
	var commQuoted, exeQuoted bool
	for len(b) > 0 {
		if b[0] == ' ' {
			b = b[1:]
			continue
		}
		k := 0
		for k < len(b) && b[k] != '=' && b[k] != ' ' {
			k++
		}
		if k == len(b) || b[k] == ' ' { // a token without '=': part of an odd subj=
			b = b[k:]
			continue
		}
		key := b[:k]
		b = b[k+1:]
		var val []byte
		quoted := len(b) > 0 && b[0] == '"'
		if quoted {
			e := bytes.IndexByte(b[1:], '"')
			if e < 0 {
				if err == nil && (string(key) == "comm" || string(key) == "exe") {
					err = malformed(string(key), b[1:], "has no closing quote")
				}
				break
			}
			val, b = b[1:1+e], b[2+e:]
		} else { // values are short: a plain loop beats IndexByte's setup
			e := 0
			for e < len(b) && b[e] != ' ' {
				e++
			}
			val, b = b[:e], b[e:]
		}
		var bit uint16
		var ferr error
		switch string(key) {
		case "auid":
			bit, ferr = seenAUID, setU32(&r.AUID, "auid", val, seen&seenAUID)
		case "uid":
			bit, ferr = seenUID, setU32(&r.UID, "uid", val, seen&seenUID)
		case "gid":
			bit, ferr = seenGID, setU32(&r.GID, "gid", val, seen&seenGID)
		case "ses":
			bit, ferr = seenSes, setU32(&r.Ses, "ses", val, seen&seenSes)
		case "pid":
			bit, ferr = seenPID, setI32(&r.PID, "pid", val, seen&seenPID)
		case "sig":
			bit, ferr = seenSig, setI32(&r.Sig, "sig", val, seen&seenSig)
		case "syscall":
			bit = seenSyscall
			if seen&bit == 0 {
				var st numStatus
				r.Syscall, st = parseInt(val, 1<<63-1)
				ferr = fieldErr("syscall", val, st)
			}
		case "arch":
			bit = seenArch
			if seen&bit == 0 {
				n, st := parseHex(val, 1<<32-1)
				r.Arch, ferr = uint32(n), fieldErr("arch", val, st)
			}
		case "code":
			bit = seenCode
			if seen&bit == 0 {
				ferr = setCode(r, val)
			}
		case "compat":
			bit = seenCompat
			if seen&bit == 0 {
				if len(val) == 1 && (val[0] == '0' || val[0] == '1') {
					r.Compat = int8(val[0] - '0')
				} else {
					ferr = malformed("compat", val, "is not 0 or 1")
				}
			}
		case "comm":
			bit = seenComm
			if seen&bit == 0 {
				comm, commQuoted = val, quoted
			}
		case "exe":
			bit = seenExe
			if seen&bit == 0 {
				exe, exeQuoted = val, quoted
			}
		case "reason":
			bit = seenReason
			if seen&bit == 0 {
				seccompReason = string(val) == "seccomp"
			}
		}
		seen |= bit
		if err == nil {
			err = ferr
		}
	}
	if err == nil && seen&seenSyscall == 0 {
		err = missing("syscall")
	}
	r.setNames(comm, commQuoted, exe, exeQuoted)
	return seccompReason, err
}

func setU32(dst *uint32, name string, val []byte, seen uint16) error {
	if seen != 0 {
		return nil
	}
	n, st := parseUint(val, 1<<32-1)
	*dst = uint32(n)
	return fieldErr(name, val, st)
}

func setI32(dst *int32, name string, val []byte, seen uint16) error {
	if seen != 0 {
		return nil
	}
	n, st := parseInt(val, 1<<31-1)
	*dst = int32(n)
	return fieldErr(name, val, st)
}

// setCode parses code=0xHEX and decodes its action.
func setCode(r *Record, val []byte) error {
	if len(val) < 2 || val[0] != '0' || (val[1] != 'x' && val[1] != 'X') {
		return malformed("code", val, "is not a 0x number")
	}
	n, st := parseHex(val[2:], 1<<32-1)
	if st != numOK {
		return fieldErr("code", val, st)
	}
	r.Code = uint32(n)
	r.Action = ActionFromCode(r.Code)
	return nil
}

func fieldErr(name string, val []byte, st numStatus) error {
	if st == numOK {
		return nil
	}
	return malformed(name, val, st.String())
}

// setNames sets Comm and Exe, decoding unquoted hex into r.scratch.
func (r *Record) setNames(comm []byte, commQuoted bool, exe []byte, exeQuoted bool) {
	commHex := !commQuoted && isHex(comm)
	exeHex := !exeQuoted && isHex(exe)
	need := 0
	if commHex {
		need += len(comm) / 2
	}
	if exeHex {
		need += len(exe) / 2
	}
	if cap(r.scratch) < need {
		r.scratch = make([]byte, 0, max(need, 64))
	}
	s := r.scratch[:need]
	r.Comm, r.Exe = comm, exe
	if commHex {
		r.Comm = decodeHex(s[:len(comm)/2], comm)
		s = s[len(comm)/2:]
	}
	if exeHex {
		r.Exe = decodeHex(s[:len(exe)/2], exe)
	}
}

// isHex reports whether v is the kernel's hex encoding of an untrusted string:
// non-empty, even length, hex digits only.
func isHex(v []byte) bool {
	if len(v) == 0 || len(v)%2 != 0 {
		return false
	}
	for _, c := range v {
		if hexVal[c] > 15 {
			return false
		}
	}
	return true
}

func decodeHex(dst, src []byte) []byte {
	for i := range dst {
		dst[i] = hexVal[src[2*i]]<<4 | hexVal[src[2*i+1]]
	}
	return dst
}

// hexVal maps a byte to its hex digit value, or 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// numStatus tells why a number did not parse.
type numStatus uint8

const (
	numOK numStatus = iota
	numBad
	numRange
)

func (s numStatus) String() string {
	switch s {
	case numBad:
		return "is not a number"
	case numRange:
		return "is out of range"
	}
	return "ok"
}

// parseUint parses decimal digits (no sign) into a value no larger than max.
func parseUint(b []byte, max uint64) (uint64, numStatus) {
	if len(b) == 0 {
		return 0, numBad
	}
	var n uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 {
			return 0, numBad
		}
		n = n*10 + d // cannot wrap within 19 digits; checked below past that
	}
	if len(b) > 19 { // 20 digits may still fit in uint64: check them slowly
		return parseUintLong(b, max)
	}
	if n > max {
		return 0, numRange
	}
	return n, numOK
}

// parseUintLong is parseUint for numbers of more than 19 digits, all digits.
func parseUintLong(b []byte, max uint64) (uint64, numStatus) {
	var n uint64
	for _, c := range b {
		d := uint64(c - '0')
		if n > (max-d)/10 {
			return 0, numRange
		}
		n = n*10 + d
	}
	return n, numOK
}

// parseInt parses an optionally negative decimal number in [-max-1, max].
func parseInt(b []byte, max uint64) (int64, numStatus) {
	if len(b) > 0 && b[0] == '-' {
		n, st := parseUint(b[1:], max+1)
		return -int64(n), st
	}
	n, st := parseUint(b, max)
	return int64(n), st
}

// parseHex parses hex digits (no 0x) into a value no larger than max.
func parseHex(b []byte, max uint64) (uint64, numStatus) {
	if len(b) == 0 {
		return 0, numBad
	}
	var n uint64
	lead := true // leading zeros do not count towards the 16-digit limit
	digits := 0
	for _, c := range b {
		d := uint64(hexVal[c])
		if d > 15 {
			return 0, numBad
		}
		if lead && d == 0 {
			continue
		}
		lead = false
		digits++
		n = n<<4 | d
	}
	if digits > 16 || n > max {
		return 0, numRange
	}
	return n, numOK
}
