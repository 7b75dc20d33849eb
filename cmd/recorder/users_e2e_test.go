//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/internal/runctest"
)

// evilSO is a library whose constructor makes the calls of issue 17's item
// 5 in whatever program preloads it; as an unprivileged user each fails
// (EPERM, EINVAL), but a LOG filter logs it first.
const evilSO = `#include <unistd.h>
#include <sys/syscall.h>
__attribute__((constructor)) static void evil(void) {
	syscall(SYS_kexec_load, 0, 0, 0, 0);
	syscall(SYS_init_module, 0, 0, "");
	syscall(SYS_bpf, -1, 0, 0);
}
`

// evilCalls are the calls evilSO makes.
var evilCalls = []string{"kexec_load", "init_module", "bpf"}

// newUser adds an unprivileged system user for the test, and deletes it
// when the test ends; it returns its uid and gid.
func newUser(t *testing.T) (uid, gid string) {
	t.Helper()
	name := "rec-t" + runctest.NewID()[:8]
	if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return u.Uid, u.Gid
}

// TestRecordUsersMix is issue 17's item 5: any local user under a LOG
// filter (here record's, inherited across setpriv) runs
// LD_PRELOAD=evil.so /usr/bin/true, and with -g exe /usr/bin/true's
// profile then allows kexec_load, init_module and bpf. The summary now
// says that the group mixes users, with the uids; --uid 0 keeps root's
// records only, and the profile of /usr/bin/true holds none of those.
func TestRecordUsersMix(t *testing.T) {
	recorder, _ := e2e(t)
	uid, gid := newUser(t)
	lib, err := os.MkdirTemp("", "recorder-uid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(lib) })
	os.Chmod(lib, 0o755) // the user reads the library
	src, so := filepath.Join(lib, "evil.c"), filepath.Join(lib, "evil.so")
	if err := os.WriteFile(src, []byte(evilSO), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", so, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v: %s", err, out)
	}
	script := fmt.Sprintf("/usr/bin/true; setpriv --reuid=%s --regid=%s --clear-groups env LD_PRELOAD=%s /usr/bin/true", uid, gid, so)
	for _, tc := range []struct {
		flags []string
		evil  bool
	}{{nil, true}, {[]string{"--uid", "0"}, false}} {
		out := filepath.Join(t.TempDir(), "profiles")
		args := slices.Concat([]string{"record", "-d", out, "--group-by", "exe"}, tc.flags, []string{"--", "sh", "-c", script})
		rec := startRecorder(t, recorder, args...)
		if code, _ := rec.wait(t); code != 0 {
			t.Fatalf("recorder %s: exit %d\n%s", strings.Join(args, " "), code, rec.stderr.String())
		}
		summary := rec.stderr.String()
		found, _ := filepath.Glob(filepath.Join(out, "true@*.json"))
		if len(found) != 1 {
			t.Fatalf("%v: no profile of /usr/bin/true: %q\n%s", tc.flags, found, summary)
		}
		names := profiletest.Allowed(profiletest.Read(t, found[0]))
		for _, c := range evilCalls {
			if slices.Contains(names, c) != tc.evil {
				t.Errorf("%v: /usr/bin/true allows %s: %v; want %v", tc.flags, c, !tc.evil, tc.evil)
			}
		}
		mix := "warning: /usr/bin/true mixes users: "
		if tc.evil && (!strings.Contains(summary, mix) || !strings.Contains(summary, "uid "+uid+" (") || !strings.Contains(summary, "uid 0 (")) {
			t.Errorf("the summary does not show the mix of uid 0 and %s:\n%s", uid, summary)
		}
		if !tc.evil && strings.Contains(summary, mix) {
			t.Errorf("--uid 0: the summary shows a mix:\n%s", summary)
		}
		t.Logf("record %v:\n%s", tc.flags, summary)
	}
}
