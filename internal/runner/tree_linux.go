package runner

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"
)

// treePoll is how often procTree reads /proc.
const treePoll = 10 * time.Millisecond

// procTree follows a process tree by polling /proc: the fallback when the
// program could not get an audit session of its own. Children that start
// and end between two polls are missed.
type procTree struct {
	mu   sync.Mutex
	pids map[int32]bool
	done chan struct{}
	once sync.Once
}

func newProcTree(root int32) *procTree {
	return &procTree{pids: map[int32]bool{root: true}, done: make(chan struct{})}
}

func (t *procTree) poll() {
	tick := time.NewTicker(treePoll)
	defer tick.Stop()
	for {
		t.scan()
		select {
		case <-t.done:
			return
		case <-tick.C:
		}
	}
}

func (t *procTree) stop() { t.once.Do(func() { close(t.done) }) }

// scan adds the processes whose parent is in the tree.
func (t *procTree) scan() {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	parent := make(map[int32]int32, len(ents))
	for _, e := range ents {
		pid, err := strconv.ParseInt(e.Name(), 10, 32)
		if err != nil {
			continue
		}
		if ppid, ok := readPPID(e.Name()); ok {
			parent[int32(pid)] = ppid
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for grew := true; grew; {
		grew = false
		for pid, ppid := range parent {
			if t.pids[ppid] && !t.pids[pid] {
				t.pids[pid], grew = true, true
			}
		}
	}
}

// readPPID reads the 4th field of /proc/PID/stat, after the comm in
// parentheses (which may itself hold spaces and parentheses).
func readPPID(pid string) (int32, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.ParseInt(string(f[1]), 10, 32)
	return int32(ppid), err == nil
}

func (t *procTree) has(pid int32) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pids[pid]
}
