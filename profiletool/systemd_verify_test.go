//go:build linux

package profiletool

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// TestSystemdVerify checks the unit settings of recorded, durable,
// conditional and deny-list profiles with this machine's systemd-analyze
// verify (systemd 252 here; make test installs systemd): systemd takes
// every line, but names of calls newer than its table ("Failed to parse
// system call, ignoring"). A deny-list keeps each call's errno, the durable
// rule's ENOSYS among them (NAME:38). An allow-list cannot: systemd refuses
// NAME:ERRNO there ("Allow-listed system calls cannot take error number,
// ignoring"), and a NAME:ERRNO of the deny-list form after an allow-list
// only removes NAME from the list; so the durable rule's calls get
// SystemCallErrorNumber=, said in a comment and a note.
func TestSystemdVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze is needed (Debian package systemd; make test installs it): %v", err)
	}
	enosys := uint(38)
	ps := testProfiles(t)
	ps["deny-list-enosys"] = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_X86_64"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"clone3", "faccessat2"}, Action: specs.ActErrno, ErrnoRet: &enosys},
			{Names: []string{"ptrace"}, Action: specs.ActErrno},
		}}
	ignored := regexp.MustCompile(`Failed to parse system call, ignoring: [a-z0-9_]+$`)
	dir := t.TempDir()
	for _, name := range []string{"syslog-traditional.json", "runtime-default", "conditional-b", "blocklist-a", "deny-list-enosys"} {
		data, notes, err := SystemdUnit(name, ps[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		unit := filepath.Join(dir, strings.NewReplacer(".", "-", "_", "-").Replace(name)+".service")
		if err := os.WriteFile(unit, append([]byte("[Service]\nExecStart=/bin/true\n"), data...), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, filepath.Base(unit)) && !ignored.MatchString(line) {
				t.Errorf("%s: systemd-analyze verify: %s", name, line)
			}
		}
		text := string(data)
		switch name {
		case "deny-list-enosys":
			if !strings.Contains(text, "clone3:38") || !strings.Contains(text, "faccessat2:38") || !strings.Contains(text, "ptrace:EPERM") {
				t.Errorf("%s: the deny-list lost an errno:\n%s", name, text)
			}
		case "syslog-traditional.json":
			if !strings.Contains(text, "SCMP_ACT_ERRNO(38); an allow-list has one") || len(notes) == 0 {
				t.Errorf("%s: the durable rule's loss is not said:\n%s", name, text)
			}
		}
	}
}
