package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/golden"
	"github.com/recorder-dev/recorder/profilegen"
)

const (
	toolkitDir = "../../testdata/toolkit"
	tutorial   = "../../testdata/tutorial/profiles"
)

// recorder runs 'recorder ARGS' and returns its stdout, stderr and exit
// status.
func recorder(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	code := exitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

// TestToolkitGolden runs each command of the toolkit, in each format, and
// compares what it prints and its exit status with
// testdata/toolkit/NAME.golden.
func TestToolkitGolden(t *testing.T) {
	logs, spo := logsDir, filepath.Join(toolkitDir, "conditional.yaml")
	tests := []struct {
		name string
		args []string
	}{
		{"merge", []string{"merge", logs + "/syslog-rfc3339.json", logs + "/syslog-traditional.json", logs + "/i386.json"}},
		{"merge-conditions-spo", []string{"merge", "--format", "spo", spo, logs + "/tutorial.json"}},
		{"merge-incompatible", []string{"merge", logs + "/tutorial.json", tutorial + "/audit.json"}},
		{"diff", []string{"diff", logs + "/tutorial.json", logs + "/syslog-rfc3339.json"}},
		{"diff-same", []string{"diff", logs + "/tutorial.json", logs + "/tutorial.json"}},
		{"diff-conditions", []string{"diff", tutorial + "/fine-grained.json", spo}},
		{"convert-oci", []string{"convert", spo}},
		{"convert-spo", []string{"convert", "--format", "spo", logs + "/tutorial.json"}},
		{"convert-systemd", []string{"convert", "--format", "systemd", logs + "/syslog-traditional.json"}},
		{"convert-systemd-conditions", []string{"convert", "--format", "systemd", spo}},
		{"convert-systemd-log", []string{"convert", "--format", "systemd", tutorial + "/audit.json"}},
		{"lint", []string{"lint", logs + "/tutorial.json", tutorial + "/fine-grained.json", spo}},
		{"lint-errors", []string{"lint", tutorial + "/violation.json"}},
		{"lint-strict", []string{"lint", "--strict", tutorial + "/audit.json"}},
		{"check", []string{"check", "--profile", logs + "/syslog-traditional.json", logs + "/syslog-traditional.log"}},
		{"check-denied", []string{"check", "--profile", logs + "/tutorial.json", "--comm", "^cat$", logs + "/syslog-traditional.log"}},
		{"check-conditions", []string{"check", "--profile", tutorial + "/fine-grained.json", logs + "/tutorial.log"}},
		{"check-strict", []string{"check", "--strict", "--profile", spo, logs + "/tutorial.log"}},
		{"check-archs", []string{"check", "--profile", spo, logs + "/handmade-archs.log"}},
		{"profile-recording", []string{"profile", "--recording"}},
		{"profile-recording-from", []string{"profile", "--recording", "--from", logs + "/tutorial.json", "--format", "spo"}},
		{"profile-runtime-default", []string{"profile", "--runtime-default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "profile-") && runtime.GOARCH != "amd64" {
				t.Skip("the profile of this host's ABI; the goldens are x86_64's")
			}
			out, errOut, code := recorder(t, tt.args...)
			got := fmt.Sprintf("$ recorder %s\n%s--- stderr ---\n%s--- exit status %d\n", strings.Join(tt.args, " "), out, errOut, code)
			golden.Check(t, filepath.Join(toolkitDir, tt.name+".golden"), got)
		})
	}
}

// TestToolkitExitCodes: usage errors are 2, unreadable inputs 1, each
// with one line.
func TestToolkitExitCodes(t *testing.T) {
	dir := t.TempDir()
	p := logsDir + "/tutorial.json"
	// A syscall name that would end the SystemCallFilter= line and start
	// settings of its own (hand-made: no kernel writes such a profile).
	hostile := filepath.Join(dir, "hostile.json")
	os.WriteFile(hostile, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "x\n[Service]\nExecStartPre=/bin/touch /tmp/pwned"], "action": "SCMP_ACT_ALLOW"}]}`), 0o644)
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"merge", p}, 2, "wrong number of arguments"},
		{[]string{"merge", "--frobnicate", p, p}, 2, "unknown flag"},
		{[]string{"merge", "--format", "systemd", p, p}, 2, "--format"},
		{[]string{"merge", p, filepath.Join(dir, "nope.json")}, 1, "no such file"},
		{[]string{"merge", "-o", filepath.Join(dir, "no/dir/x.json"), p, p}, 1, "no such file"},
		{[]string{"diff", p}, 2, "wrong number of arguments"},
		{[]string{"diff", p, logsDir + "/tutorial.log"}, 2, "bad seccomp profile"}, // trouble: 2, as diff(1)
		{[]string{"diff", p, filepath.Join(dir, "nope.json")}, 2, "no such file"},
		{[]string{"convert", "--format", "xml", p}, 2, "--format"},
		{[]string{"convert", p, p}, 2, "wrong number of arguments"},
		{[]string{"convert", "--format", "systemd", tutorial + "/audit.json"}, 1, "not expressible"},
		{[]string{"convert", "--format", "systemd", hostile}, 1, `"x\n[Service]\nExecStartPre=/bin/touch /tmp/pwned" is not a syscall name`},
		{[]string{"lint"}, 2, "wrong number of arguments"},
		{[]string{"lint", dir}, 2, "is a directory"},
		{[]string{"check", logsDir + "/tutorial.log"}, 2, "--profile is required"},
		{[]string{"check", "--profile", p, "--comm", "(", logsDir + "/tutorial.log"}, 2, "--comm"},
		{[]string{"check", "--profile", p, filepath.Join(dir, "nope.log")}, 2, "no such file"},
		{[]string{"check", "--profile", filepath.Join(dir, "nope.json"), logsDir + "/tutorial.log"}, 2, "no such file"},
		{[]string{"check", "--profile", p, "--comm", "^nomatch$", logsDir + "/tutorial.log"}, 3, "nothing was checked"},
		{[]string{"profile"}, 2, "--recording or --runtime-default"},
		{[]string{"profile", "--recording", "--runtime-default"}, 2, "--recording or --runtime-default"},
		{[]string{"profile", "--runtime-default", "--from", p}, 2, "--from goes with --recording"},
		{[]string{"profile", "--recording", "extra"}, 2, "wrong number of arguments"},
	} {
		_, errOut, code := recorder(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("recorder %q: exit %d, %q; want %d and one line saying %q", tt.args, code, errOut, tt.code, tt.msg)
		}
	}
}

// TestToolkitHelp: each command's --help has examples and every flag.
func TestToolkitHelp(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"merge":   {"--output", "--format"},
		"diff":    {"diff(1)"},
		"convert": {"--format", "--output", "--name", "systemd"},
		"lint":    {"--strict", "missing-exit"},
		"check":   {"--profile", "--exe", "--comm", "--strict", "may deny"},
		"profile": {"--recording", "--from", "--runtime-default", "--output", "--format"},
	} {
		out, _, code := recorder(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage: recorder "+cmd) || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help: exit %d:\n%s", cmd, code, out)
		}
		for _, f := range flags {
			if !strings.Contains(out, f) {
				t.Errorf("%s --help does not show %s", cmd, f)
			}
		}
	}
	out, _, _ := recorder(t, "--help")
	for _, cmd := range []string{"merge", "diff", "convert", "lint", "check", "profile"} {
		if !strings.Contains(out, "recorder "+cmd) {
			t.Errorf("recorder --help does not list %s", cmd)
		}
	}
}

// TestConvertRoundTrip: every golden profile (as profilegen writes them)
// goes OCI -> SPO -> OCI, and SPO -> OCI -> SPO, byte for byte, through the
// command.
func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(logsDir, "*.json"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		spo, oci := filepath.Join(dir, name+".yaml"), filepath.Join(dir, name+".json")
		spo2 := filepath.Join(dir, "again", name+".yaml")
		os.MkdirAll(filepath.Dir(spo2), 0o755)
		for _, args := range [][]string{
			{"convert", "--format", "spo", "-o", spo, f},
			{"convert", "--format", "oci", "-o", oci, spo},
			{"convert", "--format", "spo", "-o", spo2, oci},
		} {
			if _, errOut, code := recorder(t, args...); code != 0 {
				t.Fatalf("recorder %q: %d %s", args, code, errOut)
			}
		}
		for _, pair := range [][2]string{{f, oci}, {spo, spo2}} {
			a, _ := os.ReadFile(pair[0])
			b, _ := os.ReadFile(pair[1])
			if !bytes.Equal(a, b) || len(a) == 0 {
				t.Errorf("%s: %s and %s differ after a round trip", name, pair[0], pair[1])
			}
		}
	}
}

// TestMergeOfReplicas: merging the profiles replay writes of two captured
// logs gives, byte for byte, the profile replay writes of both.
func TestMergeOfReplicas(t *testing.T) {
	dir := t.TempDir()
	logs := []string{"syslog-rfc3339", "syslog-traditional", "tutorial", "kmsg", "i386"}
	replayTo := func(out string, names ...string) {
		args := []string{"-q", "-o", out}
		for _, n := range names {
			args = append(args, filepath.Join(logsDir, n+".log"))
		}
		if _, errOut, err := replay(t, nil, args...); err != nil {
			t.Fatalf("replay %q: %v %s", args, err, errOut)
		}
	}
	for _, n := range logs {
		replayTo(filepath.Join(dir, n+".json"), n)
	}
	for i, a := range logs {
		for _, b := range logs[i+1:] {
			both := filepath.Join(dir, a+"+"+b+".json")
			replayTo(both, a, b)
			merged, errOut, code := recorder(t, "merge", filepath.Join(dir, a+".json"), filepath.Join(dir, b+".json"))
			want, _ := os.ReadFile(both)
			if code != 0 || merged != string(want) {
				t.Errorf("merge of %s and %s (exit %d, %s):\n%s\nis not the replay of both:\n%s", a, b, code, errOut, merged, want)
			}
		}
	}
}

// TestCheckOwnProfile: the records of every captured log, checked against
// the profile replay writes of them with --allow-denied, hold nothing it
// would deny; against that profile without one call, exactly that call.
func TestCheckOwnProfile(t *testing.T) {
	dir := t.TempDir()
	logs, _ := filepath.Glob(filepath.Join(logsDir, "*.log"))
	for _, log := range logs {
		own := filepath.Join(dir, filepath.Base(log)+".json")
		if _, errOut, err := replay(t, nil, "-q", "--allow-denied", "--allow-lost", "--base", "none", "-o", own, log); err != nil {
			t.Fatalf("replay %s: %v %s", log, err, errOut)
		}
		out, errOut, code := recorder(t, "check", "--profile", own, log)
		if code != 0 || !strings.Contains(out, "nothing would be denied") {
			t.Errorf("%s against its own profile: exit %d\n%s%s", log, code, out, errOut)
			continue
		}
		p, err := profilegen.ReadFile(own)
		if err != nil {
			t.Fatal(err)
		}
		// Without a base, the profile holds the calls of the records, and
		// exit and exit_group, which may not be among them.
		names := slices.DeleteFunc(slices.Clone(p.Syscalls[0].Names), func(n string) bool { return n == "exit" || n == "exit_group" })
		drop := names[len(names)/2]
		p.Syscalls[0].Names = slices.DeleteFunc(p.Syscalls[0].Names, func(n string) bool { return n == drop })
		data, _ := profilegen.Marshal(p)
		minus := filepath.Join(dir, "minus.json")
		os.WriteFile(minus, data, 0o644)
		out, _, code = recorder(t, "check", "--profile", minus, log)
		if code != 1 || strings.Count(out, "\ndenied: ") != 1 || !strings.Contains(out, "\ndenied: "+drop+" (") {
			t.Errorf("%s against its profile without %s: exit %d\n%s", log, drop, code, out)
		}
	}
}

// TestReplayExplain: --explain writes, next to the profiles, why each
// syscall is in them.
func TestReplayExplain(t *testing.T) {
	dir := t.TempDir()
	explain := filepath.Join(dir, "explain.tsv")
	_, errOut, err := replay(t, nil, "-q", "-d", dir, "--explain", explain, filepath.Join(logsDir, "syslog-traditional.log"))
	if err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	got, err := os.ReadFile(explain)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join(toolkitDir, "replay-explain.golden"), string(got))
	_, _, err = replay(t, nil, "-q", "-o", filepath.Join(dir, "p.json"), "--explain", filepath.Join(dir, "no/dir/e.tsv"), filepath.Join(logsDir, "tutorial.log"))
	if code := exitCode(err, &bytes.Buffer{}); code != 1 {
		t.Errorf("unwritable --explain: exit %d (%v)", code, err)
	}
}
