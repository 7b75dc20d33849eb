#!/usr/bin/env bash
# capture.sh re-captures the real replay fixtures (scenarios 1-10 of
# README.md) from this machine's kernel into OUTDIR:
#
#	sudo testdata/logs/capture.sh OUTDIR
#
# It needs root, gcc, libseccomp-dev, rsyslog, auditd and systemd-journald (gcc-multilib for
# i386.log, skipped with a message when -m32 does not build). It takes the
# machine-wide kernel audit lock shared with the Go tests, and puts back
# everything it changes (printk sysctls, audit enabled/pid, the daemons it
# starts) on exit, even on failure.
set -euo pipefail

die() {
	echo "capture.sh: $*" >&2
	exit 1
}

[[ $# -eq 1 ]] || die "usage: capture.sh OUTDIR"
[[ $(id -u) -eq 0 ]] || die "must run as root"
mkdir -p "$1"
out=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

exec 9>/tmp/recorder-kernel-audit.lock
flock 9

work=$(mktemp -d /tmp/recorder-capture.XXXXXX)
bin=$work/bin
restores=()

# on_exit runs the registered restores, newest first.
on_exit() {
	local rc=$? i
	for ((i = ${#restores[@]} - 1; i >= 0; i--)); do
		eval "${restores[i]}" || echo "capture.sh: restore failed: ${restores[i]}" >&2
	done
	rm -rf "$work"
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# setsys sets a sysctl and registers putting its current value back.
setsys() {
	local key=$1 val=$2 old
	old=$(sysctl -n "$key")
	restores+=("sysctl -qw $key=$old")
	sysctl -qw "$key=$val"
}

audit_field() {
	auditctl -s | awk -v k="$1" '$1 == k { print $2 }'
}

build() {
	mkdir -p "$bin"
	gcc -O2 -Wall -o "$bin/logrun" "$here/workloads/logrun.c" -lseccomp
	gcc -O2 -Wall -o "$bin/actrun" "$here/workloads/actrun.c" -lseccomp
	gcc -O2 -Wall -o "$bin/storm" "$here/workloads/storm.c"
	gcc -O2 -Wall -o "$bin/rename" "$here/workloads/rename.c"
	gcc -O2 -Wall -o "$bin/oddsys" "$here/workloads/oddsys.c"
	gcc -O2 -Wall -o "$bin/newsys" "$here/workloads/newsys.c"
	gcc -O2 -Wall -o "$bin/hello" "$here/workloads/hello.c"
	gcc -O2 -Wall -static -o "$bin/hello-static" "$here/workloads/hello.c"
	if ! gcc -O2 -Wall -m32 -static -o "$bin/hello32" "$here/workloads/hello.c" 2>"$work/m32.err"; then
		echo "capture.sh: -m32 does not build (install gcc-multilib): i386.log skipped" >&2
		rm -f "$bin/hello32"
	fi
}

# settle waits for kauditd to hand queued records to the kernel log or to
# the audit daemon.
settle() {
	sleep 1
}

# kmsg_dump prints every record in /dev/kmsg, without waiting for more.
kmsg_dump() {
	dd if=/dev/kmsg iflag=nonblock bs=16384 2>/dev/null || true
}

mark() {
	echo "recorder-capture: $*" >/dev/kmsg
}

# dmesg_window prints the dmesg lines from the last "begin NAME" marker to
# the "end NAME" marker after it, both included (earlier runs leave their
# markers in the ring buffer); extra arguments go to dmesg.
dmesg_window() {
	local name=$1
	shift
	dmesg "$@" | awk -v b="recorder-capture: begin $name" -v e="recorder-capture: end $name" '
		index($0, b) { on = 1; buf = "" }
		on { buf = buf $0 "\n" }
		on && index($0, e) { on = 0; last = buf }
		END { printf "%s", last }'
}

# ---- rsyslog ------------------------------------------------------------

rsyslog_pid=

# rsyslog_start DIR [TEMPLATE]: a private rsyslogd with the rules of
# Debian's /etc/rsyslog.conf, writing into DIR, reading the kernel log with
# imklog and local messages from its own socket DIR/log.sock.
rsyslog_start() {
	local dir=$1 template=${2:-}
	mkdir -p "$dir/spool"
	{
		echo "module(load=\"imuxsock\" SysSock.Name=\"$dir/log.sock\")"
		echo 'module(load="imklog")'
		# Debian's rsyslogd sends its own start/exit lines to /dev/log and
		# reads them back; this one has no /dev/log, so it keeps them.
		echo 'global(processInternalMessages="on")'
		[[ -n $template ]] && echo "\$ActionFileDefaultTemplate $template"
		echo "\$WorkDirectory $dir/spool"
		echo "*.*;auth,authpriv.none -$dir/syslog"
		echo "kern.* -$dir/kern.log"
	} >"$dir/rsyslog.conf"
	# imklog reads /proc/kmsg from where the last reader stopped: drain
	# it so that the file starts with this session, like a running rsyslog.
	timeout 1 cat /proc/kmsg >/dev/null || true
	rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" &
	rsyslog_pid=$!
	restores+=("rsyslog_stop")
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -S $dir/log.sock ]] && break
		sleep 0.1
	done
	[[ -S $dir/log.sock ]] || die "rsyslogd did not start"
	sleep 0.5
}

rsyslog_stop() {
	[[ -n $rsyslog_pid ]] || return 0
	kill -TERM "$rsyslog_pid" 2>/dev/null || true
	wait "$rsyslog_pid" 2>/dev/null || true
	rsyslog_pid=
}

log() {
	logger -u "$1/log.sock" -t capture "$2"
}

# ---- auditd -------------------------------------------------------------

auditd_pid=
audit_enabled0=

# auditd_start DIR NAME_FORMAT: auditd with Debian's auditd.conf, logging
# to DIR/audit.log with the given name_format.
auditd_start() {
	local dir=$1 fmt=$2
	[[ $(audit_field pid) == 0 ]] || die "an audit daemon is already registered"
	mkdir -p "$dir"
	sed -e "s|^log_file = .*|log_file = $dir/audit.log|" \
		-e "s|^name_format = .*|name_format = $fmt|" \
		/etc/audit/auditd.conf >"$dir/auditd.conf"
	chmod 0640 "$dir/auditd.conf"
	audit_enabled0=$(audit_field enabled)
	auditd -n -c "$dir" &
	auditd_pid=$!
	restores+=("auditd_stop")
	local i
	for ((i = 0; i < 50; i++)); do
		[[ $(audit_field pid) == "$auditd_pid" && -s $dir/audit.log ]] && break
		sleep 0.1
	done
	[[ $(audit_field pid) == "$auditd_pid" ]] || die "auditd did not register"
}

auditd_stop() {
	[[ -n $auditd_pid ]] || return 0
	kill -TERM "$auditd_pid" 2>/dev/null || true
	wait "$auditd_pid" 2>/dev/null || true
	auditd_pid=
	auditctl -e "$audit_enabled0" >/dev/null
	local pid enabled
	pid=$(audit_field pid)
	enabled=$(audit_field enabled)
	[[ $pid == 0 && $enabled == "$audit_enabled0" ]] ||
		echo "capture.sh: audit state not restored: pid=$pid enabled=$enabled" >&2
}

# ---- journald -----------------------------------------------------------

journald_pid=

# journald_start runs systemd-journald by hand (PID 1 is not systemd here).
# It reads the kernel log and, as a multicast reader, the audit socket. Its
# runtime journal directory is set aside first and put back afterwards.
journald_start() {
	local run=/run/log/journal saved=/run/log/journal.capture-saved
	[[ ! -e $saved ]] || die "$saved exists: an earlier capture did not finish"
	if [[ -e $run ]]; then
		mv "$run" "$saved"
		restores+=("rm -rf $run; mv $saved $run")
	else
		restores+=("rm -rf $run")
	fi
	[[ -e /run/systemd/journal ]] || restores+=("rm -rf /run/systemd/journal")
	/lib/systemd/systemd-journald &
	journald_pid=$!
	restores+=("journald_stop")
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -S /run/systemd/journal/dev-log ]] && journalctl -q -n 1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	sleep 1
}

journald_stop() {
	[[ -n $journald_pid ]] || return 0
	kill -TERM "$journald_pid" 2>/dev/null || true
	wait "$journald_pid" 2>/dev/null || true
	journald_pid=
}

# ---- scenarios ----------------------------------------------------------

# syslog-rfc3339.log and kern.log: rsyslog's default file format.
cap_syslog_rfc3339() {
	local d=$work/rsyslog-rfc3339
	rsyslog_start "$d"
	log "$d" "begin workload: /bin/ls /"
	"$bin/logrun" /bin/ls / >/dev/null
	settle
	log "$d" "end workload"
	sleep 0.5
	rsyslog_stop
	cp "$d/syslog" "$out/syslog-rfc3339.log"
	cp "$d/kern.log" "$out/kern.log"
}

# syslog-traditional.log: RSYSLOG_TraditionalFileFormat.
cap_syslog_traditional() {
	local d=$work/rsyslog-traditional
	rsyslog_start "$d" RSYSLOG_TraditionalFileFormat
	log "$d" "begin workload: sh -c 'echo hi; cat /etc/hostname'"
	"$bin/logrun" sh -c 'echo hi; cat /etc/hostname' >/dev/null
	settle
	log "$d" "end workload"
	sleep 0.5
	rsyslog_stop
	cp "$d/syslog" "$out/syslog-traditional.log"
}

# suppressed.log: a getppid storm at the default printk rate limit, then a
# small workload 6 s later that makes the kernel print the suppressed count.
cap_suppressed() {
	local d=$work/rsyslog-suppressed
	setsys kernel.printk_ratelimit 5
	setsys kernel.printk_ratelimit_burst 10
	rsyslog_start "$d"
	log "$d" "begin workload: storm 200000, then hello-static after 6 s"
	"$bin/logrun" "$bin/storm" 200000
	sleep 6
	"$bin/logrun" "$bin/hello-static" >/dev/null
	settle
	log "$d" "end workload"
	sleep 0.5
	rsyslog_stop
	cp "$d/syslog" "$out/suppressed.log"
}

# dmesg.log and dmesg-raw.log: one window, with and without timestamps.
cap_dmesg() {
	mark "begin dmesg"
	"$bin/logrun" "$bin/hello" >/dev/null
	settle
	mark "end dmesg"
	dmesg_window dmesg >"$out/dmesg.log"
	dmesg_window dmesg -t >"$out/dmesg-raw.log"
}

# kmsg.log: /dev/kmsg records after the current last one, with a forged
# userspace line that looks like a kernel record.
cap_kmsg() {
	local start now
	start=$(kmsg_dump |
		awk -F'[,;]' '/^[0-9]/ { s = $2 } END { print s + 0 }')
	mark "begin kmsg"
	"$bin/logrun" cat /etc/hostname >/dev/null
	settle
	now=$(date +%s)
	printf '<5>audit: type=1326 audit(%s.123:999999): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1 comm="forged" exe="/forged" sig=0 arch=c000003e syscall=999 compat=0 ip=0x0 code=0x7ffc0000\n' "$now" >/dev/kmsg
	# One write with an embedded newline stays one record (read back as \x0a).
	printf '<5>audit: type=1326 audit(%s.124:999998): auid=0 uid=0 gid=0 ses=1 pid=1 comm="forged" exe="/forged" sig=0 arch=c000003e syscall=998 compat=0 ip=0x0 code=0x7ffc0000\naudit: type=1326 audit(%s.125:999997): auid=0 uid=0 gid=0 ses=1 pid=1 comm="forged" exe="/forged" sig=0 arch=c000003e syscall=997 compat=0 ip=0x0 code=0x7ffc0000\n' "$now" "$now" >/dev/kmsg
	mark "end kmsg"
	kmsg_dump |
		awk -F'[,;]' -v s="$start" '
			/^[0-9]/ { on = ($2 + 0 > s) }
			on { print }' >"$out/kmsg.log"
}

# audit.log and audit-node.log: auditd registered as the audit daemon.
cap_auditd() {
	local d=$work/auditd-none
	auditd_start "$d" NONE
	"$bin/logrun" /bin/ls / >/dev/null
	settle
	auditd_stop
	cp "$d/audit.log" "$out/audit.log"

	d=$work/auditd-hostname
	auditd_start "$d" hostname
	"$bin/logrun" "$bin/hello" >/dev/null
	settle
	auditd_stop
	cp "$d/audit.log" "$out/audit-node.log"
}

# hostile-comm.log: comms a process picks for itself, a deleted exe, and a
# path with a space.
cap_hostile() {
	local del=$work/deleted spaced="$work/dir with space"
	mkdir -p "$del" "$spaced"
	cp "$bin/rename" "$del/rename"
	cp "$bin/hello" "$spaced/hello world"
	mark "begin hostile-comm"
	"$bin/logrun" "$bin/rename" "a b" 'x"y' "syscall=999" "arch=0 x" $'\xc3\xa9' $'tab\tnl\n' "averyveryverylongname"
	"$bin/logrun" "$del/rename" -u "deleted-exe"
	"$bin/logrun" "$spaced/hello world" >/dev/null
	settle
	mark "end hostile-comm"
	dmesg_window hostile-comm >"$out/hostile-comm.log"
}

# odd-syscalls.log: syscall numbers no table names (999, -1, the x32 bit).
cap_oddsys() {
	mark "begin odd-syscalls"
	{ "$bin/logrun" "$bin/oddsys" || true; } >/dev/null 2>&1
	settle
	mark "end odd-syscalls"
	dmesg_window odd-syscalls >"$out/odd-syscalls.log"
}

# newer-syscalls.log: x86_64 457-467, newer than Debian 12's libseccomp.
cap_newsys() {
	mark "begin newer-syscalls"
	"$bin/logrun" "$bin/newsys" >/dev/null
	settle
	mark "end newer-syscalls"
	dmesg_window newer-syscalls >"$out/newer-syscalls.log"
}

# i386.log: a static 32-bit program (compat=1, arch=40000003).
cap_i386() {
	[[ -x $bin/hello32 ]] || return 0
	mark "begin i386"
	"$bin/logrun" "$bin/hello32" >/dev/null
	settle
	mark "end i386"
	dmesg_window i386 >"$out/i386.log"
}

# actions.log: denying actions logged through SECCOMP_FILTER_FLAG_LOG, and
# the filter's bad-arch action (KILL_THREAD) on a 32-bit program.
cap_actions() {
	mark "begin actions"
	# The braces keep bash's "Bad system call" job reports out of stderr.
	{ "$bin/actrun" errno mkdir mkdir "$work/denied" || true; } >/dev/null 2>&1
	{ "$bin/actrun" kill_process uname uname || true; } >/dev/null 2>&1
	{ "$bin/actrun" kill_thread uname uname || true; } >/dev/null 2>&1
	{ "$bin/actrun" trap uname uname || true; } >/dev/null 2>&1
	if [[ -x $bin/hello32 ]]; then
		{ "$bin/actrun" errno mkdir "$bin/hello32" || true; } >/dev/null 2>&1
	fi
	settle
	mark "end actions"
	dmesg_window actions >"$out/actions.log"
}

# journald.log: journalctl's short output, where each record appears twice:
# from the kernel log (kernel: audit: type=1326 ...) and from the audit
# socket (audit[PID]: SECCOMP ...).
cap_journald() {
	local sock=/run/systemd/journal/dev-log
	journald_start
	logger -u "$sock" -t capture "begin workload: hello"
	"$bin/logrun" "$bin/hello" >/dev/null
	settle
	logger -u "$sock" -t capture "end workload"
	sleep 0.5
	journalctl --no-pager -o short | awk '
		/ capture(\[[0-9]+\])?: begin workload/ { on = 1; buf = "" }
		on { buf = buf $0 "\n" }
		on && / capture(\[[0-9]+\])?: end workload/ { on = 0; last = buf }
		END { printf "%s", last }' >"$out/journald.log"
	journald_stop
}

main() {
	[[ $(audit_field pid) == 0 ]] || die "an audit daemon is registered: records would not reach the kernel log"
	build
	setsys kernel.printk_ratelimit 0
	cap_syslog_rfc3339
	cap_syslog_traditional
	cap_dmesg
	cap_kmsg
	cap_hostile
	cap_oddsys
	cap_newsys
	cap_i386
	cap_actions
	cap_auditd
	cap_journald
	cap_suppressed
	local f
	for f in "$out"/*.log; do
		printf '%-24s %5d lines %4d type=1326\n' "${f##*/}" "$(wc -l <"$f")" "$(grep -c 'type=1326\|type=SECCOMP' "$f" || true)"
	done
}

main
