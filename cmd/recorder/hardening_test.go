//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/attacker"
	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/profilegen"
)

// The tests of issue 11 (hardening), one per reproducer of its "Why"; each
// failed on the code before it.

// lsRecords returns the real records of /usr/bin/ls in syslog-rfc3339.log.
func lsRecords(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(logsDir, "syslog-rfc3339.log"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, `exe="/usr/bin/ls"`) {
			out = append(out, l)
		}
	}
	if len(out) < 100 {
		t.Fatalf("%d ls records in the fixture", len(out))
	}
	return out
}

// variant returns a real record line with its exe= and syscall= changed:
// hand-made, for what one capture cannot hold (a million programs, numbers
// no kernel has).
func variant(t *testing.T, line, exe string, nr int) string {
	t.Helper()
	i, j := strings.Index(line, `exe="`), strings.Index(line, " sig=")
	k := strings.Index(line, " syscall=")
	l := k + len(" syscall=") + strings.IndexByte(line[k+len(" syscall="):], ' ')
	if i < 0 || j < i || k < j || l < k {
		t.Fatalf("not a record: %q", line)
	}
	return line[:i] + `exe="` + exe + `"` + line[j:k] + " syscall=" + fmt.Sprint(nr) + line[l:]
}

func writeLog(t *testing.T, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "syslog")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// replayWithin runs replay, failing the test if it does not end in time.
func replayWithin(t *testing.T, d time.Duration, args ...string) (string, error) {
	t.Helper()
	type result struct {
		summary string
		err     error
	}
	done := make(chan result, 1)
	go func() {
		_, summary, err := replay(t, nil, args...)
		done <- result{summary, err}
	}()
	select {
	case r := <-done:
		return r.summary, r.err
	case <-time.After(d):
		t.Fatalf("replay %q did not end in %v", args, d)
		return "", nil
	}
}

// TestReplayOutputDirPlanted is reproducer 1: a user who can write in -d's
// DIR plants DIR/all.json as a link to a file of root's, a FIFO, or a link
// to a device; root's replay replaces the entry with its profile and
// writes nothing through it (it used to rewrite the link's target, hang on
// the FIFO for good, and write into the device).
func TestReplayOutputDirPlanted(t *testing.T) {
	log := filepath.Join(logsDir, "tutorial.log")
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root:x:0:\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, plant := range map[string]func(string) error{
		"link to a file":   func(p string) error { return os.Symlink(secret, p) },
		"fifo":             func(p string) error { return syscall.Mkfifo(p, 0o666) },
		"link to a device": func(p string) error { return os.Symlink("/dev/null", p) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "all.json")
			if err := plant(target); err != nil {
				t.Fatal(err)
			}
			if summary, err := replayWithin(t, 20*time.Second, "-g", "none", "-d", dir, log); err != nil {
				t.Fatalf("replay: %v\n%s", err, summary)
			}
			if st, err := os.Lstat(target); err != nil || !st.Mode().IsRegular() {
				t.Fatalf("%s is %v (%v), want the profile, a regular file", target, st.Mode(), err)
			}
			if got, _ := os.ReadFile(secret); string(got) != "root:x:0:\n" {
				t.Errorf("the link's target was written: %q", got)
			}
		})
	}
}

// TestReplayOutputLink is reproducer 1's -o: a link at -o's path is
// replaced, not resolved (filepath.EvalSymlinks sidestepped the kernel's
// protected_symlinks).
func TestReplayOutputLink(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "p.json")
	if err := os.Symlink(secret, out); err != nil {
		t.Fatal(err)
	}
	if _, _, err := replay(t, nil, "-o", out, filepath.Join(logsDir, "tutorial.log")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(out); err != nil || !st.Mode().IsRegular() {
		t.Errorf("-o path is %v (%v), want a regular file", st.Mode(), err)
	}
	if got, _ := os.ReadFile(secret); string(got) != "keep\n" {
		t.Errorf("the link's target was written: %q", got)
	}
}

// TestReplayUnsafeOutputDir is reproducer 1's shared directory: one that
// any user can write is refused, saying why (exit 1, nothing written); a
// sticky one of the caller's is used.
func TestReplayUnsafeOutputDir(t *testing.T) {
	log := filepath.Join(logsDir, "tutorial.log")
	open, sticky := attacker.WritableDirs(t)
	for _, args := range [][]string{{"-d", open}, {"-o", filepath.Join(open, "p.json")}} {
		_, _, err := replay(t, nil, append(args, log)...)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 1 || !strings.Contains(stderr.String(), "any user can write in") {
			t.Errorf("%q: exit %d, %q; want 1 and why", args, code, stderr.String())
		}
	}
	if ents, _ := os.ReadDir(open); len(ents) != 0 {
		t.Errorf("written into the world-writable dir: %v", ents)
	}
	if _, _, err := replay(t, nil, "-d", sticky, log); err != nil {
		t.Errorf("sticky dir of the caller: %v", err)
	}
}

// TestReplayCorruptGzip is reproducer 2: a gzipped real capture with one
// bit flipped, at 150 places: a replay that fails writes nothing (p.json
// keeps its old content), and one that succeeds writes the profile of the
// whole capture. It used to write what the corrupt stream gave before the
// checksum failed: profiles allowing calls never made (seccomp,
// process_vm_writev, kill) and lacking calls made. A missing input, too,
// leaves the output as it was.
func TestReplayCorruptGzip(t *testing.T) {
	data, gz := gzipped(t, "syslog-rfc3339.log", 1)
	dir := t.TempDir()
	clean, prof, in := filepath.Join(dir, "clean.json"), filepath.Join(dir, "p.json"), filepath.Join(dir, "c.gz")
	if _, _, err := replay(t, bytes.NewReader(data), "-g", "none", "-o", clean); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(clean)
	const flips = 150
	failed := 0
	for i := range flips {
		bit := i * len(gz) * 8 / flips
		c := bytes.Clone(gz)
		c[bit/8] ^= 1 << (bit % 8)
		if err := os.WriteFile(in, c, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(prof, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, summary, err := replay(t, nil, "-g", "none", "-o", prof, in)
		got, _ := os.ReadFile(prof)
		switch {
		case err != nil && string(got) != "old\n":
			t.Errorf("bit %d: replay failed (%v) but replaced the profile:\n%s", bit, err, got)
		case err != nil:
			failed++
			if summary != "" && !strings.Contains(summary, "no profile written") { // "" when it failed to open
				t.Errorf("bit %d: the summary does not say no profile was written:\n%s", bit, summary)
			}
		case !bytes.Equal(got, want):
			t.Errorf("bit %d: replay succeeded with another profile than the capture's:\n%s", bit, got)
		}
	}
	t.Logf("%d of %d flips failed the replay; the others left the capture's profile", failed, flips)
	if failed < flips/2 {
		t.Errorf("only %d of %d corrupt files were noticed", failed, flips)
	}
	os.WriteFile(prof, []byte("old\n"), 0o644)
	if _, _, err := replay(t, nil, "-o", prof, filepath.Join(dir, "missing.log")); err == nil {
		t.Error("a missing input did not fail")
	}
	if got, _ := os.ReadFile(prof); string(got) != "old\n" {
		t.Errorf("a missing input replaced the profile: %q", got)
	}
}

// TestReplayOutputIsInput is reproducer 4's "-o in.log in.log silently
// replaces the input": a usage error, also through a link, and the input
// is left as it was.
func TestReplayOutputIsInput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(logsDir, "tutorial.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, link := filepath.Join(dir, "in.log"), filepath.Join(dir, "link.log")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("in.log", link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, link} {
		_, _, err := replay(t, nil, "-o", out, in)
		if code := exitCode(err, io.Discard); code != 2 || !strings.Contains(fmt.Sprint(err), "also an input") {
			t.Errorf("-o %s %s: exit %d, %v; want a usage error", out, in, code, err)
		}
		if got, _ := os.ReadFile(in); !bytes.Equal(got, data) {
			t.Fatalf("the input was replaced")
		}
	}
}

// TestReplayGroupLimit is reproducer 3's "1,000,000 distinct executables
// with -d: one million files, no cap, no warning": past --max-groups, the
// records go to one overflow profile, counted and warned; together the
// profiles allow what the union does.
func TestReplayGroupLimit(t *testing.T) {
	ls := lsRecords(t)
	var lines []string
	for i := range 300 {
		lines = append(lines, variant(t, ls[i%len(ls)], fmt.Sprintf("/opt/p%03d/prog", i), [...]int{0, 1, 3, 9, 12}[i%5]))
	}
	lines = append(lines, variant(t, ls[0], "/opt/p250/prog", 169)) // reboot, by a group past the limit
	log := writeLog(t, lines)
	dir := filepath.Join(t.TempDir(), "profiles")
	_, summary, err := replay(t, nil, "-g", "exe", "--max-groups", "100", "-d", dir, log)
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, summary)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 101 {
		t.Errorf("%d files, want 100 groups and the overflow one", len(ents))
	}
	over := filepath.Join(dir, profilegen.FileName(profilegen.OverflowGroup)+".json")
	if !slices.Contains(profiletest.Allowed(profiletest.Read(t, over)), "reboot") {
		t.Errorf("the overflow profile lacks the call of a group past the limit")
	}
	if !strings.Contains(summary, "overflow: 201 records of groups past the limit of 100 groups") {
		t.Errorf("summary does not warn of the overflow:\n%s", summary)
	}
}

// TestReplayUnionKeepsOneGroup is reproducer 3's "-o writes only the union
// but the default -g exe keeps per-group state": with -o and no
// --group-by, 50,000 programs make one group (the summary used to list
// 50,000), and the profile is the same.
func TestReplayUnionKeepsOneGroup(t *testing.T) {
	ls := lsRecords(t)
	var lines []string
	for i := range 50_000 {
		lines = append(lines, variant(t, ls[i%len(ls)], fmt.Sprintf("/opt/bin/prog%d", i), [...]int{0, 1, 3, 9, 12}[i%5]))
	}
	log := writeLog(t, lines)
	out := filepath.Join(t.TempDir(), "p.json")
	_, summary, err := replay(t, nil, "-o", out, log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(summary, "\n"); n > 5 || !strings.Contains(summary, "kept in 1 group\n") {
		t.Errorf("summary of %d lines, want one group:\n%.500s", n, summary)
	}
	names := profiletest.Allowed(profiletest.Read(t, out))
	for _, want := range []string{"read", "write", "close", "mmap", "brk"} {
		if !slices.Contains(names, want) {
			t.Errorf("profile lacks %s: %q", want, names)
		}
	}
}

// TestReplayUnknownLinesCapped is reproducer 3's "1 M distinct unknown
// numbers: 1 M stderr lines": the summary lists --max-unknown-lines of
// them, then how many more.
func TestReplayUnknownLinesCapped(t *testing.T) {
	ls := lsRecords(t)
	var lines []string
	for i := range 100 {
		lines = append(lines, variant(t, ls[0], "/usr/bin/ls", 100_000+i))
	}
	log := writeLog(t, lines)
	_, summary, err := replay(t, nil, "-o", filepath.Join(t.TempDir(), "p.json"), log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(summary, "unknown syscall: SCMP_ARCH_X86_64"); n != 20 || !strings.Contains(summary, "... and 80 more numbers (80 records), not listed") {
		t.Errorf("%d unknown lines, want 20 and the count of the rest:\n%s", n, summary)
	}
	_, summary, _ = replay(t, nil, "--max-unknown-lines", "0", "-o", filepath.Join(t.TempDir(), "p.json"), log)
	if n := strings.Count(summary, "unknown syscall: SCMP_ARCH_X86_64"); n != 100 {
		t.Errorf("--max-unknown-lines 0: %d lines, want all 100", n)
	}
}

// TestReplayBaseTooLarge is reproducer 3's "--base /dev/zero grows past
// 1.3 GB": a base profile past --max-profile-size is refused at once.
func TestReplayBaseTooLarge(t *testing.T) {
	good, err := os.ReadFile("../../testdata/tutorial/profiles/fine-grained.json")
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, append(bytes.Repeat([]byte("\n"), 3<<20), good...), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(logsDir, "tutorial.log")
	for _, base := range []string{big, "/dev/zero"} {
		_, err := replayWithin(t, 20*time.Second, "--base", base, log)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), "too large") {
			t.Errorf("--base %s: exit %d, %q; want 2 and too large", base, code, stderr.String())
		}
	}
	if _, err := replayWithin(t, 20*time.Second, "--base", big, "--max-profile-size", "4000000", log); err != nil {
		t.Errorf("--max-profile-size raised: %v", err)
	}
}

// TestReplayForgedSyslogTag is reproducer 5's "a syslog line with any
// program's tag is taken as a kernel record": forged-syslog.log holds real
// kernel lines and lines of 'logger -t mallory' shape asking for reboot,
// process_vm_writev, seccomp, kill and kexec_load; none is in the profile,
// and the summary counts them as forged.
func TestReplayForgedSyslogTag(t *testing.T) {
	out, summary, err := replay(t, nil, filepath.Join(logsDir, "forged-syslog.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"reboot", "process_vm_writev", "seccomp", "kill", "kexec_load"} {
		if strings.Contains(out, `"`+n+`"`) {
			t.Errorf("the forged %s is in the profile", n)
		}
	}
	if !strings.Contains(summary, "6 forged kernel lines") || strings.Contains(summary, "rate-limit") {
		t.Errorf("summary does not count the 6 forged lines:\n%s", summary)
	}
}

// TestReplayGroupByFullPath is reproducer 5's "-g exe merges /tmp/evil/ls
// into /usr/bin/ls's profile": a program anyone can drop in /tmp gets a
// profile of its own, in a file of its own; --group-by exe-name keeps the
// old merge.
func TestReplayGroupByFullPath(t *testing.T) {
	ls := lsRecords(t)
	log := writeLog(t, append(ls, variant(t, ls[0], "/tmp/evil/ls", 169))) // reboot
	dir := t.TempDir()
	if _, summary, err := replay(t, nil, "-d", dir, log); err != nil {
		t.Fatalf("%v\n%s", err, summary)
	}
	sys := profiletest.Read(t, filepath.Join(dir, profilegen.FileName("/usr/bin/ls")+".json"))
	evil := profiletest.Read(t, filepath.Join(dir, profilegen.FileName("/tmp/evil/ls")+".json"))
	if slices.Contains(profiletest.Allowed(sys), "reboot") || !slices.Contains(profiletest.Allowed(evil), "reboot") {
		t.Errorf("/usr/bin/ls allows %q; /tmp/evil/ls %q", profiletest.Allowed(sys), profiletest.Allowed(evil))
	}
	old := t.TempDir()
	if _, _, err := replay(t, nil, "-d", old, "--group-by", "exe-name", log); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(profiletest.Allowed(profiletest.Read(t, filepath.Join(old, "ls.json"))), "reboot") {
		t.Errorf("--group-by exe-name does not merge by base name")
	}
}

// TestReplaySignalBlockedRead is reproducer 4's "the first SIGINT/SIGTERM is
// ignored while an input blocks in open or read": the recorder runs as a
// process, blocked opening a FIFO no one writes, reading one whose writer
// is silent, reading stdin, or reading /dev/zero (a line that never ends);
// the first signal ends it at once with 128+N, and no profile is written.
// It used to need a second signal (timeout without -k never ended it).
func TestReplaySignalBlockedRead(t *testing.T) {
	dir := t.TempDir()
	fifo, silent := filepath.Join(dir, "fifo"), filepath.Join(dir, "silent")
	for _, f := range []string{fifo, silent} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w, err := os.OpenFile(silent, os.O_RDWR, 0) // a writer that never writes
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, tt := range []struct {
		name  string
		input string
		sig   syscall.Signal
	}{
		{"fifo without writer", fifo, syscall.SIGINT},
		{"silent fifo", silent, syscall.SIGTERM},
		{"dev zero", "/dev/zero", syscall.SIGTERM},
		{"silent stdin", "-", syscall.SIGINT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.json")
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), watchMainEnv+"=1", "RECORDER_TEST_ARGS=replay -o "+out+" "+tt.input)
			stdin, keep, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer keep.Close()
			cmd.Stdin = stdin
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stdin.Close()
			waitBlocked(t, cmd.Process.Pid, tt.input) // replay runs, so main's handler is in place
			start := time.Now()
			cmd.Process.Signal(tt.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("the first %v did not end it:\n%s", tt.sig, stderr.String())
			}
			if code, want := cmd.ProcessState.ExitCode(), 128+int(tt.sig); code != want {
				t.Errorf("exit status %d, want %d:\n%s", code, want, stderr.String())
			}
			t.Logf("ended %v after the signal: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(stderr.String()))
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a profile was written: %v", err)
			}
		})
	}
}

// waitBlocked waits until the replay of process pid is where the test
// wants it: a thread blocked in openat (a FIFO without a writer) or read
// (stdin), the input open (a silent FIFO, read through Go's poller), or
// more than 1 MiB read (/dev/zero). Only then does a signal test the
// replay's handling: one sent before main set its handler up ends the
// process by the runtime's default.
func waitBlocked(t *testing.T, pid int, input string) {
	t.Helper()
	proc := "/proc/" + strconv.Itoa(pid)
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		switch {
		case input == "/dev/zero":
			if io, err := os.ReadFile(proc + "/io"); err == nil && readChars(io) > 1<<20 {
				return
			}
		case input == "-" || strings.HasSuffix(input, "/fifo"):
			want := strconv.Itoa(map[bool]int{true: syscall.SYS_READ, false: syscall.SYS_OPENAT}[input == "-"]) + " "
			tasks, _ := filepath.Glob(proc + "/task/*/syscall")
			for _, f := range tasks {
				if b, err := os.ReadFile(f); err == nil && strings.HasPrefix(string(b), want) {
					return
				}
			}
		default:
			fds, _ := filepath.Glob(proc + "/fd/*")
			for _, fd := range fds {
				if target, err := os.Readlink(fd); err == nil && target == input {
					return
				}
			}
		}
	}
	t.Fatalf("process %d never blocked reading %s", pid, input)
}

// readChars is rchar of a /proc/PID/io text.
func readChars(io []byte) uint64 {
	for _, l := range strings.Split(string(io), "\n") {
		if v, ok := strings.CutPrefix(l, "rchar: "); ok {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	return 0
}
