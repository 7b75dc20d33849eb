package profilegen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/safefile"
)

func builtOne(t *testing.T) []Built {
	t.Helper()
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}}
	return []Built{{Group: "g", Profile: p, Report: &Report{}}}
}

// TestOutputSpecialPaths: - and /dev/stdout are the writer, /dev/null
// discards, other device paths are refused (never replaced), opened first
// or not.
func TestOutputSpecialPaths(t *testing.T) {
	for path, want := range map[string]string{"-": "out", "/dev/stdout": "out", "/dev/null": "", "/dev/sda": "error"} {
		for _, open := range []bool{false, true} {
			var buf bytes.Buffer
			o := Output{Path: path, W: &buf}
			err := error(nil)
			if open {
				err = o.Open()
			}
			if err == nil {
				err = o.Write(builtOne(t), Options{})
			}
			o.Close()
			switch {
			case want == "error" && (err == nil || !strings.Contains(err.Error(), "device")):
				t.Errorf("%s (open %v): err = %v, want a refusal", path, open, err)
			case want == "out" && (err != nil || !strings.Contains(buf.String(), `"read"`)):
				t.Errorf("%s (open %v): err = %v, output %q", path, open, err, buf.String())
			case want == "" && (err != nil || buf.Len() != 0):
				t.Errorf("%s (open %v): err = %v, output %q", path, open, err, buf.String())
			}
		}
	}
}

// TestOutputOpenRefuses: Open refuses an unsafe destination at once (a bad
// -o or -d fails before the workload), and Write without Open refuses it
// too.
func TestOutputOpenRefuses(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o777)
	for _, o := range []Output{{Dir: open}, {Path: filepath.Join(open, "p.json")}} {
		if err := o.Open(); !errors.Is(err, safefile.ErrUnsafeDir) {
			t.Errorf("Open %+v: %v, want ErrUnsafeDir", o, err)
		}
		if err := o.Write(builtOne(t), Options{}); !errors.Is(err, safefile.ErrUnsafeDir) {
			t.Errorf("Write %+v: %v, want ErrUnsafeDir", o, err)
		}
	}
	if ents, _ := os.ReadDir(open); len(ents) != 0 {
		t.Errorf("written in the world-writable dir: %v", ents)
	}
}

// TestOutputOpenKeepsDir: an Output opened writes into the directory it
// opened, though its path was moved and another directory put in its
// place since; a copy of it does too.
func TestOutputOpenKeepsDir(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "out")
	for _, o := range []Output{{Dir: dir}, {Path: filepath.Join(dir, "p.json")}} {
		os.RemoveAll(dir)
		os.RemoveAll(dir + ".moved")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := o.Open(); err != nil {
			t.Fatal(err)
		}
		copied := o
		if err := os.Rename(dir, dir+".moved"); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copied.Write(builtOne(t), Options{}); err != nil {
			t.Fatal(err)
		}
		o.Close()
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%+v wrote by path into the new dir: %v", o, ents)
		}
		if ents, _ := os.ReadDir(dir + ".moved"); len(ents) != 1 {
			t.Errorf("%+v: the opened dir holds %v, want the profile", o, ents)
		}
	}
}

// TestOutputOpenCompanion: an OCI profile file with provenance has a
// companion beside it, which Open opens as it opens the profile's file: a
// companion that cannot be written (a directory in its place) fails Open,
// before the work, not the write after it, with the profile written.
func TestOutputOpenCompanion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	if err := os.Mkdir(path+ProvenanceExt, 0o755); err != nil {
		t.Fatal(err)
	}
	o := Output{Path: path, Provenance: &Provenance{Version: "v"}}
	if err := o.Open(); err == nil {
		o.Close()
		t.Fatalf("Open: nil error, though %s%s is a directory", path, ProvenanceExt)
	}
	if o.OpenedDir() != nil || o.heldTarget() != nil {
		t.Error("Open failed, yet left something open")
	}
	// Opened, the companion is written through what Open opened.
	path = filepath.Join(dir, "q.json")
	o = Output{Path: path, Provenance: &Provenance{Version: "v"}}
	if err := o.Open(); err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(dir+".moved", dir)
	if err := o.Write(builtOne(t), Options{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"q.json", "q.json" + ProvenanceExt} {
		if _, err := os.Stat(filepath.Join(dir+".moved", f)); err != nil {
			t.Errorf("not written where Open opened: %v", err)
		}
	}
}

// TestOutputDirNameClash: two profiles of one write with one file name (a
// group given twice here; two groups whose FileName hashes are equal)
// never replace one another: the second is written under its
// AltFileName, and the write fails with ErrNameClash, naming both.
func TestOutputDirNameClash(t *testing.T) {
	dir := t.TempDir()
	a, b := builtOne(t)[0], builtOne(t)[0]
	b.Profile = &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActAllow}}}
	err := Output{Dir: dir}.Write([]Built{a, b}, Options{})
	if !errors.Is(err, ErrNameClash) || !strings.Contains(err.Error(), AltFileName("g")) {
		t.Errorf("Write: %v, want ErrNameClash naming %s", err, AltFileName("g"))
	}
	for file, call := range map[string]string{"g.json": "read", AltFileName("g") + ".json": "write"} {
		p, err := ReadFile(filepath.Join(dir, file))
		if err != nil || len(p.Syscalls) == 0 || !slices.Contains(p.Syscalls[0].Names, call) {
			t.Errorf("%s: %v %+v, want the profile allowing %s", file, err, p, call)
		}
	}
	if alt := AltFileName("g"); FileName("g") == alt || !strings.HasPrefix(alt, "g@") || len(alt) != len("g@")+64 {
		t.Errorf("AltFileName(g) = %q", alt)
	}
}
