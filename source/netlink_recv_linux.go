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

// mmsgRing is recvmmsg's reused state.
type mmsgRing struct {
	buf   []byte
	iov   [recvSlots]unix.Iovec
	names [recvSlots]unix.RawSockaddrNetlink
	hdrs  [recvSlots]unix.Mmsghdr
}

func newMmsgRing() *mmsgRing {
	r := &mmsgRing{buf: make([]byte, recvSlots*slotBytes)}
	for i := range r.hdrs {
		r.iov[i].Base = &r.buf[i*slotBytes]
		r.iov[i].SetLen(slotBytes)
		h := &r.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iov[i]
		h.SetIovlen(1)
	}
	return r
}

// recvMany reads the records waiting on the socket, without waiting, in as
// few calls as it can, and calls add with each (its data is valid until
// add returns), skipping control replies and what did not come from the
// kernel, until the socket is empty (nil), add reports it has no more room
// (nil), or reading fails (EINTR is tried again).
func (c *nlConn) recvMany(add func(typ uint16, data []byte) bool) error {
	if c.ring == nil {
		c.ring = newMmsgRing()
	}
	r := c.ring
	for {
		for i := range r.hdrs {
			r.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrNetlink
			r.hdrs[i].Hdr.Flags = 0
		}
		n, _, e := c.recvmmsg(&r.hdrs[0])
		switch {
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN:
			return nil
		case e != 0:
			return e
		}
		more := true
		for i := range int(n) {
			l := int(r.hdrs[i].Len)
			if r.names[i].Pid != 0 || l < unix.NLMSG_HDRLEN { // not from the kernel
				continue
			}
			m := r.buf[i*slotBytes : i*slotBytes+l]
			h := (*syscall.NlMsghdr)(unsafe.Pointer(&m[0]))
			if h.Type < firstRecordType || h.Type == auditReplace {
				continue
			}
			more = add(h.Type, trimRecord(m[unix.NLMSG_HDRLEN:])) && more
		}
		if !more || int(n) < recvSlots {
			return nil // full, or the socket is (most likely) empty: the caller polls
		}
	}
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
