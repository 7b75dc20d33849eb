package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	libaudit "github.com/elastic/go-libaudit/v2"

	"github.com/recorder-dev/recorder/internal/procfs"
	"github.com/recorder-dev/recorder/safefile"
)

// A process registered as the audit daemon changes kernel-global state: the
// daemon pid, the enabled flag and the backlog limit, which Close puts
// back. A process that is killed (SIGKILL, OOM) cannot: the kernel keeps
// naming the dead pid as its daemon, and auditing stays on with a raised
// backlog. So before it changes anything, the netlink source writes what
// to put back to a state file (NetlinkConfig.StateFile), and removes it in
// Close once it put it back. The next OpenNetlink with the same state file
// finds it; when the pid it names is gone (a reused pid is told by its
// start time), it puts the state back first.

// auditState is the content of the state file.
type auditState struct {
	PID          int    `json:"pid"`           // the registered process
	Start        uint64 `json:"start"`         // its start time, /proc/PID/stat field 22
	Enabled      uint32 `json:"enabled"`       // to put back, when Restore says so
	BacklogLimit uint32 `json:"backlog_limit"` // to put back, when Restore says so
	Restore      uint32 `json:"restore"`       // libaudit.AuditStatusEnabled|AuditStatusBacklogLimit
}

// saveState writes what Close will put back, before register changes it.
// It returns the error of a state file that could not be written: the
// source then goes on without one (a kill would leave the state changed).
func (n *Netlink) saveState(restore libaudit.AuditStatusMask) error {
	if n.cfg.StateFile == "" {
		return nil
	}
	start, err := procfs.StartTime(os.Getpid())
	if err != nil {
		return err
	}
	data, _ := json.Marshal(auditState{PID: os.Getpid(), Start: start, Enabled: n.prev.Enabled,
		BacklogLimit: n.prev.BacklogLimit, Restore: uint32(restore)})
	dir, err := n.openStateDir()
	if err != nil {
		return err
	}
	if err := dir.WriteFile(filepath.Base(n.cfg.StateFile), append(data, '\n'), 0o600); err != nil {
		return err
	}
	if err := dir.Sync(); err != nil {
		return err
	}
	n.stateSaved = true
	return nil
}

// openStateDir opens the state file's directory once, making it if need
// be, through no link another user controls and refused when another user
// can write in it (package safefile): the file is read, written and
// removed through that handle for the source's life.
func (n *Netlink) openStateDir() (*safefile.Dir, error) {
	if n.stateDir != nil {
		return n.stateDir, nil
	}
	dir, err := safefile.MakeDir(filepath.Dir(n.cfg.StateFile))
	if err != nil {
		return nil, fmt.Errorf("audit state file: %w", err)
	}
	n.stateDir = dir
	return dir, nil
}

// closeStateDir closes what openStateDir opened.
func (n *Netlink) closeStateDir() {
	if n.stateDir != nil {
		n.stateDir.Close()
		n.stateDir = nil
	}
}

// readState reads the state file, which must be a regular file of this
// process's user: a file another user planted is not trusted (it would say
// what audit state to put back) and is left alone.
func (n *Netlink) readState() ([]byte, error) {
	dir, err := n.openStateDir()
	if err != nil {
		return nil, err
	}
	f, uid, err := dir.Open(filepath.Base(n.cfg.StateFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if uid != uint32(os.Geteuid()) {
		return nil, fmt.Errorf("%w: %s belongs to uid %d, not to this process's user", errForeignState, n.cfg.StateFile, uid)
	}
	return io.ReadAll(io.LimitReader(f, 1<<16))
}

// errForeignState: the state file is another user's.
var errForeignState = errors.New("audit state file not trusted")

// removeState removes the state file, through its directory's handle.
func (n *Netlink) removeState() error {
	dir, err := n.openStateDir()
	if err != nil {
		return err
	}
	return dir.Remove(filepath.Base(n.cfg.StateFile))
}

// dropState removes the state file Close no longer needs.
func (n *Netlink) dropState() error {
	if !n.stateSaved {
		return nil
	}
	n.stateSaved = false
	if err := n.removeState(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove audit state file: %w", err)
	}
	return nil
}

// recoverState puts back the audit state a killed process left, as its
// state file says, and returns the status then. A state file of a live
// process is left alone (another recorder is the daemon), and so is the
// kernel's state when another live daemon registered meanwhile.
func (n *Netlink) recoverState(st *libaudit.AuditStatus) *libaudit.AuditStatus {
	if n.cfg.StateFile == "" {
		return st
	}
	data, err := n.readState()
	if errors.Is(err, fs.ErrNotExist) {
		return st
	}
	if errors.Is(err, errForeignState) || errors.Is(err, safefile.ErrUnsafeDir) || errors.Is(err, safefile.ErrUnsafeLink) {
		n.log.Warn("audit state file not trusted; left alone", "file", n.cfg.StateFile, "err", err)
		return st
	}
	var s auditState
	if err == nil {
		err = json.Unmarshal(data, &s)
	}
	if err != nil || s.PID <= 0 {
		n.log.Warn("unreadable audit state file; removing it", "file", n.cfg.StateFile, "err", err)
		n.removeState()
		return st
	}
	if alive(s.PID, s.Start) {
		return st // its recorder still runs, and puts the state back itself
	}
	defer n.removeState()
	if st.PID != 0 && st.PID != uint32(s.PID) && processExists(st.PID) {
		n.log.Warn("a recorder was killed while registered as the audit daemon, but another daemon registered since: its state is left as it is",
			"killed_pid", s.PID, "daemon_pid", st.PID)
		return st
	}
	restore := libaudit.AuditStatusMask(s.Restore)
	var errs []error
	if restore&libaudit.AuditStatusEnabled != 0 && st.Enabled != s.Enabled {
		errs = append(errs, n.ctl.SetEnabled(s.Enabled != 0, libaudit.WaitForReply))
	}
	if restore&libaudit.AuditStatusBacklogLimit != 0 && st.BacklogLimit != s.BacklogLimit {
		errs = append(errs, n.ctl.SetBacklogLimit(s.BacklogLimit, libaudit.WaitForReply))
	}
	if err := errors.Join(errs...); err != nil {
		n.log.Error("put back the audit state a killed recorder left", "killed_pid", s.PID, "err", err)
	} else {
		n.log.Warn("put back the audit state a killed recorder left (it was the audit daemon)",
			"killed_pid", s.PID, "enabled", s.Enabled, "backlog_limit", s.BacklogLimit)
	}
	if now, err := n.ctl.GetStatus(); err == nil {
		return now
	}
	return st
}

// alive reports whether the process pid that started at start still runs.
func alive(pid int, start uint64) bool {
	now, err := procfs.StartTime(pid)
	return err == nil && now == start
}

// processExists reports whether a process of that pid runs.
func processExists(pid uint32) bool {
	_, err := os.Stat("/proc/" + strconv.FormatUint(uint64(pid), 10))
	return err == nil
}
