package source

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/internal/audittest"
)

// forgedRecord is a record-shaped message another process sends to an
// audit socket; its comm names it.
func forgedRecord() []byte {
	text := `audit(1.000:1): auid=0 uid=0 gid=0 ses=1 pid=1 comm="forged" exe="/forged" sig=0 arch=c000003e syscall=0 compat=0 ip=0x0 code=0x7ffc0000`
	m := make([]byte, unix.NLMSG_HDRLEN+len(text))
	binary.NativeEndian.PutUint32(m, uint32(len(m)))
	binary.NativeEndian.PutUint16(m[4:], 1326)
	copy(m[unix.NLMSG_HDRLEN:], text)
	return m
}

// forgerSocket is another process's audit socket, bound, to send from;
// it is closed when the test ends.
func forgerSocket(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_AUDIT)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestNetlinkForged: a process with CAP_NET_ADMIN (this test, as root) can
// send to an audit socket: to the registered daemon's port, or to the
// audit multicast group. No such message reaches Next. The daemon's socket
// is connected to the kernel, which refuses the send (ECONNREFUSED); the
// multicast reader skips what did not come from the kernel. The kernel's
// records keep coming.
func TestNetlinkForged(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	for _, multicast := range []bool{false, true} {
		t.Run(fmt.Sprintf("multicast=%v", multicast), func(t *testing.T) {
			n, err := OpenNetlink(NetlinkConfig{Multicast: multicast})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			fd := forgerSocket(t)
			to := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: n.conn.port}
			if multicast {
				to = &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: libaudit.NetlinkGroupReadLog}
			}
			err = unix.Sendto(fd, forgedRecord(), 0, to)
			switch {
			case !multicast && !errors.Is(err, unix.ECONNREFUSED):
				t.Errorf("send to the daemon's socket: %v, want ECONNREFUSED", err)
			case multicast && err != nil:
				t.Fatalf("send to the multicast group: %v (the test needs the send to reach the reader)", err)
			}
			time.Sleep(20 * time.Millisecond) // the forged message is in the socket, if anywhere
			ses := audittest.RunLogged(t, nil, "true")
			s := fmt.Sprint(ses)
			forged := 0
			collect(t, n, 10*time.Second, func(line string) bool {
				if strings.Contains(line, `comm="forged"`) {
					forged++
				}
				return sesOf(line) == s && syscallOf(line) == unix.SYS_EXIT_GROUP
			})
			if forged != 0 {
				t.Errorf("%d forged records read", forged)
			}
		})
	}
}

// TestNetlinkKernelOnly: the reader skips asking each message's sender
// only while the socket is connected to the kernel and in no multicast
// group, and once a receive found it empty since (TestNetlinkForgedQueued):
// a daemon that joins the group once another daemon registered asks
// again.
func TestNetlinkKernelOnly(t *testing.T) {
	audittest.NeedRoot(t)
	c, err := newNLConn(libaudit.NetlinkGroupNone, 1<<20, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	empty := func() error { // reads until the socket is empty
		for {
			_, got, err := c.recvLines()
			if err != nil || got < recvSlots {
				return err
			}
		}
	}
	steps := []struct {
		name string
		do   func() error
		want bool
	}{
		{"new", func() error { return nil }, false},
		{"connected", c.connectKernel, false},
		{"found empty", empty, true},
		{"joined the group", func() error { return c.membership(unix.NETLINK_ADD_MEMBERSHIP) }, false},
		{"found empty in the group", empty, false},
		{"left the group", func() error { return c.membership(unix.NETLINK_DROP_MEMBERSHIP) }, false},
		{"found empty again", empty, true},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if c.kernelOnly != s.want {
			t.Errorf("%s: kernelOnly %v, want %v", s.name, c.kernelOnly, s.want)
		}
	}
}

// TestNetlinkForgedQueued: a message another process put in the socket
// before only the kernel could send to it stays in its queue, and is
// skipped: one sent to the socket's port before it was connected to the
// kernel (between bind and connect, in register), and one sent to the
// multicast group while the daemon's socket was in it (another daemon had
// registered) and still queued when it left the group (reregister). The
// reader asks each message's sender until it found the socket empty.
func TestNetlinkForgedQueued(t *testing.T) {
	audittest.NeedRoot(t)
	forger := forgerSocket(t)
	for _, tc := range []struct {
		name string
		send func(t *testing.T, c *nlConn)
	}{
		{"before connect", func(t *testing.T, c *nlConn) {
			if err := unix.Sendto(forger, forgedRecord(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: c.port}); err != nil {
				t.Fatalf("send to the socket's port: %v", err)
			}
			if err := c.connectKernel(); err != nil {
				t.Fatal(err)
			}
		}},
		{"while in the group", func(t *testing.T, c *nlConn) {
			if err := c.connectKernel(); err != nil {
				t.Fatal(err)
			}
			if err := c.membership(unix.NETLINK_ADD_MEMBERSHIP); err != nil {
				t.Fatal(err)
			}
			if err := unix.Sendto(forger, forgedRecord(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: libaudit.NetlinkGroupReadLog}); err != nil {
				t.Fatalf("send to the multicast group: %v", err)
			}
			if err := c.membership(unix.NETLINK_DROP_MEMBERSHIP); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newNLConn(libaudit.NetlinkGroupNone, 1<<20, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			tc.send(t, c)
			var skipped, forged int
			for {
				lines, got, err := c.recvLines()
				if err != nil {
					t.Fatal(err)
				}
				skipped += got - len(lines)
				for _, l := range lines {
					if strings.Contains(string(l), `comm="forged"`) {
						forged++
					}
				}
				if got < recvSlots {
					break
				}
			}
			if forged == 0 && skipped == 0 {
				t.Fatal("the forged message did not reach the socket: the test shows nothing")
			}
			if forged != 0 {
				t.Errorf("%d forged records read", forged)
			}
			if !c.kernelOnly {
				t.Errorf("kernelOnly false once the socket was found empty")
			}
		})
	}
}
