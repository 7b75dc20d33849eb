package source

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/recorder-dev/recorder/internal/audittest"
)

// TestKmsg reads the workload's records from /dev/kmsg, where the kernel
// prints them when no audit daemon is registered, with facility 0; a line
// written to /dev/kmsg by userspace comes back with another facility.
func TestKmsg(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t) // a daemon would get the records: they would not be printed
	audittest.NoPrintkLimit(t)
	k, err := OpenKmsg(KmsgPath, false)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()

	forged := "audit: type=1326 audit(1.2:3): auid=0 uid=0 gid=0 ses=4000000001 pid=1 comm=\"x\" exe=\"/x\" sig=0 arch=c000003e syscall=999 compat=0 ip=0x0 code=0x7ffc0000"
	if err := os.WriteFile(KmsgPath, []byte("<5>"+forged+"\n"), 0); err != nil {
		t.Fatal(err)
	}
	collect(t, k, 5*time.Second, func(line string) bool {
		if !strings.HasSuffix(line, forged) {
			return false
		}
		if pri, _, _ := strings.Cut(line, ","); pri == "5" {
			t.Errorf("userspace line came back with facility 0: %q", line)
		}
		return true
	})

	ses := audittest.RunLogged(t, nil, "true")
	seen := map[int]bool{}
	s := strconv.FormatUint(uint64(ses), 10)
	collect(t, k, 10*time.Second, func(line string) bool {
		// While auditing is on (another process may leave it on), the
		// session's login (type=1006) and syscall (1300) records come too.
		if sesOf(line) != s || !strings.Contains(line, " type=1326 ") {
			return false
		}
		if !strings.HasPrefix(line, "5,") || !strings.Contains(line, ";audit: type=1326 audit(") {
			t.Errorf("kernel record in an unexpected shape: %q", line)
		}
		seen[syscallOf(line)] = true
		return seen[unix.SYS_EXECVE] && seen[unix.SYS_EXIT_GROUP]
	})
}

// TestKmsgFromEnd checks that a new reader does not see lines from before
// it opened the device.
func TestKmsgFromEnd(t *testing.T) {
	audittest.NeedRoot(t)
	mark := "recorder kmsg test mark " + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(KmsgPath, []byte(mark+" old\n"), 0); err != nil {
		t.Fatal(err)
	}
	k, err := OpenKmsg(KmsgPath, false)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := os.WriteFile(KmsgPath, []byte(mark+" new\n"), 0); err != nil {
		t.Fatal(err)
	}
	collect(t, k, 5*time.Second, func(line string) bool {
		if strings.HasSuffix(line, mark+" old") {
			t.Errorf("read a line from before the open: %q", line)
		}
		return strings.HasSuffix(line, mark+" new")
	})
}

// TestKmsgCloseTwice closes a Kmsg twice: the second Close leaves alone the
// file that got the descriptor number meanwhile. (A plain file stands in
// for the device.)
func TestKmsgCloseTwice(t *testing.T) {
	path := t.TempDir() + "/kmsg"
	if err := os.WriteFile(path, []byte("5,1,0,-;line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, err := OpenKmsg(path, true)
	if err != nil {
		t.Fatal(err)
	}
	fd := k.fd
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	other, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if int(other.Fd()) != fd { // make another file take the number
		if err := unix.Dup2(int(other.Fd()), fd); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
	}
	if err := k.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Errorf("the second close closed another file: %v", err)
	}
}
