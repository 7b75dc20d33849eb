package profiletest

import (
	"encoding/json"
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

// Lines returns the lines of the file at path, each with its "\n" (a
// captured log to feed a source line by line).
func Lines(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// Read returns the OCI profile of the JSON file at path, decoded as it
// is, without profilegen's checks (a test may read what they refuse).
func Read(t testing.TB, path string) *specs.LinuxSeccomp {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p specs.LinuxSeccomp
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &p
}

// Allowed returns the names p's SCMP_ACT_ALLOW rules hold, in rule order.
func Allowed(p *specs.LinuxSeccomp) []string {
	var names []string
	for _, r := range p.Syscalls {
		if r.Action == specs.ActAllow {
			names = append(names, r.Names...)
		}
	}
	return names
}

// AllowedInDir returns the sorted union of the names the OCI profiles
// (*.json) in dir allow.
func AllowedInDir(t testing.TB, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var names []string
	for _, f := range files {
		p, err := profilegen.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, Allowed(p)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Replayed is the AllowedInDir set that lines make, grouped by executable
// and with no base, through a pipeline of its own: what a watch fed those
// lines must write.
func Replayed(t testing.TB, lines []string) []string {
	t.Helper()
	p := pipeline.New(pipeline.Config{GroupBy: pipeline.GroupExe})
	for _, l := range lines {
		p.Line([]byte(strings.TrimSuffix(l, "\n")), pipeline.Pos{})
	}
	built, err := profilegen.BuildAll(p.Set, profilegen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range built {
		names = append(names, Allowed(b.Profile)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// AuditLines returns the lines that are audit records, or claim to be.
func AuditLines(lines []string) []string {
	var out []string
	var rec audit.Record
	for _, l := range lines {
		if k, err := audit.Parse([]byte(strings.TrimSuffix(l, "\n")), &rec); k != audit.KindNone || err != nil {
			out = append(out, l)
		}
	}
	return out
}
