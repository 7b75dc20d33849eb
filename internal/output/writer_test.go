package output

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

func built(t *testing.T) []profilegen.Built {
	t.Helper()
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"exit_group", "read"}, Action: specs.ActAllow}}}
	return []profilegen.Built{{Group: "/usr/bin/cat", Profile: p, Report: &profilegen.Report{Group: "/usr/bin/cat", Records: 3}}}
}

// TestSaveKeeps: profiles that cannot be written where asked (the output
// dir removed and a file put in its place after Open) go to a fallback
// directory of the user's, with --explain, under the names they were to
// have; the error names it and wraps ErrKept.
func TestSaveKeeps(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SUDO_UID", "")
	dir := filepath.Join(t.TempDir(), "out")
	w := &Writer{Output: profilegen.Output{Dir: dir}, Explain: filepath.Join(t.TempDir(), "why.tsv")}
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	err := w.Save(built(t), profilegen.Options{}, []byte("why\n"))
	lost, _ := filepath.Glob(filepath.Join(home, "recorder-lost-*"))
	if !errors.Is(err, ErrKept) || len(lost) != 1 || !strings.Contains(err.Error(), lost[0]) {
		t.Fatalf("Save: %v; fallback dirs %q", err, lost)
	}
	file, _ := w.Names("/usr/bin/cat")
	for name, mode := range map[string]os.FileMode{file: 0o600, "why.tsv": 0o600} {
		st, err := os.Stat(filepath.Join(lost[0], name))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s in the fallback dir: %v", name, err)
		}
	}
}

// TestSaveWrites: Save writes the profiles and the explanation where
// asked, and keeps nothing.
func TestSaveWrites(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	out := filepath.Join(t.TempDir(), "p.json")
	why := filepath.Join(t.TempDir(), "why.tsv")
	w := &Writer{Output: profilegen.Output{Path: out}, Explain: why}
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Save(built(t), profilegen.Options{}, []byte{}); err != nil {
		t.Fatal(err)
	}
	p, err := profilegen.ReadFile(out)
	if err != nil || len(p.Syscalls) == 0 {
		t.Errorf("profile: %v %+v", err, p)
	}
	if st, err := os.Stat(why); err != nil || st.Size() != 0 {
		t.Errorf("an empty explanation is still written: %v", err)
	}
	if lost, _ := filepath.Glob(filepath.Join(home, "recorder-lost-*")); len(lost) > 0 {
		t.Errorf("kept %q though the write worked", lost)
	}
}

// TestOpenChecksFirst: a JSON or explanation file that cannot be written
// fails Open with a FileError naming its field (no flag), and nothing
// stays open.
func TestOpenChecksFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing", "f")
	for _, tt := range []struct {
		w     *Writer
		field Field
	}{
		{&Writer{Output: profilegen.Output{Path: "-"}, Explain: missing}, FieldExplain},
		{&Writer{Output: profilegen.Output{Path: "-"}, JSON: missing}, FieldJSON},
	} {
		w := tt.w
		err := w.Open()
		var fe *FileError
		if !errors.As(err, &fe) || fe.Field != tt.field || strings.Contains(err.Error(), "--") {
			t.Errorf("Open %+v: %v", w, err)
		}
		if w.explain != nil || w.json != nil || w.OpenedDir() != nil {
			t.Errorf("Open failed, yet left %+v open", w)
		}
	}
}

// TestReport: --json alone takes the text's place; --json=FILE writes the
// file and leaves the text; Quiet leaves out the text.
func TestReport(t *testing.T) {
	sum := &pipeline.Summary{Unit: "line", Counts: &pipeline.Counts{Lines: 3}}
	file := filepath.Join(t.TempDir(), "s.json")
	for _, tt := range []struct {
		w          Writer
		text, json bool
	}{
		{Writer{}, true, false},
		{Writer{JSON: "-"}, false, true},
		{Writer{JSON: file}, true, false},
		{Writer{Quiet: true}, false, false},
		{Writer{Quiet: true, JSON: "-"}, false, true},
	} {
		var stream bytes.Buffer
		if err := tt.w.Report(&stream, sum, map[string]int{"lines": 3}); err != nil {
			t.Fatal(err)
		}
		s := stream.String()
		if strings.Contains(s, "read 3 lines") != tt.text || strings.Contains(s, `"lines": 3`) != tt.json {
			t.Errorf("%+v wrote %q", tt.w, s)
		}
	}
	if data, err := os.ReadFile(file); err != nil || !strings.Contains(string(data), `"lines": 3`) {
		t.Errorf("--json=FILE: %q, %v", data, err)
	}
}

// TestExplainText: no Explain is no text (nil); an Explain's text is
// never nil, so that an empty one is still written.
func TestExplainText(t *testing.T) {
	if ExplainText(nil, nil, profilegen.Options{}) != nil {
		t.Error("text without an Explain")
	}
	if ExplainText(pipeline.NewExplain(), nil, profilegen.Options{}) == nil {
		t.Error("no text of an Explain")
	}
}

// TestCheck: outputs that would replace one another are ErrClash.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	p, e, out := filepath.Join(dir, "p.json"), filepath.Join(dir, "e.tsv"), filepath.Join(dir, "out")
	for _, tt := range []struct {
		w     Writer
		clash bool
	}{
		{Writer{Output: profilegen.Output{Path: p}, Explain: e, JSON: filepath.Join(dir, "s.json")}, false},
		{Writer{Output: profilegen.Output{Path: p}, Explain: filepath.Join(dir, ".", "p.json")}, true},
		{Writer{Output: profilegen.Output{Path: p}, JSON: p}, true},
		{Writer{Output: profilegen.Output{Path: p}, Explain: e, JSON: e}, true},
		{Writer{Output: profilegen.Output{Dir: out}, JSON: filepath.Join(out, "summary.json")}, true},
		{Writer{Output: profilegen.Output{Dir: out}, JSON: filepath.Join(dir, "summary.json")}, false},
		{Writer{Output: profilegen.Output{Dir: out}, Explain: p, JSON: "-"}, false},
		// A group's profile or companion in the output directory: the
		// explanation written after the profiles replaced it (comm
		// "http-echo": -d out --explain out/http-echo.json).
		{Writer{Output: profilegen.Output{Dir: out}, Explain: filepath.Join(out, "http-echo.json")}, true},
		{Writer{Output: profilegen.Output{Dir: out}, Explain: filepath.Join(out, "x.json.provenance")}, true},
		{Writer{Output: profilegen.Output{Dir: out, Format: profilegen.SPO}, Explain: filepath.Join(out, "x.yaml")}, true},
		{Writer{Output: profilegen.Output{Dir: out}, Explain: filepath.Join(out, "explain.tsv")}, false},
		// The companion of an OCI profile file (FILE.provenance).
		{Writer{Output: profilegen.Output{Path: p}, Explain: p + profilegen.ProvenanceExt}, true},
		{Writer{Output: profilegen.Output{Path: p}, JSON: p + profilegen.ProvenanceExt}, true},
		{Writer{Output: profilegen.Output{Path: p, Format: profilegen.SPO}, JSON: p + profilegen.ProvenanceExt}, false},
	} {
		err := tt.w.Check()
		var ce *ClashError
		if errors.Is(err, ErrClash) != tt.clash || errors.As(err, &ce) != tt.clash || strings.Contains(fmt.Sprint(err), "--") {
			t.Errorf("%+v: %v, want a clash: %v (a *ClashError naming no flag)", tt.w, err, tt.clash)
		}
	}
}
