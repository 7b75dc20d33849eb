package attacker

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// User is an unprivileged local user made for one test.
type User struct {
	Name     string
	UID, GID uint32
}

// New makes a user (no home, no login shell) and removes it, and its
// group, when t ends. It fails t when not root.
func New(t *testing.T) *User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("needs root to make a user (run the tests as root, as CI does)")
	}
	name := fmt.Sprintf("rectest%d%03d", os.Getpid()%100000, seq())
	if out, err := exec.Command("useradd", "-M", "-U", "-s", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
		if _, err := user.LookupGroup(name); err == nil {
			exec.Command("groupdel", name).Run()
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &User{Name: name, UID: uint32(uid), GID: uint32(gid)}
}

var n atomic.Int32

func seq() int { return int(n.Add(1)) }

// Command is a command that runs as u, in dir.
func (u *User) Command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.UID, Gid: u.GID, NoSetGroups: true}}
	return cmd
}

// Sh runs the shell script as u in dir, failing t when it fails.
func (u *User) Sh(t *testing.T, dir, script string) {
	t.Helper()
	if out, err := u.Command(dir, "sh", "-ec", script).CombinedOutput(); err != nil {
		t.Fatalf("as %s in %s: %s: %v\n%s", u.Name, dir, script, err, out)
	}
}

// Own gives the paths to u (links themselves, not what they point to).
func (u *User) Own(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.Lchown(p, int(u.UID), int(u.GID)); err != nil {
			t.Fatal(err)
		}
	}
}

// Quote quotes s for a shell script.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
