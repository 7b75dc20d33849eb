package source

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sendRecord sends peer a netlink message of type typ holding text, as the
// kernel sends a record.
func sendRecord(t *testing.T, peer int, typ uint16, text string) {
	t.Helper()
	m := make([]byte, unix.NLMSG_HDRLEN+len(text))
	binary.NativeEndian.PutUint32(m[0:], uint32(len(m)))
	binary.NativeEndian.PutUint16(m[4:], typ)
	copy(m[unix.NLMSG_HDRLEN:], text)
	for {
		err := unix.Send(peer, m, 0)
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.ENOBUFS) {
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			return
		}
		time.Sleep(100 * time.Microsecond) // the pair's buffer is full: the reader catches up
	}
}

// serialOf returns the serial of a line "type=1326 audit(1.000:SERIAL): …".
func serialOf(line []byte) int {
	_, rest, _ := strings.Cut(string(line), ":")
	v, _, _ := strings.Cut(rest, ")")
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// TestPushOrder: with Push, the consumer gets every line once and in
// order, whether the reader hands a run of lines over itself or, while
// the consumer is busy (its lock held, or take refusing), queues them
// for Next; lines received after queued ones wait for Next too, until
// Next's consumer has read every queued batch. The consumer here holds
// its lock now and then for a while, as watch's flush does.
func TestPushOrder(t *testing.T) {
	const records = 20_000
	n, peer := socketReader(t, time.Second, nil)
	var (
		mu     sync.Mutex
		got    []int
		pushed int
		offers int
	)
	stop := PushUnder(n, &mu, func(l []byte) {
		got = append(got, serialOf(l))
		pushed++
	}, nil)
	defer stop()
	// A take that refuses every third offer, before PushUnder's.
	take := *n.take.Load()
	n.Push(func(lines [][]byte) bool {
		offers++ // the reader's goroutine alone
		return offers%3 != 0 && take(lines)
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			line, err := n.Next(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			Batch(n, line, func(l []byte) { got = append(got, serialOf(l)) })
			if i%16 == 0 {
				time.Sleep(time.Millisecond) // busy: the reader queues meanwhile
			}
			mu.Unlock()
		}
	}()
	for i := range records {
		sendRecord(t, peer, 1326, fmt.Sprintf("audit(1.000:%d): syscall=39", i))
		if i%500 == 0 {
			mu.Lock()
			time.Sleep(2 * time.Millisecond) // a flush
			mu.Unlock()
		}
	}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		k := len(got)
		mu.Unlock()
		if k >= records {
			break
		}
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != records {
		t.Fatalf("got %d lines, want %d", len(got), records)
	}
	for i, s := range got {
		if s != i {
			t.Fatalf("line %d has serial %d: out of order or lost (around it: %v)", i, s, got[max(i-3, 0):min(i+4, len(got))])
		}
	}
	t.Logf("%d lines: %d handed over by the reader, %d through Next; %d offers", records, pushed, records-pushed, offers)
	if pushed == 0 || pushed == records {
		t.Errorf("%d of %d lines handed over by the reader: the test did not take both roads", pushed, records)
	}
}

// TestPushStop: after PushUnder's stop, no line reaches the consumer's
// function but through Next.
func TestPushStop(t *testing.T) {
	n, peer := socketReader(t, time.Second, nil)
	var mu sync.Mutex
	pushed := 0
	stop := PushUnder(n, &mu, func([]byte) { pushed++ }, nil)
	sendRecord(t, peer, 1326, "audit(1.000:1): syscall=39")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		mu.Lock()
		p := pushed
		mu.Unlock()
		if p == 1 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the first line was not handed over")
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	sendRecord(t, peer, 1326, "audit(1.000:2): syscall=39")
	line, err := n.Next(ctx)
	if err != nil || serialOf(line) != 2 {
		t.Fatalf("Next after stop = %q, %v; want the second line", line, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if pushed != 1 {
		t.Errorf("%d lines handed over, want 1 (none after stop)", pushed)
	}
}

// TestPushPanic: a panic of the consumer on the reader's goroutine ends
// the process only through Next's caller, as a *ReaderPanic with the
// value, so that the caller's recovery can close the source (and put the
// audit state back) first.
func TestPushPanic(t *testing.T) {
	n, peer := socketReader(t, time.Second, nil)
	n.Push(func([][]byte) bool { panic("boom") })
	sendRecord(t, peer, 1326, "audit(1.000:1): syscall=39")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got any
	func() {
		defer func() { got = recover() }()
		n.Next(ctx)
	}()
	p, ok := got.(*ReaderPanic)
	if !ok || p.Value != "boom" || !strings.Contains(p.Error(), "boom") || len(p.Stack) == 0 {
		t.Fatalf("Next panicked with %#v, want a *ReaderPanic of \"boom\" with a stack", got)
	}
	done := make(chan error)
	go func() { done <- n.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close after the reader's panic did not return")
	}
}

// TestLineInPlace: the line is the record's text after "type=N ", for
// types of every length, made in the message's own buffer, with the
// kernel's padding trimmed.
func TestLineInPlace(t *testing.T) {
	for _, tc := range []struct {
		typ  uint16
		text string
		want string
	}{
		{1326, "audit(1.000:1): syscall=39", "type=1326 audit(1.000:1): syscall=39"},
		{1100, "audit(1.000:2): x\n\x00\x00", "type=1100 audit(1.000:2): x"},
		{65535, "audit(1.000:3): y", "type=65535 audit(1.000:3): y"},
	} {
		m := make([]byte, unix.NLMSG_HDRLEN+len(tc.text))
		copy(m[unix.NLMSG_HDRLEN:], tc.text)
		line := lineInPlace(m, tc.typ)
		if string(line) != tc.want {
			t.Errorf("type %d: %q, want %q", tc.typ, line, tc.want)
		}
		trimmed := strings.TrimRight(tc.text, "\n\x00")
		if &line[len(line)-1] != &m[unix.NLMSG_HDRLEN+len(trimmed)-1] {
			t.Errorf("type %d: the line is not in the message's buffer", tc.typ)
		}
	}
}

// TestPushCloseInStorm: while the consumer takes every line and the socket
// never empties (it is slower than the sender, as watch can be in a storm:
// the kernel then waits for room in the socket's buffer), Close still
// returns promptly: the reader comes back to its loop (where it sees Close
// and reads the status) after a batch's worth of lines, handed over or
// not.
func TestPushCloseInStorm(t *testing.T) {
	n, peer := socketReader(t, 10*time.Millisecond, nil)
	var took atomic.Int64
	n.Push(func(lines [][]byte) bool {
		took.Add(int64(len(lines)))
		time.Sleep(200 * time.Microsecond) // slower than the sender
		return true
	})
	quit := make(chan struct{})
	flooded := make(chan struct{})
	go func() { // a storm: the socket stays full
		defer close(flooded)
		m := make([]byte, unix.NLMSG_HDRLEN+64)
		binary.NativeEndian.PutUint32(m[0:], uint32(len(m)))
		binary.NativeEndian.PutUint16(m[4:], 1326)
		copy(m[unix.NLMSG_HDRLEN:], "audit(1.000:1): syscall=39")
		for {
			select {
			case <-quit:
				return
			default:
			}
			if err := unix.Send(peer, m, 0); err != nil {
				time.Sleep(20 * time.Microsecond)
			}
		}
	}()
	defer func() {
		close(quit)
		<-flooded
	}()
	for took.Load() < 10*recvSlots { // the storm is on: full receives
		time.Sleep(time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { done <- n.Close() }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatalf("Close did not return within 3 s of a storm the consumer takes (%d lines taken)", took.Load())
	}
}

// TestPushPanicInClose: a panic of the consumer on the reader's goroutine
// while Close runs (watch closes the source once its ctx is done, while
// the reader still hands lines over) is neither lost nor raised on the
// reader's goroutine (which would end the process with Close waiting, the
// audit state not put back): Close panics with it once it is done.
func TestPushPanicInClose(t *testing.T) {
	n, peer := socketReader(t, time.Second, nil)
	entered, release := make(chan struct{}), make(chan struct{})
	n.Push(func([][]byte) bool {
		close(entered)
		<-release
		panic("boom")
	})
	sendRecord(t, peer, 1326, "audit(1.000:1): syscall=39")
	<-entered
	got := make(chan any, 1)
	go func() {
		defer func() { got <- recover() }()
		n.Close()
	}()
	for { // Close asked the reader to stop
		select {
		case <-n.stop:
		default:
			time.Sleep(time.Millisecond)
			continue
		}
		break
	}
	close(release)
	select {
	case v := <-got:
		if p, ok := v.(*ReaderPanic); !ok || p.Value != "boom" {
			t.Fatalf("Close panicked with %#v, want a *ReaderPanic of \"boom\"", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
}
