package kubetest

import "syscall"

// sysProcAttr puts a daemon in a process group of its own (stop ends its
// children too), killed if the test process dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
