package containers

import (
	"os"
	"testing"
)

func TestUnifiedMount(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/mountinfo"
	// Lines of this machine's /proc/self/mountinfo (hybrid: v1 controllers
	// and the unified hierarchy at /sys/fs/cgroup/unified), and one whose
	// root is not the hierarchy's (a bind mount of a sub-cgroup).
	data := "35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n" +
		"36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate\n" +
		"37 35 0:32 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
	for _, tc := range []struct{ in, want string }{
		{data, "/sys/fs/cgroup/unified"},
		{"36 35 0:31 /kubepods /mnt rw - cgroup2 cgroup2 rw\n", ""},
		{"", ""},
	} {
		os.WriteFile(path, []byte(tc.in), 0o644)
		if got := unifiedMount(path); got != tc.want {
			t.Errorf("unifiedMount(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHasUnified(t *testing.T) {
	for in, want := range map[string]bool{
		"12:pids:/kubepods/x\n0::/kubepods/x\n": true, // hybrid, as on this machine
		"0::/\n":                                true, // v2 alone
		"12:pids:/\n1:name=systemd:/\n":         false,
		"":                                      false,
	} {
		if hasUnified([]byte(in)) != want {
			t.Errorf("hasUnified(%q) = %v", in, !want)
		}
	}
}
