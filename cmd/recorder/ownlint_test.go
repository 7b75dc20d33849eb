package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOwnProfilesLintStrict is issue 16's "its own output passes its own
// checks", through the command: profile --recording (with and without
// --log-denials) and --runtime-default pass lint --strict (recv, send and
// riscv_hwprobe failed it).
func TestOwnProfilesLintStrict(t *testing.T) {
	dir := t.TempDir()
	for i, args := range [][]string{{"--recording"}, {"--recording", "--log-denials"}, {"--runtime-default"}} {
		file := filepath.Join(dir, "p"+strconv.Itoa(i)+".json")
		if _, errOut, code := recorder(t, append([]string{"profile", "-o", file}, args...)...); code != 0 {
			t.Fatalf("profile %v: exit %d: %s", args, code, errOut)
		}
		if out, errOut, code := recorder(t, "lint", "--strict", file); code != 0 {
			t.Errorf("lint --strict of profile %s: exit %d:\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
}
