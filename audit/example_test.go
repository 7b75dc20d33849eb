package audit_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/recorder-dev/recorder/audit"
)

func ExampleParse() {
	line := []byte(`[  190.149246] audit: type=1326 audit(1795933758.183:35): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=3360 comm=612062 exe="/tmp/harv/h" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7ff4c67d7829 code=0x7ffc0000`)
	var r audit.Record
	kind, err := audit.Parse(line, &r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(kind == audit.KindSeccomp, r.Serial, r.PID)
	fmt.Printf("comm=%q exe=%q arch=%x syscall=%d action=%s\n", r.Comm, r.Exe, r.Arch, r.Syscall, r.Action)
	// Output:
	// true 35 3360
	// comm="a b" exe="/tmp/harv/h" arch=c000003e syscall=110 action=LOG
}

func ExampleReader() {
	log := `Nov 29 06:31:01 vm systemd-journald[7899]: Journal started
Nov 29 06:31:03 vm audit[7978]: SECCOMP auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7978 comm="syscall=999" exe="/tmp/harv/h" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7fa5e43b3829 code=0x7ffc0000
Nov 29 06:31:05 vm kernel: [  276.453273] kauditd_printk_skb: 199990 callbacks suppressed
Nov 29 06:31:06 vm audit[7979]: SECCOMP pid=7979 comm="x" syscall=11O
`
	r := audit.NewReader(strings.NewReader(log))
	var rec audit.Record
	for {
		kind, err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		switch {
		case err != nil:
			fmt.Println("skip:", err)
		case kind == audit.KindSeccomp:
			fmt.Printf("line %d: %s called %d\n", r.Line(), rec.Comm, rec.Syscall)
		case kind == audit.KindSuppressed:
			fmt.Printf("line %d: %d records lost\n", r.Line(), rec.Suppressed)
		}
	}
	// Output:
	// line 2: syscall=999 called 110
	// line 3: 199990 records lost
	// skip: line 4: malformed seccomp record: syscall="11O" is not a number
}
