package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/profilegen"
)

// TestProvenanceCompanion: every OCI profile replay writes to a file has
// its provenance beside it, FILE.provenance: the union's group (all, as the
// summary names it) or each group's, its records, the records' time span
// and the version; a SeccompProfile carries it as annotations instead, and
// standard output gets none.
func TestProvenanceCompanion(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(logsDir, "syslog-traditional.log")
	read := func(path string) profilegen.ProvenanceJSON {
		t.Helper()
		var j profilegen.ProvenanceJSON
		data, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(data, &j)
		}
		if err != nil {
			t.Fatalf("provenance: %v", err)
		}
		return j
	}
	p := filepath.Join(dir, "p.json")
	if _, errOut, err := replay(t, nil, "-q", "-o", p, log); err != nil {
		t.Fatalf("replay: %v %s", err, errOut)
	}
	j := read(p + profilegen.ProvenanceExt)
	if j.Profile != "p.json" || j.Group != "all" || j.Records == 0 || j.ReadFirst == "" || j.ReadLast < j.ReadFirst || j.Version == "" {
		t.Errorf("union's provenance: %+v", j)
	}
	out := filepath.Join(dir, "out")
	text, errOut, err := replay(t, nil, "-d", out, "-g", "comm", log)
	if err != nil {
		t.Fatalf("replay -d: %v %s", err, errOut)
	}
	profiles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	var records uint64
	for _, f := range profiles {
		j := read(f + profilegen.ProvenanceExt)
		if j.Profile != filepath.Base(f) || j.Profile != profilegen.FileName(j.Group)+".json" || !strings.Contains(errOut+text, j.Group) {
			t.Errorf("%s: provenance %+v", f, j)
		}
		records += j.Records
	}
	if len(profiles) < 2 || records == 0 {
		t.Errorf("%d profiles, %d records", len(profiles), records)
	}
	spo := filepath.Join(dir, "spo")
	if _, errOut, err := replay(t, nil, "-q", "-d", spo, "--format", "spo", log); err != nil {
		t.Fatalf("replay spo: %v %s", err, errOut)
	}
	if extra, _ := filepath.Glob(filepath.Join(spo, "*"+profilegen.ProvenanceExt)); len(extra) > 0 {
		t.Errorf("companions beside SeccompProfiles: %q", extra)
	}
}

// TestUnionObjectName: the union replay writes without -d is the group
// all in the summary and in its SeccompProfile's group annotation; the
// object is named by --name, else after its file, else after its one
// group, else all.
func TestUnionObjectName(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(logsDir, "syslog-traditional.log")
	for _, tt := range []struct {
		args []string
		file string
		name string
	}{
		{[]string{"--format", "spo"}, "", "all"},
		{[]string{"--format", "spo", "--name", "web"}, "", "web"},
		{[]string{"-o", "app.yaml"}, "app.yaml", "app"},
		{[]string{"--format", "spo", "-g", "exe", "--exe", "^/usr/bin/cat$"}, "", profilegen.ObjectName("/usr/bin/cat")},
	} {
		args := append([]string{"-q"}, tt.args...)
		if tt.file != "" {
			args[len(args)-1] = filepath.Join(dir, tt.file)
		}
		out, errOut, err := replay(t, nil, append(args, log)...)
		if err != nil {
			t.Fatalf("replay %q: %v %s", args, err, errOut)
		}
		data := []byte(out)
		if tt.file != "" {
			data, _ = os.ReadFile(filepath.Join(dir, tt.file))
		}
		m, err := profilegen.UnmarshalMeta(data)
		if err != nil || m.Name != tt.name || m.Annotations[profilegen.GroupAnnotation] != "all" {
			t.Errorf("replay %q: %+v (%v), want name %q, group all", tt.args, m, err, tt.name)
		}
	}
}
