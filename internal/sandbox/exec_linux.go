package sandbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Start starts the helper and returns once it has exec'd the program, or
// with the helper's error (wrapping ErrHelper) when it could not. In a
// build without cgo it returns ErrNotSupported and starts nothing.
func (c *Cmd) Start() error {
	if !filterSupported {
		return ErrNotSupported
	}
	if len(c.Args) == 0 {
		return fmt.Errorf("%w: no program", ErrHelper)
	}
	env := os.Environ()
	cfg, err := json.Marshal(config{Profile: c.Profile, Options: c.Options, Env: env})
	if err != nil {
		return fmt.Errorf("encode profile: %w", err)
	}
	self := c.Self
	if self == "" {
		self = "/proc/self/exe"
	}
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return err
	}
	stR, stW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return err
	}
	c.cmd = exec.Command(self, append([]string{HelperArg}, c.Args...)...)
	c.cmd.Env = helperEnv(env)
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	c.cmd.ExtraFiles = []*os.File{cfgR, stW}
	if c.Foreground {
		c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Foreground: true, Ctty: c.Ctty}
	}
	err = c.cmd.Start()
	cfgR.Close()
	stW.Close()
	if err != nil {
		cfgW.Close()
		stR.Close()
		return errors.Join(fmt.Errorf("start helper: %w", err), c.takeTerminal())
	}
	c.Process = c.cmd.Process
	go func() {
		cfgW.Write(cfg)
		cfgW.Close()
	}()
	err = c.readStatus(stR)
	stR.Close()
	return err
}

// helperEnv is env with async preemption off for the helper: the Go
// runtime then sends no signal (SIGURG) to the helper's threads, and with
// its garbage collector off too (see helper), nothing of the runtime runs a
// signal handler on the filtered thread between the load and the exec
// (under load it did, and the handler's futex and rt_sigreturn were made
// under the filter). The program gets env itself, from the config.
func helperEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	debug := "asyncpreemptoff=1"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			if v != "" {
				debug = v + "," + debug
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GODEBUG="+debug)
}

// readStatus reads the helper's status lines until the pipe closes on exec.
func (c *Cmd) readStatus(r io.Reader) error {
	c.Ses, c.SesErr = SesUnset, errors.New("helper reported no session")
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, _ := strings.Cut(sc.Text(), " ")
		switch key {
		case "path":
			c.Path = val
		case "ses":
			n, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return fmt.Errorf("%w: bad session %q", ErrHelper, val)
			}
			c.Ses, c.SesErr = uint32(n), nil
		case "noses":
			c.SesErr = errors.New(val)
		case "error", "denied":
			c.cmd.Wait()
			he := &HelperError{Msg: val, Code: c.cmd.ProcessState.ExitCode(), Denied: key == "denied"}
			if err := c.takeTerminal(); err != nil {
				return errors.Join(he, err)
			}
			return he
		}
	}
	return nil
}

// Wait waits for the program to exit; see exec.Cmd.Wait. With Foreground,
// it then gives the terminal back to this process's group.
func (c *Cmd) Wait() error {
	err := c.cmd.Wait()
	return errors.Join(err, c.takeTerminal())
}

// takeTerminal makes this process's group the foreground group of the
// terminal Ctty again, once the program's group had it (Foreground).
func (c *Cmd) takeTerminal() error {
	if !c.Foreground {
		return nil
	}
	if err := setForeground(c.Ctty, unix.Getpgrp()); err != nil {
		return fmt.Errorf("take the terminal back: %w", err)
	}
	return nil
}

// Suspend is job control for a Foreground program that stopped (Ctrl-Z):
// it takes the terminal back and stops this process too, so that the shell
// sees its job stopped and gets the terminal. Once continued (fg or bg), it
// gives the terminal back to the program when this process has it again
// (fg; after bg it leaves the program in the background) and continues
// the program's group.
func (c *Cmd) Suspend() error {
	if !c.Foreground {
		return nil
	}
	if err := c.takeTerminal(); err != nil {
		return err
	}
	if err := unix.Kill(os.Getpid(), unix.SIGSTOP); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	// Continued.
	if fg, err := unix.IoctlGetInt(c.Ctty, unix.TIOCGPGRP); err == nil && fg == unix.Getpgrp() {
		if err := setForeground(c.Ctty, c.Process.Pid); err != nil {
			return fmt.Errorf("give the terminal to the program: %w", err)
		}
	}
	return unix.Kill(-c.Process.Pid, unix.SIGCONT)
}

// setForeground makes pgrp the foreground group of the terminal fd. A
// background group's tcsetpgrp is stopped by SIGTTOU unless SIGTTOU is
// ignored or blocked: it is blocked on this thread only, for the call,
// leaving the process's signal handling as it is.
func setForeground(fd, pgrp int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ttou, old unix.Sigset_t
	ttou.Val[(unix.SIGTTOU-1)/64] = 1 << ((unix.SIGTTOU - 1) % 64)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &ttou, &old); err != nil {
		return fmt.Errorf("block SIGTTOU: %w", err)
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgrp)
}

// ProcessState is the program's exit state once Wait returned.
func (c *Cmd) ProcessState() *os.ProcessState { return c.cmd.ProcessState }

// Main runs the helper: it never returns. It resolves the program's path,
// takes a fresh audit session, loads the filter and execs the program, all
// on one locked OS thread (the session is per thread; execve from that
// thread makes it the process's only one). It exits as a shell does when
// the program cannot start: 127 when it is not found, 126 otherwise.
func Main() {
	status := os.NewFile(statusFD, "status")
	syscall.CloseOnExec(statusFD)
	err := helper(status, os.Args[2:])
	key := "error"
	if errors.Is(err, ErrExecDenied) {
		key = "denied"
	}
	fmt.Fprintf(status, "%s %s\n", key, strings.ReplaceAll(err.Error(), "\n", " "))
	os.Exit(exitCode(err))
}

// exitCode is a shell's status for a program that could not start.
func exitCode(err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return 127
	}
	return 126
}

func helper(status io.Writer, args []string) error {
	lockThread()
	debug.SetGCPercent(-1) // no collection, so no stop-the-world signals (see helperEnv)
	var cfg config
	cf := os.NewFile(configFD, "config")
	err := json.NewDecoder(cf).Decode(&cfg)
	cf.Close()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if len(args) == 0 {
		return errors.New("no program")
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(status, "path %s\n", path)
	if ses, err := newSession(); err != nil {
		fmt.Fprintf(status, "noses %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	} else {
		fmt.Fprintf(status, "ses %d\n", ses)
	}
	flt, err := New(cfg.Profile, cfg.Options)
	if err != nil {
		return err
	}
	env := cfg.Env
	if env == nil {
		env = os.Environ()
	}
	argv, err := newArgv(path, args, env)
	if err != nil {
		return err
	}
	prog, err := flt.bpf()
	if err != nil {
		return err
	}
	if err := checkExec(prog, argv); err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	fprog, err := prepare(prog)
	if err != nil {
		return err
	}
	loadErr, execErr := loadAndExec(uintptr(flt.flags), fprog, argv.path, &argv.args[0], &argv.envv[0])
	if loadErr != 0 {
		return fmt.Errorf("load filter: seccomp: %w", loadErr)
	}
	return argv.exitFailed(execErr)
}

// loadAndExec loads the filter on the calling thread and execs the
// program. Between the two it runs no Go code that could be preempted:
// both calls are raw and every function on the way is nosplit, so the
// scheduler never gets the thread (under load it did: a preemption
// request parked the thread in futex, under the filter). It returns
// seccomp's error, or execve's once the filter is loaded.
//
//go:nosplit
func loadAndExec(flags uintptr, fprog *unix.SockFprog, path *byte, args, env **byte) (loadErr, execErr syscall.Errno) {
	if loadErr = seccompSet(flags, fprog); loadErr != 0 {
		return loadErr, 0
	}
	_, _, execErr = syscall.RawSyscall(syscall.SYS_EXECVE,
		uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(args)), uintptr(unsafe.Pointer(env)))
	return 0, execErr
}

// argv is execve's arguments, made before the filter loads: from the load
// to the exec the helper's thread makes no call but execve, so that the
// program's profile needs nothing of the helper but execve.
type argv struct {
	path       *byte
	args, envv []*byte
	msg        []byte // "error exec PATH: ", with room for the errno's text
}

func newArgv(path string, args, env []string) (*argv, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return nil, err
	}
	a, err := syscall.SlicePtrFromStrings(args)
	if err != nil {
		return nil, err
	}
	e, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return nil, err
	}
	msg := make([]byte, 0, len(path)+256)
	msg = append(msg, "error exec "+path+": "...)
	return &argv{p, a, e, msg}, nil
}

// exitFailed reports an execve that failed under the filter (checkExec let
// it through, so the filter did not refuse it: ENOEXEC, ETXTBSY, a file
// gone since the lookup) and exits, with raw calls and without allocating:
// Go's own error path would make calls the filter may deny (futex, write,
// rt_sigreturn). It returns only when even exit_group was refused.
func (a *argv) exitFailed(errno syscall.Errno) error {
	msg := append(append(a.msg, errno.Error()...), '\n')
	syscall.RawSyscall(syscall.SYS_WRITE, statusFD, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(exitCode(errno)), 0, 0)
	runtime.KeepAlive(a)
	return errno
}
