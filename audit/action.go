package audit

// Action is a seccomp filter's return action, as decoded from a record's code=.
type Action uint8

const (
	ActionUnknown Action = iota
	ActionKillThread
	ActionKillProcess
	ActionTrap
	ActionErrno
	ActionUserNotif
	ActionTrace
	ActionLog
	ActionAllow
)

// Action bits of code= (SECCOMP_RET_ACTION_FULL).
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retErrno       = 0x00050000
	retUserNotif   = 0x7fc00000
	retTrace       = 0x7ff00000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
	retActionFull  = 0xffff0000
)

// ActionFromCode decodes the action of a record's code= value.
func ActionFromCode(code uint32) Action {
	switch code & retActionFull {
	case retKillProcess:
		return ActionKillProcess
	case retKillThread:
		return ActionKillThread
	case retTrap:
		return ActionTrap
	case retErrno:
		return ActionErrno
	case retUserNotif:
		return ActionUserNotif
	case retTrace:
		return ActionTrace
	case retLog:
		return ActionLog
	case retAllow:
		return ActionAllow
	}
	return ActionUnknown
}

var actionNames = [...]string{
	ActionUnknown:     "UNKNOWN",
	ActionKillThread:  "KILL_THREAD",
	ActionKillProcess: "KILL_PROCESS",
	ActionTrap:        "TRAP",
	ActionErrno:       "ERRNO",
	ActionUserNotif:   "USER_NOTIF",
	ActionTrace:       "TRACE",
	ActionLog:         "LOG",
	ActionAllow:       "ALLOW",
}

// String returns the action's short name, such as "LOG" or "KILL_PROCESS".
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "UNKNOWN"
}

// OCI returns the action's name in OCI profiles, such as "SCMP_ACT_LOG".
func (a Action) OCI() string { return "SCMP_ACT_" + a.String() }

// Denies reports whether the action stops the call: KILL_*, TRAP, ERRNO,
// USER_NOTIF, TRACE, and an action of unknown code (which a profile must
// not take for an allowed call). Records with such actions are violations
// of the filter, not calls to allow.
func (a Action) Denies() bool {
	return a != ActionLog && a != ActionAllow
}
