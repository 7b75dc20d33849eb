package containers

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/recorder-dev/recorder/internal/procev"
)

// ErrNoUnified: the kernel has no unified (v2) cgroup hierarchy in use
// (cgroup v1 alone), the only one the events tell: every process would
// seem to be in its root, on the host.
var ErrNoUnified = errors.New("no unified (v2) cgroup hierarchy: the process events cannot tell containers")

// OpenTracker loads the process events' program (procev.Open) and learns
// the cgroups already there. It fails wrapping procev.ErrUnsupported where
// the kernel refuses the program, and with ErrNoUnified on cgroup v1
// alone.
func OpenTracker() (*Tracker, error) {
	if data, err := os.ReadFile("/proc/self/cgroup"); err == nil && !hasUnified(data) {
		return nil, ErrNoUnified
	}
	r, err := procev.Open()
	if err != nil {
		return nil, err
	}
	walk := func() map[uint64]string { return unifiedCgroups("/proc/self/mountinfo") }
	t := NewTracker(r, procev.BootOffset(), walk())
	t.mu.Lock()
	t.walk, t.clock = walk, procev.BootOffset
	t.mu.Unlock()
	return t, nil
}

// hasUnified reports whether a /proc/PID/cgroup file has the unified
// hierarchy's line, "0::PATH".
func hasUnified(data []byte) bool {
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "0::") {
			return true
		}
	}
	return false
}

// unifiedCgroups walks the unified (v2) hierarchy: each cgroup's ID is its
// directory's inode number. None when it is not mounted.
func unifiedCgroups(mountinfo string) map[uint64]string {
	paths := map[uint64]string{}
	root := unifiedMount(mountinfo)
	if root == "" {
		return paths
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || len(paths) >= maxPaths {
			return filepath.SkipAll
		}
		rel := strings.TrimPrefix(p, root)
		if rel == "" {
			rel = "/"
		}
		paths[st.Ino] = rel
		return nil
	})
	return paths
}

// unifiedMount is where the cgroup2 file system is mounted, "" for nowhere.
func unifiedMount(mountinfo string) string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID parent major:minor root mountpoint options... - fstype source options
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields := strings.Fields(pre)
		if !ok || len(fields) < 5 || !strings.HasPrefix(post, "cgroup2 ") || fields[3] != "/" {
			continue
		}
		return strings.ReplaceAll(fields[4], `\040`, " ")
	}
	return ""
}
