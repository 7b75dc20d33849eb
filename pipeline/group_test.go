package pipeline

import (
	"testing"

	"github.com/recorder-dev/recorder/audit"
)

func TestParseGroupBy(t *testing.T) {
	for _, g := range []GroupBy{GroupExe, GroupExeName, GroupComm, GroupPID, GroupNone} {
		got, err := ParseGroupBy(g.String())
		if err != nil || got != g {
			t.Errorf("ParseGroupBy(%q) = %v, %v; want %v", g.String(), got, err, g)
		}
	}
	for _, s := range []string{"", "EXE", "uid", "exe "} {
		if _, err := ParseGroupBy(s); err == nil {
			t.Errorf("ParseGroupBy(%q) succeeded", s)
		}
	}
}

func TestAppendGroup(t *testing.T) {
	for _, tt := range []struct {
		g         GroupBy
		exe, comm string
		pid       int32
		want      string
	}{
		// Issue 11: the full path, so that /tmp/evil/ls is not /usr/bin/ls.
		{GroupExe, "/usr/sbin/nginx", "nginx: worker", 1, "/usr/sbin/nginx"},
		{GroupExe, "/usr/bin/ls", "ls", 1, "/usr/bin/ls"},
		{GroupExe, "/tmp/evil/ls", "ls", 1, "/tmp/evil/ls"},
		{GroupExe, "(null)", "kworker", 1, "kworker"},
		{GroupExe, "", "sh", 1, "sh"},
		{GroupExe, "/opt/app (deleted)", "app", 1, "/opt/app"},
		{GroupExe, "/opt/dir/", "x", 1, "/opt/dir/"},
		{GroupExe, "/bin/../../etc/passwd", "x", 1, "/bin/../../etc/passwd"},
		{GroupExeName, "/usr/sbin/nginx", "nginx: worker", 1, "nginx"},
		{GroupExeName, "/usr/bin/python3.12", "my app", 1, "python3.12"},
		{GroupExeName, "/tmp/evil/ls", "ls", 1, "ls"},
		{GroupExeName, "(null)", "kworker", 1, "kworker"},
		{GroupExeName, "", "sh", 1, "sh"},
		{GroupExeName, "/opt/app (deleted)", "app", 1, "app"},
		{GroupExeName, "/opt/dir/", "x", 1, "x"},
		{GroupExeName, "relative", "x", 1, "relative"},
		{GroupExeName, "", "", 1, UnnamedGroup},
		{GroupExeName, "/bin/../../etc/passwd", "x", 1, "passwd"},
		{GroupComm, "/usr/sbin/nginx", "nginx: worker", 1, "nginx: worker"},
		{GroupComm, "/usr/sbin/nginx", "", 1, UnnamedGroup},
		{GroupPID, "/usr/sbin/nginx", "nginx", 4242, "4242"},
		{GroupPID, "", "", -1, "-1"},
		{GroupNone, "/usr/sbin/nginx", "nginx", 1, NoneGroup},
	} {
		r := &Record{Record: audit.Record{Exe: []byte(tt.exe), Comm: []byte(tt.comm), PID: tt.pid}}
		got := string(tt.g.AppendGroup([]byte("prefix:"), r))
		if got != "prefix:"+tt.want {
			t.Errorf("%v.AppendGroup(exe=%q comm=%q) = %q; want %q", tt.g, tt.exe, tt.comm, got, "prefix:"+tt.want)
		}
	}
}

func TestAppendGroupNoAlloc(t *testing.T) {
	r := &Record{Record: audit.Record{Exe: []byte("/usr/bin/some-long-program"), Comm: []byte("prog"), PID: 123456}}
	buf := make([]byte, 0, 64)
	for _, g := range []GroupBy{GroupExe, GroupExeName, GroupComm, GroupPID, GroupNone} {
		if n := testing.AllocsPerRun(100, func() { buf = g.AppendGroup(buf[:0], r) }); n != 0 {
			t.Errorf("%v.AppendGroup allocates %v times", g, n)
		}
	}
}
