//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ttyChildEnv makes the test binary the program of TestRecordTerminal:
// sigintCounter instead of the tests.
const ttyChildEnv = "RECORDER_TEST_SIGINT_COUNTER"

// ttyChildStatus is the program's exit status on SIGTERM.
const ttyChildStatus = 3

func init() {
	if os.Getenv(ttyChildEnv) == "1" {
		sigintCounter()
	}
}

// sigintCounter prints "ready", then, a pause after the first SIGINT, the
// number of SIGINTs it got ("sigint N"); it exits with ttyChildStatus on
// SIGTERM.
func sigintCounter() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	fmt.Println("ready")
	n := 0
	var pause <-chan time.Time
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGTERM {
				os.Exit(ttyChildStatus)
			}
			if n++; n == 1 {
				pause = time.After(300 * time.Millisecond)
			}
		case <-pause:
			fmt.Printf("sigint %d\n", n)
		}
	}
}

// TestRecordTerminal runs record at a pseudo-terminal, as the session
// leader and foreground group, as a shell leaves it: Ctrl-C must reach the
// program once (from the terminal, not forwarded again by the recorder);
// SIGTERM sent to the recorder must still reach it; the recorder must get
// the terminal back before it writes its summary (with TOSTOP the summary
// would not reach the terminal otherwise), write the profile and exit with
// the program's status.
func TestRecordTerminal(t *testing.T) {
	recorder, _ := e2e(t)
	master, slave := openPty(t)
	out := filepath.Join(t.TempDir(), "profile.json")
	cmd := recordAtTTY(t, recorder, slave, out)
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	lines := readLines(master)

	waitLine(t, lines, "ready")
	fg, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPGRP)
	if err != nil {
		t.Fatal(err)
	}
	if fg == cmd.Process.Pid {
		t.Errorf("the terminal's foreground group is the recorder's (%d), want the program's own", fg)
	}
	if _, err := master.Write([]byte{0x03}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	if got := waitLine(t, lines, "sigint "); got != "sigint 1" {
		t.Errorf("after one Ctrl-C the program printed %q, want \"sigint 1\"", got)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		ee, ok := waitErr.(*exec.ExitError)
		if !ok || ee.ExitCode() != ttyChildStatus {
			t.Fatalf("recorder ended with %v, want the program's exit status %d", waitErr, ttyChildStatus)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("recorder still running 10s after SIGTERM (state %s: T is stopped, by SIGTTOU when it did not get the terminal back)", procState(cmd.Process.Pid))
	}
	// TOSTOP: a write from outside the foreground group stops the writer,
	// or fails with EIO when its group is orphaned, as the recorder's is
	// (a session leader).
	waitLine(t, lines, "recorded ")
	checkProfile(t, out)
}

// TestRecordTerminalSuspend: Ctrl-Z stops the program, and the recorder
// stops itself in turn, terminal taken back, as a shell's job does; when
// it is continued (a shell's fg) the program gets the terminal and runs
// again, so the next Ctrl-C reaches it, once.
func TestRecordTerminalSuspend(t *testing.T) {
	recorder, _ := e2e(t)
	master, slave := openPty(t)
	cmd := recordAtTTY(t, recorder, slave, filepath.Join(t.TempDir(), "p.json"))
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	lines := readLines(master)
	waitLine(t, lines, "ready")

	master.Write([]byte{0x1a}) // Ctrl-Z
	for end := time.Now().Add(5 * time.Second); procState(cmd.Process.Pid) != "T"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("recorder not stopped 5 s after Ctrl-Z (state %s)", procState(cmd.Process.Pid))
		}
	}
	if fg, _ := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPGRP); fg != cmd.Process.Pid {
		t.Errorf("stopped: the terminal's foreground group is %d, want the recorder's %d", fg, cmd.Process.Pid)
	}

	cmd.Process.Signal(syscall.SIGCONT) // fg: the terminal is already the recorder's
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if fg, _ := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPGRP); fg != cmd.Process.Pid {
			break // the program's group has the terminal again
		}
		if time.Now().After(end) {
			t.Fatal("continued: the terminal stayed with the recorder's group")
		}
	}
	master.Write([]byte{0x03}) // Ctrl-C
	if got := waitLine(t, lines, "sigint "); got != "sigint 1" {
		t.Errorf("after fg and one Ctrl-C the program printed %q, want \"sigint 1\"", got)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("recorder still running 10 s after SIGTERM (state %s)", procState(cmd.Process.Pid))
	}
}

// openPty opens a pseudo-terminal with TOSTOP set and echo off.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	master = os.NewFile(uintptr(m), "/dev/ptmx")
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Lflag = tio.Lflag&^unix.ECHO | unix.TOSTOP | unix.ISIG
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// readLines sends the terminal's lines, without "\r", until it closes.
func readLines(master *os.File) <-chan string {
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(master)
		for sc.Scan() {
			lines <- strings.TrimRight(sc.Text(), "\r")
		}
	}()
	return lines
}

// waitLine returns the first line starting with prefix.
func waitLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("terminal closed before a line %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
			t.Logf("terminal: %s", l)
		case <-timeout:
			t.Fatalf("no line %q on the terminal within 10s", prefix)
		}
	}
}

// checkProfile checks that path is a profile with syscalls in it.
func checkProfile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("profile not written: %v", err)
	}
	var p specs.LinuxSeccomp
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("profile %s: %v", path, err)
	}
	if len(p.Syscalls) == 0 || len(p.Syscalls[0].Names) == 0 {
		t.Errorf("profile has no syscalls:\n%s", data)
	}
}

// procState is the state letter of /proc/PID/stat.
func procState(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return err.Error()
	}
	if i := strings.LastIndexByte(string(data), ')'); i >= 0 && i+2 < len(data) {
		return string(data[i+2])
	}
	return "?"
}

// recordAtTTY starts recorder record -o out of this test binary (which
// then runs as the terminal's child, ttyChildEnv) on the pseudo-terminal
// slave, as a session leader whose controlling terminal it is, as a
// shell's job; it closes slave, which the child holds.
func recordAtTTY(t *testing.T, recorder string, slave *os.File, out string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(recorder, "record", "-o", out, "--", self)
	cmd.Env = append(os.Environ(), ttyChildEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	return cmd
}
