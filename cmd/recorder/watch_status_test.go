package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/pipeline"
)

// TestWatchStatus: a watch that kept no record exits 3 and logs what the
// filter dropped; one that read records the kernel dropped exits 4; both
// unless asked (--allow-empty, --allow-lost). --json=FILE has its summary.
func TestWatchStatus(t *testing.T) {
	for _, tt := range []struct {
		name string
		log  string
		args []string
		code int
		want string // in the logs
	}{
		{"nothing matched", "syslog-traditional.log", []string{"--comm", "^nomatch$"}, exitEmpty, `seen_comms="cat (118), sh (68), logrun (11)"`},
		{"nothing matched, allowed", "syslog-traditional.log", []string{"--comm", "^nomatch$", "--allow-empty"}, 0, "nothing matched"},
		{"lost", "suppressed.log", nil, exitLost, "the kernel dropped records"},
		{"lost, allowed", "suppressed.log", []string{"--allow-lost"}, 0, "the kernel dropped records"},
		{"complete", "syslog-traditional.log", nil, 0, "watch ended"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sum := filepath.Join(dir, "summary.json")
			args := append([]string{"watch", "--source", "syslog:" + filepath.Join(logsDir, tt.log), "--from-start",
				"--duration", "1s", "-d", filepath.Join(dir, "out"), "--json=" + sum}, tt.args...)
			var logs bytes.Buffer
			err := run(context.Background(), args, nil, &bytes.Buffer{}, &logs)
			if code := exitStatus(err); code != tt.code {
				t.Errorf("exit %d (%v), want %d\n%s", code, err, tt.code, logs.String())
			}
			if !strings.Contains(logs.String(), tt.want) {
				t.Errorf("the logs lack %q:\n%s", tt.want, logs.String())
			}
			data, err := os.ReadFile(sum)
			var j pipeline.SummaryJSON
			if err == nil {
				err = json.Unmarshal(data, &j)
			}
			if err != nil || j.Command != "watch" || j.ExitCode != tt.code {
				t.Errorf("--json: %v; command %q, exit code %d, want %d", err, j.Command, j.ExitCode, tt.code)
			}
		})
	}
}

// TestWatchUsers: watch's end names a group whose records came from
// several users, in its logs and in its JSON summary (it said nothing:
// issue 17 item 5's warning was replay's and record's only). The lines are
// the real kernel's of syslog-traditional.log, /usr/bin/cat's given
// uid=1000 by hand: TestRecordUsersMix makes such a mix with the kernel.
func TestWatchUsers(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(logsDir, "syslog-traditional.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	mixed := 0
	for i, l := range lines {
		if strings.Contains(l, `exe="/usr/bin/cat"`) && i%2 == 0 {
			lines[i] = strings.Replace(l, " uid=0 ", " uid=1000 ", 1)
			mixed++
		}
	}
	dir := t.TempDir()
	log, sum := filepath.Join(dir, "mixed.log"), filepath.Join(dir, "summary.json")
	if err := os.WriteFile(log, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	args := []string{"watch", "--source", "syslog:" + log, "--from-start", "--duration", "1s", "-d", filepath.Join(dir, "out"), "--json=" + sum}
	if err := run(context.Background(), args, nil, &bytes.Buffer{}, &logs); err != nil {
		t.Fatalf("watch: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "a group mixes users") || !strings.Contains(logs.String(), "uid 1000 (") {
		t.Errorf("the logs do not say /usr/bin/cat mixes users:\n%s", logs.String())
	}
	data, err = os.ReadFile(sum)
	var j pipeline.SummaryJSON
	if err == nil {
		err = json.Unmarshal(data, &j)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range j.Groups {
		if g.Group == "/usr/bin/cat" && (len(g.Users) != 2 || g.Users[0].Records+g.Users[1].Records != 118) {
			t.Errorf("--json: /usr/bin/cat's users %+v, want uid 0 and 1000, 118 records", g.Users)
		}
		if g.Group == "/usr/bin/dash" && len(g.Users) != 1 {
			t.Errorf("--json: /usr/bin/dash's users %+v, want uid 0 alone", g.Users)
		}
	}
	if mixed == 0 || len(j.Groups) == 0 {
		t.Errorf("%d lines changed, %d groups", mixed, len(j.Groups))
	}
}
