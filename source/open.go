package source

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/recorder-dev/recorder/internal/usage"
)

// Spec names a live source: a mode and, for files, a path. It is what
// ParseSpec makes of "netlink", "kmsg", "syslog[:PATH]", "auditlog[:PATH]"
// or "auto".
type Spec struct {
	Mode string // netlink, kmsg, syslog, auditlog or auto
	Path string // of syslog and auditlog
}

// ParseSpec parses a source's name. A name it does not take is a
// usage.Error, whose text starts with the name (as "syslog: empty path"):
// the command words it with its flag.
func ParseSpec(s string) (Spec, error) {
	mode, path, hasPath := strings.Cut(s, ":")
	switch mode {
	case "syslog", "auditlog":
		if hasPath && path == "" {
			return Spec{}, usage.Errorf("%s: empty path", mode)
		}
		if !hasPath {
			path = SyslogPath
			if mode == "auditlog" {
				path = AuditLogPath
			}
		}
		return Spec{mode, path}, nil
	case "netlink", "kmsg", "auto":
		if hasPath {
			return Spec{}, usage.Errorf("%s takes no path", mode)
		}
		return Spec{Mode: mode}, nil
	}
	return Spec{}, usage.Errorf("%q: want netlink, kmsg, syslog[:PATH], auditlog[:PATH] or auto", s)
}

// Files returns the files the source may follow: the path of syslog and
// auditlog; for auto, the default paths of both (it may choose either, at
// the start or when it opens the source again); none for netlink and kmsg.
func (s Spec) Files() []string {
	switch s.Mode {
	case "syslog", "auditlog":
		return []string{s.Path}
	case "auto":
		return []string{AuditLogPath, SyslogPath}
	}
	return nil
}

// Options is what opening a source takes besides its Spec.
type Options struct {
	FromStart    bool         // read files and /dev/kmsg from their start, not their end
	BacklogLimit uint32       // the kernel's audit backlog limit while registered (netlink)
	StateFile    string       // the netlink source's audit state file (NetlinkConfig.StateFile)
	Logger       *slog.Logger // what was chosen and why; nil discards
}

// Opened is a source with the name metrics and logs use.
type Opened struct {
	Source
	Name string // netlink, kmsg, syslog, auditlog
}

// errNetlinkDenied explains what to do without the capabilities.
const netlinkHelp = "the netlink source needs root, or " + CapAuditControl +
	" (to register as the audit daemon) or " + CapAuditRead +
	" (to read next to auditd); without them use the auditlog source (auditd running), kmsg or syslog"

// Open opens the source spec names. "auto" tries netlink, then auditd's
// audit.log when auditd runs, then /dev/kmsg, then syslog, and logs what
// it chose and why.
func Open(spec Spec, opt Options) (Opened, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	switch spec.Mode {
	case "netlink":
		return openNetlink(opt)
	case "kmsg":
		k, err := OpenKmsg(KmsgPath, opt.FromStart)
		if err != nil {
			return Opened{}, err
		}
		opt.Logger.Info("reading the kernel log", "source", "kmsg", "path", KmsgPath)
		if why := KmsgBlind(); why != "" {
			opt.Logger.Warn(why)
		}
		return Opened{k, "kmsg"}, nil
	case "syslog", "auditlog":
		return openFile(spec, opt)
	}
	return openAuto(opt)
}

func openNetlink(opt Options) (Opened, error) {
	n, err := OpenNetlink(NetlinkConfig{BacklogLimit: opt.BacklogLimit, Logger: opt.Logger, StateFile: opt.StateFile})
	if errors.Is(err, os.ErrPermission) {
		return Opened{}, fmt.Errorf("%w; %s", err, netlinkHelp)
	}
	if err != nil {
		return Opened{}, err
	}
	if n.Multicast() {
		opt.Logger.Info("reading the audit multicast group next to the registered audit daemon",
			"source", "netlink", "daemon_pid", n.DaemonPID(),
			"note", "records are lost if this reader falls behind (counted as ENOBUFS)")
	} else {
		opt.Logger.Info("registered as the audit daemon", "source", "netlink", "backlog_limit", opt.BacklogLimit,
			"note", "the audit pid, enabled flag and backlog limit are restored on exit")
	}
	return Opened{n, "netlink"}, nil
}

func openFile(spec Spec, opt Options) (Opened, error) {
	f, err := Follow(spec.Path, FollowConfig{FromStart: opt.FromStart, Logger: opt.Logger})
	if err != nil {
		return Opened{}, err
	}
	opt.Logger.Info("following file", "source", spec.Mode, "path", spec.Path, "from_start", opt.FromStart)
	if spec.Mode == "syslog" {
		opt.Logger.Warn("any local user can forge a kernel line in syslog (logger -t kernel ...): " +
			"records read there are not proof of what a process did; the netlink and kmsg sources cannot be forged")
	}
	return Opened{f, spec.Mode}, nil
}

// openAuto tries netlink, then auditd's audit.log, then /dev/kmsg, then
// syslog, and logs what it chose and why.
func openAuto(opt Options) (Opened, error) {
	var why []string
	o, err := openNetlink(opt)
	if err == nil {
		opt.Logger.Info("auto: chose netlink")
		return o, nil
	}
	why = append(why, "netlink: "+err.Error())
	if auditdRunning() {
		o, err = openFile(Spec{"auditlog", AuditLogPath}, opt)
		if err == nil {
			opt.Logger.Info("auto: chose auditlog, auditd writes it", "not_chosen", why)
			return o, nil
		}
		why = append(why, "auditlog: "+err.Error())
	} else {
		why = append(why, "auditlog: no auditd process is running")
	}
	o, err = Open(Spec{Mode: "kmsg"}, opt)
	if err == nil {
		opt.Logger.Info("auto: chose kmsg", "not_chosen", why)
		return o, nil
	}
	why = append(why, "kmsg: "+err.Error())
	o, err = openFile(Spec{"syslog", SyslogPath}, opt)
	if err == nil {
		opt.Logger.Info("auto: chose syslog", "not_chosen", why)
		return o, nil
	}
	why = append(why, "syslog: "+err.Error())
	return Opened{}, fmt.Errorf("no source could be opened: %s", strings.Join(why, "; "))
}

// auditdRunning reports whether a process named auditd runs.
func auditdRunning() bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if c := e.Name()[0]; c < '0' || c > '9' {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(comm)) == "auditd" {
			return true
		}
	}
	return false
}
