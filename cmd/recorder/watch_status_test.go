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
