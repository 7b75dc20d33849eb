package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/profilegen"
)

// TestOutputPaths: every output of the recorder (replay's -o and
// --explain, the toolkit's -o) means the same by the same path: "-" and
// /dev/stdout are standard output, /dev/null discards, any other /dev path
// is refused (never replaced), anything else is a file written whole. No
// file named "-" is ever made.
func TestOutputPaths(t *testing.T) {
	log, _ := filepath.Abs(filepath.Join(logsDir, "tutorial.log"))
	prof, _ := filepath.Abs(filepath.Join(logsDir, "tutorial.json"))
	dir := t.TempDir()
	t.Chdir(dir)
	for _, out := range []struct {
		name   string
		args   func(path string) []string
		marker string // in what is written
	}{
		{"replay -o", func(p string) []string { return []string{"replay", "-q", "-o", p, log} }, `"defaultAction"`},
		{"replay --explain", func(p string) []string { return []string{"replay", "-q", "-o", "/dev/null", "--explain", p, log} }, "# group\tsyscall"},
		{"merge -o", func(p string) []string { return []string{"merge", "-o", p, prof, prof} }, `"defaultAction"`},
		{"convert -o", func(p string) []string { return []string{"convert", "--format", "systemd", "-o", p, prof} }, "SystemCallFilter="},
		{"profile -o", func(p string) []string { return []string{"profile", "--runtime-default", "-o", p} }, `"defaultAction"`},
	} {
		for _, path := range []string{"-", "/dev/stdout", "/dev/null", "/dev/full", "file"} {
			stdout, stderr, code := recorder(t, out.args(path)...)
			ok := true
			switch path {
			case "-", "/dev/stdout":
				ok = code == 0 && strings.Contains(stdout, out.marker)
			case "/dev/null":
				ok = code == 0 && stdout == ""
			case "/dev/full":
				ok = code == 1 && strings.Contains(stderr, "device") && stdout == ""
			case "file":
				data, err := os.ReadFile(path)
				ok = code == 0 && stdout == "" && err == nil && strings.Contains(string(data), out.marker)
				os.Remove(path)
				if out.name == "replay -o" { // an OCI profile's provenance goes beside it
					_, err := os.Stat(path + profilegen.ProvenanceExt)
					ok = ok && err == nil
					os.Remove(path + profilegen.ProvenanceExt)
				}
			}
			if !ok {
				t.Errorf("%s %s: exit %d, stdout %.80q, stderr %q", out.name, path, code, stdout, stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("%s %s: left %s in the working directory", out.name, path, entries[0].Name())
				os.RemoveAll(filepath.Join(dir, entries[0].Name()))
			}
		}
	}
}

// TestExplainIsNoOtherFile: --explain is an output like -o: it may not be
// one of replay's inputs, nor where the profile goes (the same file, or
// standard output both); refused as usage errors, before anything is
// read or written.
func TestExplainIsNoOtherFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.log")
	data, err := os.ReadFile(filepath.Join(logsDir, "tutorial.log"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, data, 0o644)
	prof := filepath.Join(dir, "p.json")
	os.WriteFile(prof, []byte("{}"), 0o644)
	for _, args := range [][]string{
		{"replay", "-q", "-o", filepath.Join(dir, "out.json"), "--explain", in, in},
		{"replay", "-q", "-o", prof, "--explain", prof, in},
		{"replay", "-q", "-o", prof, "--explain", filepath.Join(dir, ".", "p.json"), in},
		{"replay", "-q", "--explain", "-", in},
		{"replay", "-q", "-o", "/dev/stdout", "--explain", "-", in},
		{"record", "-q", "-o", prof, "--explain", prof, "--", "true"},
	} {
		_, stderr, code := recorder(t, args...)
		if code != 2 || !strings.Contains(stderr, "--explain") {
			t.Errorf("recorder %q: exit %d, %q; want 2, a usage error about --explain", args, code, stderr)
		}
		if got, _ := os.ReadFile(in); string(got) != string(data) {
			t.Fatalf("recorder %q replaced the input", args)
		}
		if got, _ := os.ReadFile(prof); string(got) != "{}" {
			t.Fatalf("recorder %q replaced %s", args, prof)
		}
	}
	// -d puts the profiles elsewhere: --explain - is standard output alone.
	stdout, _, code := recorder(t, "replay", "-q", "-d", filepath.Join(dir, "profiles"), "--explain", "-", in)
	if code != 0 || !strings.Contains(stdout, "# group\tsyscall") {
		t.Errorf("-d with --explain -: exit %d, %q", code, stdout)
	}
}

// TestHelpExamplesInPlace: every example command of a help text is in its
// Examples: block, which ends at the first blank line (the usage lines,
// up to the first blank line, are not examples).
func TestHelpExamplesInPlace(t *testing.T) {
	entries, err := help.ReadDir("help")
	if err != nil || len(entries) < 10 {
		t.Fatalf("help texts: %d, %v", len(entries), err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".txt")
		lines := strings.Split(helpText(name), "\n")
		start := slices.Index(lines, "") // after the usage lines
		in := false
		for i, l := range lines[start+1:] {
			i += start + 1
			switch {
			case l == "Examples:":
				in = true
			case l == "":
				in = false
			case !in && (strings.HasPrefix(strings.TrimSpace(l), "recorder "+name+" ") || strings.Contains(l, "| recorder ")):
				t.Errorf("help/%s line %d, an example out of Examples: %q", e.Name(), i+1, l)
			}
		}
	}
}

// TestMaxProfileSize: run --profile and record --under read their profile
// within --max-profile-size, as --base and --merge do (README's bounded
// state), before anything is run.
func TestMaxProfileSize(t *testing.T) {
	prof := filepath.Join(logsDir, "tutorial.json") // 1,241 bytes
	_, stderr, code := recorder(t, "run", "--report=false", "--max-profile-size", "100", "--profile", prof, "--", "true")
	if code != 1 || !strings.Contains(stderr, profilegen.ErrProfileTooLarge.Error()) {
		t.Errorf("run --max-profile-size 100: exit %d, %q; want 1, too large", code, stderr)
	}
	if _, err := parseRecordFlags([]string{"--max-profile-size", "100", "--under", prof, "--", "true"}); !errors.Is(err, profilegen.ErrProfileTooLarge) {
		t.Errorf("record --max-profile-size 100 --under: %v; want ErrProfileTooLarge", err)
	}
	if cfg, err := parseRecordFlags([]string{"--max-profile-size", "100000", "--under", prof, "--", "true"}); err != nil || cfg.underProfile == nil {
		t.Errorf("record --max-profile-size 1000 --under: %v", err)
	}
}
