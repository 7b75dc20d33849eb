// Package profiletest holds what tests of the profiles the recorder writes
// share. Its input is a captured log, such as testdata/logs/syslog-rfc3339.log:
//
//	2026-11-29T06:32:50.080953+00:00 vm kernel: [  402.039562] audit: type=1326 audit(1795933970.075:402199): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=14257 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=12 compat=0 ip=0x7f1460e19c47 code=0x7ffc0000
//
// read line by line (Lines), the calls the profiles a watch wrote in a
// directory allow (AllowedInDir), and what a pipeline of its own makes of
// the same lines (Replayed), to compare the two.
package profiletest
