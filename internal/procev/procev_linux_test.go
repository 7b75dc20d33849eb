package procev

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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

// leaderExits is a program whose main thread ends first (pthread_exit)
// while another thread of it lives on for 300 ms: the process ends then.
const leaderExits = `#include <pthread.h>
#include <unistd.h>
static void *run(void *a) { usleep(300000); return a; }
int main(void) { pthread_t t; pthread_create(&t, 0, run, 0); pthread_exit(0); }
`

// TestExitIsTheLastThreads: a process's exit event comes when its last
// thread ends, not when its leader does (the threads left make calls under
// its pid, and the Tracker would call their records a dead process's).
func TestExitIsTheLastThreads(t *testing.T) {
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "leader.c"), filepath.Join(dir, "leader")
	if err := os.WriteFile(src, []byte(leaderExits), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cc", "-pthread", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v: %s", err, out)
	}
	r, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(bin)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	var exits []Event
	var fork Event
	deadline := time.Now().Add(5 * time.Second)
	for (len(exits) == 0 || fork.Kind == 0) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		var e Event
		for r.Read(&e) == nil {
			switch {
			case e.PID == pid && e.Kind == Exit:
				exits = append(exits, e)
			case e.PID == pid && e.Kind == Fork:
				fork = e
			}
		}
	}
	if len(exits) == 0 || fork.Kind == 0 {
		t.Fatalf("pid %d: fork %+v, exits %+v", pid, fork, exits)
	}
	if lived := exits[0].Boot - fork.Boot; lived < 250*time.Millisecond {
		t.Errorf("pid %d's exit came %v after its fork: its leader's end, not the process's (its thread lived 300 ms)", pid, lived)
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
