package audit

import "encoding/binary"

// The kernel prints the fields of a seccomp record always in one order
// (kernel/auditsc.c, audit_seccomp and audit_log_task):
//
//	auid=%u uid=%u gid=%u ses=%u [subj=%s] pid=%d comm=%s exe=%s sig=%ld arch=%x syscall=%ld compat=%d ip=0x%lx code=0x%x
//
// parseKernelOrder reads a body of exactly that shape in one pass, each
// number parsed as its digits are found; a body of any other shape (older
// kernels, a key twice, a number out of range or signed, a quoted ip=, …)
// makes it report false, and parseFields' walk by key then reads it, with
// its errors. What it accepts, it reads as the walk would (FuzzParse
// compares the two on every input).
func parseKernelOrder(b []byte, r *Record) bool {
	c := cursor{b: b, ok: true}
	id := r.identity(b)
	if id == nil {
		id = c.identity(r)
	} else {
		c.i = len(id.prefix)
	}
	syscall := c.num(kSyscall, 1<<63-1)
	if !c.at(kCompat) || c.i+1 >= len(c.b) || (c.b[c.i] != '0' && c.b[c.i] != '1') || c.b[c.i+1] != ' ' {
		return false
	}
	compat := int8(c.b[c.i] - '0')
	c.i += 2
	if !c.at(kIP) {
		return false
	}
	c.skipValue()
	c.space()
	code := c.hex(kCode, true)
	if !c.ok || (c.i < len(b) && b[c.i] != 0x1d) { // the end, or auditd's enriched tail
		return false
	}
	r.AUID, r.UID, r.GID, r.Ses = id.auid, id.uid, id.gid, id.ses
	r.PID, r.Sig, r.Arch, r.Syscall, r.Compat = id.pid, id.sig, id.arch, int64(syscall), compat
	r.Code = uint32(code)
	r.Action = ActionFromCode(r.Code)
	r.setNames(b[id.comm[0]:id.comm[1]], id.commQuoted, b[id.exe[0]:id.exe[1]], id.exeQuoted)
	return true
}

// identity is what parseKernelOrder read of a body up to syscall=: the
// fields of the process (auid to arch), which its consecutive records
// repeat byte for byte whatever call they log. A Record keeps the last
// one; a body that starts with the same bytes takes its fields from it
// and is read from syscall= on.
type identity struct {
	prefix                []byte // the body up to syscall=, copied
	auid, uid, gid, ses   uint32
	pid, sig              int32
	arch                  uint32
	comm, exe             [2]int // offsets in the body
	commQuoted, exeQuoted bool
}

// maxIdentity bounds the prefix a Record keeps.
const maxIdentity = 512

// identity returns r's last identity when b starts with its bytes, else nil.
func (r *Record) identity(b []byte) *identity {
	id := r.id
	if id == nil || len(id.prefix) == 0 || len(b) < len(id.prefix) || string(b[:len(id.prefix)]) != string(id.prefix) {
		return nil
	}
	return id
}

// identity reads the fields before syscall= and keeps them in r's
// identity; past an error c.ok is false, and the identity is not kept.
func (c *cursor) identity(r *Record) *identity {
	for c.i < len(c.b) && c.b[c.i] == ' ' { // "): auid=…"
		c.i++
	}
	if r.id == nil {
		r.id = &identity{}
	}
	id := r.id
	id.prefix = id.prefix[:0]
	id.auid = uint32(c.num(kAUID, 1<<32-1))
	id.uid = uint32(c.num(kUID, 1<<32-1))
	id.gid = uint32(c.num(kGID, 1<<32-1))
	id.ses = uint32(c.num(kSes, 1<<32-1))
	if c.maybe("subj=") {
		c.skipValue()
		c.space()
	}
	id.pid = int32(c.num(kPID, 1<<31-1))
	id.comm, id.commQuoted = c.span(kComm)
	id.exe, id.exeQuoted = c.span(kExe)
	id.sig = int32(c.num(kSig, 1<<31-1))
	id.arch = uint32(c.hex(kArch, false))
	if c.ok && c.i <= maxIdentity {
		id.prefix = append(id.prefix, c.b[:c.i]...)
	}
	return id
}

// span is name's value as offsets in the body.
func (c *cursor) span(key key) (at [2]int, quoted bool) {
	v, quoted := c.name(key)
	if v == nil {
		return [2]int{}, quoted
	}
	start := cap(c.b) - cap(v)
	return [2]int{start, start + len(v)}, quoted
}

// cursor reads a body left to right; ok turns false at the first byte out
// of the expected shape, and everything after is then ignored.
type cursor struct {
	b  []byte
	i  int
	ok bool
}

// key is a field's key, with its bytes as a little-endian word and the
// mask of its length (keys are 3 to 8 bytes).
type key struct {
	s    string
	w, m uint64
}

func newKey(s string) key {
	var w uint64
	for i := len(s) - 1; i >= 0; i-- {
		w = w<<8 | uint64(s[i])
	}
	return key{s, w, 1<<(8*len(s)) - 1 | -uint64(len(s)/8)}
}

var (
	kAUID, kUID, kGID, kSes  = newKey("auid="), newKey("uid="), newKey("gid="), newKey("ses=")
	kPID, kComm, kExe, kSig  = newKey("pid="), newKey("comm="), newKey("exe="), newKey("sig=")
	kArch, kSyscall, kCompat = newKey("arch="), newKey("syscall="), newKey("compat=")
	kIP, kCode               = newKey("ip="), newKey("code=0x")
)

// at reports whether k comes next, and steps over it: with 8 bytes left,
// one compare of words.
func (c *cursor) at(k key) bool {
	if !c.ok {
		return false
	}
	if len(c.b)-c.i >= 8 {
		if binary.LittleEndian.Uint64(c.b[c.i:])&k.m == k.w {
			c.i += len(k.s)
			return true
		}
	} else if len(c.b)-c.i >= len(k.s) && string(c.b[c.i:c.i+len(k.s)]) == k.s {
		c.i += len(k.s)
		return true
	}
	c.ok = false
	return false
}

// maybe steps over key if it comes next, and reports whether it did.
func (c *cursor) maybe(key string) bool {
	if c.ok && len(c.b)-c.i >= len(key) && string(c.b[c.i:c.i+len(key)]) == key {
		c.i += len(key)
		return true
	}
	return false
}

// space steps over the one space between two fields.
func (c *cursor) space() {
	if c.ok && c.i < len(c.b) && c.b[c.i] == ' ' {
		c.i++
		return
	}
	c.ok = false
}

// num reads key and an unsigned decimal of at most max and 19 digits,
// followed by a space.
func (c *cursor) num(key key, max uint64) uint64 {
	if !c.at(key) {
		return 0
	}
	if len(c.b)-c.i >= 11 && string(c.b[c.i:c.i+11]) == "4294967295 " { // (unsigned)-1: auid and ses of no login
		c.i += 11
		if max < 4294967295 {
			c.ok = false
		}
		return 4294967295
	}
	start := c.i
	var n uint64
	for c.i < len(c.b) {
		d := c.b[c.i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + uint64(d)
		c.i++
	}
	if c.i == start || c.i-start > 19 || n > max {
		c.ok = false
	}
	c.space()
	return n
}

// hex reads key and 1 to 8 hex digits, followed by a space unless key is
// code's (the last field).
func (c *cursor) hex(key key, last bool) uint64 {
	if !c.at(key) {
		return 0
	}
	start := c.i
	var n uint64
	for c.i < len(c.b) && c.i-start < 9 {
		d := hexVal[c.b[c.i]]
		if d > 15 {
			break
		}
		n = n<<4 | uint64(d)
		c.i++
	}
	if c.i == start || c.i-start > 8 {
		c.ok = false
	}
	if !last {
		c.space()
	}
	return n
}

// name reads key and a comm= or exe= value: quoted (to the next quote) or
// not (to the next space), followed by a space.
func (c *cursor) name(key key) (val []byte, quoted bool) {
	if !c.at(key) {
		return nil, false
	}
	if c.i < len(c.b) && c.b[c.i] == '"' {
		start := c.i + 1
		e := start
		for e < len(c.b) && c.b[e] != '"' && c.b[e] != 0x1d {
			e++
		}
		if e == len(c.b) || c.b[e] != '"' {
			c.ok = false
			return nil, false
		}
		c.i = e + 1
		c.space()
		return c.b[start:e], true
	}
	start := c.i
	c.skipValue()
	val = c.b[start:c.i]
	c.space()
	return val, false
}

// skipValue steps over an unquoted value, up to the next space; a quoted one,
// or the enriched tail's 0x1d, is not the kernel's shape.
func (c *cursor) skipValue() {
	if !c.ok || (c.i < len(c.b) && c.b[c.i] == '"') {
		c.ok = false
		return
	}
	for c.i < len(c.b) && c.b[c.i] != ' ' {
		if c.b[c.i] == 0x1d {
			c.ok = false
			return
		}
		c.i++
	}
}
