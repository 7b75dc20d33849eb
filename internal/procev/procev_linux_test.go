package procev

import (
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestOpen loads the program on this kernel and sees a /bin/true's fork,
// exec and exit, its parent being this test.
func TestOpen(t *testing.T) {
	r, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	seen := map[Kind]Event{}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		var e Event
		for {
			err := r.Read(&e)
			if errors.Is(err, ErrDrained) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.PID == pid {
				seen[e.Kind] = e
			}
		}
	}
	for _, k := range []Kind{Fork, Exec, Exit} {
		if _, ok := seen[k]; !ok {
			t.Errorf("no %s event of pid %d: %v", k, pid, seen)
		}
	}
	if f := seen[Fork]; f.PPID != uint32(os.Getpid()) || f.Cgroup == 0 {
		t.Errorf("fork %+v: want parent %d and a cgroup", f, os.Getpid())
	}
	if r.Lost() != 0 {
		t.Errorf("lost %d", r.Lost())
	}
}

// BenchmarkForkExec is the cost the program adds to a process's life: a
// fork, exec and exit of /bin/true, without the program and with it
// loaded (its events read after each).
func BenchmarkForkExec(b *testing.B) {
	for _, loaded := range []bool{false, true} {
		name := "unloaded"
		if loaded {
			name = "loaded"
		}
		b.Run(name, func(b *testing.B) {
			var r *Reader
			if loaded {
				var err error
				if r, err = Open(); err != nil {
					b.Fatal(err)
				}
				defer r.Close()
			}
			var e Event
			for b.Loop() {
				if err := exec.Command("/bin/true").Run(); err != nil {
					b.Fatal(err)
				}
				for r != nil && r.Read(&e) == nil {
				}
			}
		})
	}
}

// TestBootOffsetReal: the host's offset, read twice, agrees within a
// millisecond (both are the wall clock's time at boot).
func TestBootOffsetReal(t *testing.T) {
	a, b := BootOffset(), BootOffset()
	if a == 0 {
		t.Fatal("no offset: CLOCK_BOOTTIME unreadable")
	}
	if d := a - b; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("two readings differ by %v", d)
	}
}
