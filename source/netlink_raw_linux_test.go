package source

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketReader is a Netlink whose reader runs on one end of a datagram
// socket pair instead of the audit socket (no kernel audit state, no
// lock): the reader's own loop, its waits and its receives, as they run
// on the audit socket. The other end is returned for the test to send to.
func socketReader(t *testing.T, statusInterval time.Duration, log *slog.Logger) (*Netlink, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Netlink{cfg: NetlinkConfig{StatusInterval: statusInterval}, log: log, wake: -1,
		conn: &nlConn{fd: fds[0], buf: make([]byte, 1<<16), rcvbuf: coalesceBuffer}}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Close()
		unix.Close(fds[1])
	})
	return n, fds[1]
}

// TestNetlinkWaitsFollowGOMAXPROCS: the reader's raw waits keep its P, so
// they are for a process with another P. When GOMAXPROCS drops to 1 after
// the source opened (runtime.GOMAXPROCS, or the runtime itself since Go
// 1.25 when the CPU affinity shrinks to one CPU: taskset -a -p 1 on a
// running watch made GOMAXPROCS 1 within seconds, Go 1.26), a raw
// wait holds the only P, and every other goroutine waits for it. Under a
// trickle of records (a message every 2 ms, from another process) the
// reader's pauses and raw polls held each 100 µs sleep here for the
// runtime's preemption of the reader (20 ms at the median, 50 sleeps 1.0 s).
// The reader must follow GOMAXPROCS as it is at each turn.
func TestNetlinkWaitsFollowGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	_, peer := socketReader(t, time.Second, nil)
	trickle(t, peer)
	time.Sleep(20 * time.Millisecond) // the reader is in its loop
	runtime.GOMAXPROCS(1)
	const sleeps = 50
	took := make([]time.Duration, sleeps)
	for i := range took {
		start := time.Now()
		time.Sleep(100 * time.Microsecond)
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	// A 100 µs sleep: about 3 ms at the median here when the reader waits
	// through the runtime (the P comes back when sysmon takes it from the
	// system call), 20 ms when it waits for the runtime to preempt the
	// reader. The median, not the sum, so that a busy machine's few long
	// delays do not count.
	t.Logf("a 100µs sleep: %v at the median, %v at most", took[sleeps/2], took[sleeps-1])
	if med := took[sleeps/2]; med > 10*time.Millisecond {
		t.Errorf("a 100µs sleep took %v at the median (%v at most) with GOMAXPROCS lowered to 1 after the source opened: the reader's raw waits hold the only P",
			med, took[sleeps-1])
	}
}

// trickle sends a message to fd every 2 ms from a shell, outside this
// process's scheduler, until the test ends. (Not a record: the reader
// skips it, after the wake-up, pause and receive a record costs.)
func trickle(t *testing.T, fd int) {
	t.Helper()
	dup, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	out := os.NewFile(uintptr(dup), "trickle")
	cmd := exec.Command("sh", "-c", "while :; do printf x; sleep 0.002; done")
	cmd.Stdout = out
	err = cmd.Start()
	out.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// TestNetlinkWaitPastDue: a wait whose time passed already (the status
// read took longer than the interval, or the thread was descheduled
// between the check and the wait) is a poll that returns at once, not an
// error logged and a 10 ms sleep: a negative timeout made the raw ppoll
// fail with EINVAL.
func TestNetlinkWaitPastDue(t *testing.T) {
	for _, raw := range []bool{false, true} {
		var logged bytes.Buffer
		n := &Netlink{log: slog.New(slog.NewTextHandler(&logged, nil)), stop: make(chan struct{})}
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fds[0])
		defer unix.Close(fds[1])
		n.conn, n.wake = &nlConn{fd: fds[0], raw: raw}, fds[1]
		if _, ok := n.waitReadable(-50 * time.Millisecond); !ok {
			t.Fatal("stopped")
		}
		if logged.Len() > 0 {
			t.Errorf("raw %v: a wait past due logged %q", raw, logged.String())
		}
	}
}

// TestRawWaitEndsAtSignal: a signal to the reader's thread (the runtime's
// preemption, SIGURG, sent for a stop of the world) ends a raw poll and a
// raw pause at once (EINTR: poll, ppoll and nanosleep are not restarted
// after a handler, SA_RESTART or not), so a raw wait never holds up a
// collection for longer than the signal takes.
func TestRawWaitEndsAtSignal(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	for _, c := range []struct {
		name string
		wait func() error
	}{
		{"ppoll", func() error {
			_, err := rawPoll([]unix.PollFd{{Fd: int32(fds[0]), Events: unix.POLLIN}}, 5*time.Second)
			return err
		}},
		{"nanosleep", func() error { pause(5*time.Second, true); return nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			tid := make(chan int, 1)
			done := make(chan error, 1)
			go func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				tid <- unix.Gettid()
				done <- c.wait()
			}()
			id := <-tid
			// Signalled until it ends (the first may come before the
			// wait began); the wait itself is 5 s.
			deadline := time.After(3 * time.Second)
			for {
				if err := unix.Tgkill(unix.Getpid(), id, unix.SIGURG); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-done:
					if c.name == "ppoll" && !errors.Is(err, unix.EINTR) {
						t.Errorf("ppoll ended with %v, want EINTR", err)
					}
					return
				case <-deadline:
					t.Fatal("signals did not end the raw wait")
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
}

// TestNetlinkCloseEndsRawWait: Close ends the reader at once whatever wait
// it is in (a raw poll, a raw pause, the runtime's poll for the rest of a
// status interval of a minute): the wake-up descriptor is in every poll.
func TestNetlinkCloseEndsRawWait(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, busy := range []bool{false, true} {
		n, peer := socketReader(t, time.Minute, nil)
		if busy {
			trickle(t, peer)
		}
		time.Sleep(50 * time.Millisecond) // in its waits
		start := time.Now()
		n.Close()
		if took := time.Since(start); took > time.Second {
			t.Errorf("trickle %v: Close took %v", busy, took)
		}
	}
}
