package source

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The reader's receive: recvmmsg takes up to recvSlots messages from the
// socket in one call, into slots of one buffer that is reused for every
// call, with nothing allocated. A message is one record (the kernel sends
// each alone); the longest the kernel makes is MAX_AUDIT_MESSAGE_LENGTH
// (8970 bytes) of text after its 16-byte header.
const (
	recvSlots = 64
	slotBytes = 16 << 10
)

// mmsgRing is recvmmsg's reused state, and the lines of the last receive.
type mmsgRing struct {
	buf   []byte
	iov   [recvSlots]unix.Iovec
	names [recvSlots]unix.RawSockaddrNetlink
	hdrs  [recvSlots]unix.Mmsghdr
	lines [recvSlots][]byte
}

func newMmsgRing() *mmsgRing {
	r := &mmsgRing{buf: make([]byte, recvSlots*slotBytes)}
	for i := range r.hdrs {
		r.iov[i].Base = &r.buf[i*slotBytes]
		r.iov[i].SetLen(slotBytes)
		h := &r.hdrs[i].Hdr
		h.Iov = &r.iov[i]
		h.SetIovlen(1)
	}
	return r
}

// recvLines receives the records waiting on the socket, up to recvSlots,
// without waiting, and returns them as lines "type=N text", each made in
// place in its slot: the "type=N " prefix is written over the end of the
// message's netlink header, which the reader has read by then, so the
// text is never copied. The lines are valid until the next call. It skips
// control replies and what did not come from the kernel; got is how many
// messages the call took, skipped ones included: fewer than recvSlots
// means the socket is most likely empty. It asks each message's sender
// unless only the kernel can send to the socket (kernelOnly): the kernel's
// copy of the address cost 0.05 µs a record (perf, make bench's storm). EAGAIN (nothing waiting) is
// nil, EINTR is tried again.
func (c *nlConn) recvLines() (lines [][]byte, got int, err error) {
	if c.ring == nil {
		c.ring = newMmsgRing()
	}
	r := c.ring
	for i := range r.hdrs {
		h := &r.hdrs[i].Hdr
		h.Name, h.Namelen = nil, 0 // only the kernel can send: no need to ask
		if !c.kernelOnly {
			h.Name, h.Namelen = (*byte)(unsafe.Pointer(&r.names[i])), unix.SizeofSockaddrNetlink
			r.names[i].Pid = 0
		}
		h.Flags = 0
	}
	n, _, e := c.recvmmsg(&r.hdrs[0])
	for e == unix.EINTR {
		n, _, e = c.recvmmsg(&r.hdrs[0])
	}
	switch {
	case e == unix.EAGAIN:
		c.emptied()
		return nil, 0, nil
	case e != 0:
		return nil, 0, e
	}
	lines = r.lines[:0]
	for i := range int(n) {
		l := int(r.hdrs[i].Len)
		if (!c.kernelOnly && r.names[i].Pid != 0) || l < unix.NLMSG_HDRLEN { // not from the kernel
			continue
		}
		m := r.buf[i*slotBytes : i*slotBytes+l]
		h := (*syscall.NlMsghdr)(unsafe.Pointer(&m[0]))
		if h.Type < firstRecordType || h.Type == auditReplace {
			continue
		}
		lines = append(lines, lineInPlace(m, h.Type))
	}
	if int(n) < recvSlots {
		c.emptied()
	}
	return lines, int(n), nil
}

// emptied notes that a receive found the socket's queue empty: when only
// the kernel can send to it now, nothing else is left in it either.
func (c *nlConn) emptied() {
	if c.trustAtEmpty {
		c.kernelOnly, c.trustAtEmpty = true, false
	}
}

// lineInPlace returns the record of message m, of type typ, as the line
// "type=N text", its prefix written into the end of m's header (at most
// 11 bytes of the 16: a type has at most 5 digits), a byte at a time.
func lineInPlace(m []byte, typ uint16) []byte {
	i := unix.NLMSG_HDRLEN - 1
	m[i] = ' '
	for v := typ; ; v /= 10 {
		i--
		m[i] = byte('0' + v%10)
		if v < 10 {
			break
		}
	}
	m[i-5], m[i-4], m[i-3], m[i-2], m[i-1] = 't', 'y', 'p', 'e', '='
	return trimRecord(m[i-5:])
}

// recvmmsg receives without waiting (MSG_DONTWAIT): as a raw system call
// when the reader makes them (rawCalls).
func (c *nlConn) recvmmsg(hdrs *unix.Mmsghdr) (uintptr, uintptr, unix.Errno) {
	fd := c.fd
	if c.raw {
		return unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(hdrs)), recvSlots, unix.MSG_DONTWAIT, 0, 0)
	}
	return unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(hdrs)), recvSlots, unix.MSG_DONTWAIT, 0, 0)
}
