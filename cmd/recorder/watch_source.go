package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/recorder-dev/recorder/audit"
)

// sourceSpec is a parsed --source: a mode and, for files, a path.
type sourceSpec struct {
	mode string // netlink, kmsg, syslog, auditlog or auto
	path string
}

func parseSource(s string) (sourceSpec, error) {
	mode, path, hasPath := strings.Cut(s, ":")
	switch mode {
	case "syslog", "auditlog":
		if hasPath && path == "" {
			return sourceSpec{}, fmt.Errorf("--source %s: empty path", mode)
		}
		if !hasPath {
			path = audit.SyslogPath
			if mode == "auditlog" {
				path = audit.AuditLogPath
			}
		}
		return sourceSpec{mode, path}, nil
	case "netlink", "kmsg", "auto":
		if hasPath {
			return sourceSpec{}, fmt.Errorf("--source %s takes no path", mode)
		}
		return sourceSpec{mode: mode}, nil
	}
	return sourceSpec{}, fmt.Errorf("--source %q: want netlink, kmsg, syslog[:PATH], auditlog[:PATH] or auto", s)
}

// sourceOptions is what opening a source needs from the command line.
type sourceOptions struct {
	fromStart    bool
	backlogLimit uint32
	log          *slog.Logger
}

// opened is a source with the name metrics and logs use.
type opened struct {
	src  audit.Source
	name string // netlink, kmsg, syslog, auditlog
}

// errNetlinkDenied explains what to do without the capabilities.
const netlinkHelp = "the netlink source needs root, or " + audit.CapAuditControl +
	" (to register as the audit daemon) or " + audit.CapAuditRead +
	" (to read next to auditd); without them use --source auditlog (auditd running), kmsg or syslog"

func openSource(spec sourceSpec, opt sourceOptions) (opened, error) {
	switch spec.mode {
	case "netlink":
		return openNetlink(opt)
	case "kmsg":
		k, err := audit.OpenKmsg(audit.KmsgPath, opt.fromStart)
		if err != nil {
			return opened{}, err
		}
		opt.log.Info("reading the kernel log", "source", "kmsg", "path", audit.KmsgPath)
		return opened{k, "kmsg"}, nil
	case "syslog", "auditlog":
		return openFile(spec, opt)
	}
	return openAuto(opt)
}

func openNetlink(opt sourceOptions) (opened, error) {
	n, err := audit.OpenNetlink(audit.NetlinkConfig{BacklogLimit: opt.backlogLimit, Logger: opt.log})
	if errors.Is(err, os.ErrPermission) {
		return opened{}, fmt.Errorf("%w; %s", err, netlinkHelp)
	}
	if err != nil {
		return opened{}, err
	}
	if n.Multicast() {
		opt.log.Info("reading the audit multicast group next to the registered audit daemon",
			"source", "netlink", "daemon_pid", n.DaemonPID(),
			"note", "records are lost if this reader falls behind (counted as ENOBUFS)")
	} else {
		opt.log.Info("registered as the audit daemon", "source", "netlink", "backlog_limit", opt.backlogLimit,
			"note", "the audit pid, enabled flag and backlog limit are restored on exit")
	}
	return opened{n, "netlink"}, nil
}

func openFile(spec sourceSpec, opt sourceOptions) (opened, error) {
	f, err := audit.Follow(spec.path, audit.FollowConfig{FromStart: opt.fromStart, Logger: opt.log})
	if err != nil {
		return opened{}, err
	}
	opt.log.Info("following file", "source", spec.mode, "path", spec.path, "from_start", opt.fromStart)
	if spec.mode == "syslog" {
		opt.log.Warn("any local user can forge a kernel line in syslog (logger -t kernel ...): " +
			"records read there are not proof of what a process did; the netlink and kmsg sources cannot be forged")
	}
	return opened{f, spec.mode}, nil
}

// openAuto tries netlink, then auditd's audit.log, then /dev/kmsg, then
// syslog, and logs what it chose and why.
func openAuto(opt sourceOptions) (opened, error) {
	var why []string
	o, err := openNetlink(opt)
	if err == nil {
		opt.log.Info("auto: chose netlink")
		return o, nil
	}
	why = append(why, "netlink: "+err.Error())
	if auditdRunning() {
		o, err = openFile(sourceSpec{"auditlog", audit.AuditLogPath}, opt)
		if err == nil {
			opt.log.Info("auto: chose auditlog, auditd writes it", "not_chosen", why)
			return o, nil
		}
		why = append(why, "auditlog: "+err.Error())
	} else {
		why = append(why, "auditlog: no auditd process is running")
	}
	o, err = openSource(sourceSpec{mode: "kmsg"}, opt)
	if err == nil {
		opt.log.Info("auto: chose kmsg", "not_chosen", why)
		return o, nil
	}
	why = append(why, "kmsg: "+err.Error())
	o, err = openFile(sourceSpec{"syslog", audit.SyslogPath}, opt)
	if err == nil {
		opt.log.Info("auto: chose syslog", "not_chosen", why)
		return o, nil
	}
	why = append(why, "syslog: "+err.Error())
	return opened{}, fmt.Errorf("no source could be opened: %s", strings.Join(why, "; "))
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
