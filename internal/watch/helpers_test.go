package watch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// watchFixture is a real rsyslog capture of seccomp records, line by line
// with their "\n".
func watchFixture(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../testdata/logs/syslog-rfc3339.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// watchAllowed returns the union of the syscalls the profiles in dir allow.
func watchAllowed(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var names []string
	for _, f := range files {
		p, err := profilegen.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, allowed(p)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func allowed(p *specs.LinuxSeccomp) []string {
	var names []string
	for _, r := range p.Syscalls {
		if r.Action == specs.ActAllow {
			names = append(names, r.Names...)
		}
	}
	return names
}

// watchReplayed is the watchAllowed set the lines make with no base,
// through a pipeline of its own.
func watchReplayed(t *testing.T, lines []string) []string {
	t.Helper()
	p := pipeline.New(pipeline.Config{})
	for _, l := range lines {
		p.Line([]byte(strings.TrimSuffix(l, "\n")), pipeline.Pos{})
	}
	built, err := profilegen.BuildAll(p.Set, profilegen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range built {
		names = append(names, allowed(b.Profile)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// auditLines returns the lines that are audit records (or claim to be).
func auditLines(lines []string) []string {
	var out []string
	var rec audit.Record
	for _, l := range lines {
		if k, err := audit.Parse([]byte(strings.TrimSuffix(l, "\n")), &rec); k != audit.KindNone || err != nil {
			out = append(out, l)
		}
	}
	return out
}
