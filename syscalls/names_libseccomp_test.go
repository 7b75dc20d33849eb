//go:build linux && cgo

package syscalls

import (
	"fmt"
	"strings"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// newInLibseccomp26 are the ABIs libseccomp 2.6.0 added: an older host
// library cannot be compared on them.
var newInLibseccomp26 = map[string]bool{"loongarch64": true, "m68k": true, "sh": true, "sheb": true}

// droppedFromTable are calls older libseccomp tables had that the table
// here has no more, by ABI and number: the kernel's change of
// arch/parisc/kernel/syscalls/syscall.tbl from "140 common _llseek" to
// "140 32 _llseek" reached libseccomp's csv in its update to Linux v7.1
// (commit 7e95f5b).
var droppedFromTable = map[string]map[int64]string{"parisc64": {140: "_llseek"}}

// hostArch returns the host libseccomp's ABI a, or ok false when it does
// not have it (then the test fails unless the library predates the ABI).
func hostArch(t *testing.T, a Arch) (seccomp.ScmpArch, bool) {
	t.Helper()
	sa, err := seccomp.GetArchFromString(a.Name)
	if err != nil {
		t.Errorf("libseccomp-golang does not parse %q: %v", a.Name, err)
		return sa, false
	}
	if _, err := seccomp.GetSyscallFromNameByArch("exit_group", sa); err != nil {
		major, minor, micro := seccomp.GetLibraryVersion()
		if !newInLibseccomp26[a.Name] || major > 2 || major == 2 && minor >= 6 {
			t.Errorf("libseccomp %d.%d.%d has no %s: %v", major, minor, micro, a.Name, err)
		} else {
			t.Logf("%s: not compared (libseccomp %d.%d.%d predates it)", a.Name, major, minor, micro)
		}
		return sa, false
	}
	return sa, true
}

// TestNameAgreesWithLibseccomp compares, on every ABI the host's libseccomp
// has, every number an ABI's calls can have with the host library's name
// for it. A number the host names and the table does not (or names
// otherwise) fails; a number only the table names (a call newer than the
// host library) is counted and logged.
func TestNameAgreesWithLibseccomp(t *testing.T) {
	for _, a := range Arches() {
		sa, ok := hostArch(t, a)
		if !ok {
			continue
		}
		var differ []string
		var tableOnly []int64
		for _, nr := range numbersToTry(a) {
			host, herr := seccomp.ScmpSyscall(nr).GetNameByArch(sa)
			ours, err := Name(a, nr)
			switch {
			case herr == nil && err != nil && droppedFromTable[a.Name][nr] == host:
				t.Logf("%s: %d: libseccomp %s, table none (dropped from the table, as expected)", a.Name, nr, host)
			case herr == nil && err != nil:
				differ = append(differ, fmt.Sprintf("%d: libseccomp %s, table none", nr, host))
			case herr == nil && host != ours:
				differ = append(differ, fmt.Sprintf("%d: libseccomp %s, table %s", nr, host, ours))
			case herr != nil && err == nil:
				tableOnly = append(tableOnly, nr)
			}
		}
		if len(differ) > 0 {
			t.Errorf("%s: %d numbers named otherwise than by the host's libseccomp:\n\t%s", a.Name, len(differ), strings.Join(differ, "\n\t"))
		}
		if len(tableOnly) > 0 {
			t.Logf("%s: %d numbers named by the table only (newer than the host's libseccomp): %s", a.Name, len(tableOnly), ranges(tableOnly))
		}
	}
}

// TestNumberAgreesWithLibseccomp compares, on every ABI the host's
// libseccomp has, the number of every name of the table with the host
// library's. Names libseccomp gives a negative pseudo number (socket on
// i386, which it turns into socketcall in filters; calls an ABI lacks) are
// skipped: they say nothing of the kernel's number.
func TestNumberAgreesWithLibseccomp(t *testing.T) {
	for _, a := range Arches() {
		sa, ok := hostArch(t, a)
		if !ok {
			continue
		}
		var differ, tableOnly, pseudo []string
		for i := range numSyscalls {
			name := syscallName(i)
			host, herr := seccomp.GetSyscallFromNameByArch(name, sa)
			if herr == nil && host < 0 {
				if _, err := Number(a, name); err == nil {
					pseudo = append(pseudo, name)
				}
				continue
			}
			known := herr == nil
			ours, err := Number(a, name)
			switch {
			case known && err != nil && droppedFromTable[a.Name][int64(host)] == name:
				t.Logf("%s: %s: libseccomp %d, table none (dropped from the table, as expected)", a.Name, name, host)
			case known && err != nil:
				differ = append(differ, fmt.Sprintf("%s: libseccomp %d, table none", name, host))
			case known && int64(host) != ours:
				differ = append(differ, fmt.Sprintf("%s: libseccomp %d, table %d", name, host, ours))
			case !known && err == nil:
				tableOnly = append(tableOnly, name)
			}
		}
		if len(differ) > 0 {
			t.Errorf("%s: %d names numbered otherwise than by the host's libseccomp:\n\t%s", a.Name, len(differ), strings.Join(differ, "\n\t"))
		}
		if len(tableOnly) > 0 {
			t.Logf("%s: %d names numbered by the table only (newer than the host's libseccomp): %s", a.Name, len(tableOnly), strings.Join(tableOnly, " "))
		}
		if len(pseudo) > 0 {
			t.Logf("%s: %d names skipped, that libseccomp gives a pseudo number (a call it lacks on the ABI, or multiplexes, such as socket through socketcall) and the table a number: %s", a.Name, len(pseudo), strings.Join(pseudo, " "))
		}
	}
}

// ranges writes sorted numbers as "1-3 7".
func ranges(nrs []int64) string {
	var parts []string
	for i := 0; i < len(nrs); {
		j := i
		for j+1 < len(nrs) && nrs[j+1] == nrs[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, fmt.Sprint(nrs[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", nrs[i], nrs[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, " ")
}
