package profiletool

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// ErrNotExpressible: a profile systemd's SystemCallFilter= cannot say.
var ErrNotExpressible = errors.New("not expressible in SystemCallFilter=")

// systemdArch is systemd's name of each OCI architecture
// (SystemCallArchitectures= takes ConditionArchitecture='s names, and x32,
// mips64-n32, mips64-le-n32; systemd 252 does not know loongarch64 yet,
// later releases do). m68k and SuperH have none.
var systemdArch = map[string]string{
	"SCMP_ARCH_X86_64": "x86-64", "SCMP_ARCH_X86": "x86", "SCMP_ARCH_X32": "x32",
	"SCMP_ARCH_AARCH64": "arm64", "SCMP_ARCH_ARM": "arm",
	"SCMP_ARCH_PPC64": "ppc64", "SCMP_ARCH_PPC64LE": "ppc64-le", "SCMP_ARCH_PPC": "ppc",
	"SCMP_ARCH_S390X": "s390x", "SCMP_ARCH_S390": "s390", "SCMP_ARCH_RISCV64": "riscv64",
	"SCMP_ARCH_MIPS": "mips", "SCMP_ARCH_MIPSEL": "mips-le", "SCMP_ARCH_MIPS64": "mips64",
	"SCMP_ARCH_MIPSEL64": "mips64-le", "SCMP_ARCH_MIPS64N32": "mips64-n32",
	"SCMP_ARCH_MIPSEL64N32": "mips64-le-n32", "SCMP_ARCH_LOONGARCH64": "loongarch64",
	"SCMP_ARCH_PARISC": "parisc", "SCMP_ARCH_PARISC64": "parisc64",
}

// SystemdArch returns systemd's name of the OCI architecture oci.
func SystemdArch(oci string) (string, bool) {
	s, ok := systemdArch[oci]
	return s, ok
}

// SystemdUnit writes p as the [Service] settings that confine a program the
// same way in a systemd unit (a drop-in such as
// /etc/systemd/system/UNIT.d/seccomp.conf): SystemCallArchitectures=, then
// SystemCallFilter= lines (several, merged by systemd), then
// SystemCallErrorNumber= and SystemCallLog=. name names p in the comment
// at the top.
//
// systemd's filter is an allow-list (default action ERRNO or KILL) or a
// deny-list (default ALLOW) of unconditional rules, and in an allow-list
// every denied call gets the one SystemCallErrorNumber=. So: conditional
// rules are left out (in an allow-list the call is then denied: stricter
// than p; in a deny-list it is allowed: looser); in an allow-list, a rule
// that denies with another errno than the default's (the durable ENOSYS
// rule) cannot keep its errno, and those calls get the default's: systemd
// takes NAME:ERRNO only in a deny-list (systemd 252's verify: "Allow-listed
// system calls cannot take error number, ignoring"), and a "~NAME:ERRNO"
// line after an allow-list only takes NAME out of it. A deny-list keeps
// each call's errno, ENOSYS among them (TestSystemdVerify). Each
// loss is a comment in the output and a line of notes. systemd also allows,
// whatever the list, execve, exit, exit_group, getrlimit, rt_sigreturn,
// sigreturn and the calls that read the time or sleep (systemd.exec(5)).
// Default actions systemd has no filter for (LOG, TRAP, TRACE,
// USER_NOTIF) are an error wrapping ErrNotExpressible.
//
// The profile is hostile text: a name of a rule that is not made of what
// syscall names are made of (a-z, 0-9, _) is an error wrapping
// profilegen.ErrProfile, never a line of the unit; name, architectures,
// actions and operators go only into comments and notes, through
// pipeline.Quote.
func SystemdUnit(name string, p *specs.LinuxSeccomp) (out []byte, notes []string, err error) {
	if err := checkNames(p); err != nil {
		return nil, nil, err
	}
	def := defaultAct(p)
	var b strings.Builder
	fmt.Fprintf(&b, "# The seccomp filter of %s as systemd unit settings, written by recorder convert.\n", pipeline.Quote(name))
	b.WriteString("# A drop-in: /etc/systemd/system/UNIT.d/seccomp.conf, then systemctl daemon-reload.\n")
	b.WriteString("# systemd allows execve, exit, exit_group, getrlimit, rt_sigreturn, sigreturn and\n# the calls that read the time or sleep whatever the list (systemd.exec(5)).\n")
	// note says what systemd cannot: in full in the output, and with at
	// most 8 names in notes.
	note := func(names []string, format string, args ...any) {
		short := names
		if len(short) > 8 {
			short = append(slices.Clone(short[:8]), fmt.Sprintf("(%d more)", len(names)-8))
		}
		notes = append(notes, fmt.Sprintf(format, append([]any{strings.Join(short, " ")}, args...)...))
		line := "#"
		for _, word := range strings.Fields(fmt.Sprintf(format, append([]any{strings.Join(names, " ")}, args...)...)) {
			if len(line)+1+len(word) > 100 && line != "#" {
				b.WriteString(line + "\n")
				line = "#  "
			}
			line += " " + word
		}
		b.WriteString(line + "\n")
	}
	allowList := false
	switch def.Action {
	case specs.ActErrno, specs.ActKillProcess, specs.ActKillThread:
		allowList = true
	case specs.ActAllow:
	default:
		return nil, nil, fmt.Errorf("%w: default action %s", ErrNotExpressible, def)
	}
	var archs []string
	for _, a := range p.Architectures {
		s, ok := systemdArch[string(a)]
		if !ok {
			note([]string{pipeline.Quote(string(a))}, "%s: systemd has no name for this architecture; left out")
			continue
		}
		archs = append(archs, s)
	}
	if len(archs) == 0 {
		archs = []string{"native"}
	}
	b.WriteString("[Service]\n")
	b.WriteString("SystemCallArchitectures=" + strings.Join(archs, " ") + "\n")

	first := firstUnconditional(p)
	var listed, logged []string
	denied := map[Act][]string{}
	for _, n := range slices.Sorted(maps.Keys(first)) {
		a := first[n]
		switch {
		case allowList && a.Allows():
			listed = append(listed, n)
			if a.Action == specs.ActLog {
				logged = append(logged, n)
			}
		case allowList && a != def:
			denied[a] = append(denied[a], n)
		case !allowList && (a.Action == specs.ActErrno || a.Action == specs.ActKillProcess || a.Action == specs.ActKillThread):
			listed = append(listed, n+":"+systemdErrno(a))
		case !allowList && !a.Allows():
			listed = append(listed, n+":kill")
			note([]string{n}, "%s: %s, which systemd has not; it kills instead", a)
		case !allowList && a.Action == specs.ActLog:
			logged = append(logged, n)
		}
	}
	for _, r := range p.Syscalls {
		if len(r.Args) == 0 {
			continue
		}
		var names []string
		for _, n := range r.Names {
			if _, ok := first[n]; !ok { // else the unconditional rule decides
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			effect := "denied here: stricter"
			if !allowList {
				effect = "allowed here: looser"
			}
			note(names, "%s: %s on conditions (%s): systemd has no conditions; %s", ruleAct(r), argsText(r.Args), effect)
		}
	}
	for _, a := range slices.SortedFunc(maps.Keys(denied), actOrder) {
		note(denied[a], "%s: %s; an allow-list has one error number, these get %s", a, systemdErrno(def))
	}
	prefix := "SystemCallFilter="
	if !allowList {
		prefix += "~"
	}
	writeWrapped(&b, prefix, "SystemCallFilter=", listed)
	if allowList && def.Action == specs.ActErrno {
		b.WriteString("SystemCallErrorNumber=" + systemdErrno(def) + "\n")
	}
	writeWrapped(&b, "SystemCallLog=", "SystemCallLog=", logged)
	return []byte(b.String()), notes, nil
}

// checkNames returns an error wrapping profilegen.ErrProfile for the first
// name of p's rules that is no syscall name: every name of libseccomp's
// table is made of a-z, 0-9 and _, and any other byte (a line break, a
// space, a quote, a backslash) could end the SystemCallFilter= line and
// start another setting.
func checkNames(p *specs.LinuxSeccomp) error {
	for i, r := range p.Syscalls {
		for _, n := range r.Names {
			if !isSyscallName(n) {
				return fmt.Errorf("%w: syscalls[%d]: %s is not a syscall name (a-z, 0-9, _)", profilegen.ErrProfile, i, pipeline.Quote(n))
			}
		}
	}
	return nil
}

// isSyscallName reports whether n is made as syscall names are: one or
// more of a-z, 0-9 and _.
func isSyscallName(n string) bool {
	for i := 0; i < len(n); i++ {
		if c := n[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return n != ""
}

// writeWrapped writes names after first, then after more on further lines
// of at most about 100 bytes (systemd merges the lines).
func writeWrapped(b *strings.Builder, first, more string, names []string) {
	if len(names) == 0 {
		return
	}
	line := first
	for i, n := range names {
		if i > 0 && len(line)+1+len(n) > 100 {
			b.WriteString(line + "\n")
			line = more
		} else if i > 0 {
			line += " "
		}
		line += n
	}
	b.WriteString(line + "\n")
}

// systemdErrno is how systemd is told what a denied call gets: kill for
// KILL_*, EPERM (1 on every ABI), else the number as the profile has it
// (a name would be read in the host's errno table, and ENOSYS is 38 on
// most ABIs but 89 on MIPS).
func systemdErrno(a Act) string {
	switch {
	case a.Action == specs.ActKillProcess || a.Action == specs.ActKillThread:
		return "kill"
	case a.Ret == eperm:
		return "EPERM"
	}
	return strconv.FormatUint(uint64(a.Ret), 10)
}
