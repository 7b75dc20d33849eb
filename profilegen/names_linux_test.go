//go:build linux && cgo

package profilegen

import (
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// TestNameAgreesWithLibseccomp checks the table's libseccomp names against
// libseccomp's own name-to-number direction.
func TestNameAgreesWithLibseccomp(t *testing.T) {
	for _, a := range append(allArches(), x32) {
		sa, err := seccomp.GetArchFromString(a.Name)
		if err != nil {
			t.Errorf("libseccomp does not parse %q: %v", a.Name, err)
			continue
		}
		switch a.Name {
		case "loongarch64", "m68k", "sh", "sheb":
			continue // not in libseccomp 2.5
		}
		nr, err := seccomp.GetSyscallFromNameByArch("exit_group", sa)
		if err != nil {
			t.Errorf("%s: exit_group: %v", a.Name, err)
			continue
		}
		if a == x32 && nr&x32Bit == 0 {
			t.Errorf("x32 exit_group = %#x: libseccomp's x32 numbers lost their bit", nr)
		}
		if got, err := Name(a, int64(nr)); err != nil || got != "exit_group" {
			t.Errorf("Name(%s, %d) = %q, %v; want exit_group", a.Name, nr, got, err)
		}
	}
}
