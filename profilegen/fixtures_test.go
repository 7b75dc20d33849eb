package profilegen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/internal/golden"
)

// TestFixtures builds the profiles of records the kernel wrote on this kind
// of machine (../testdata/logs, see its capture.sh), through audit's Reader,
// and compares every group's file name, report and profile with a golden
// file.
func TestFixtures(t *testing.T) {
	for _, name := range []string{"tutorial.log", "i386.log", "actions.log", "hostile-comm.log"} {
		t.Run(name, func(t *testing.T) {
			s := readSet(t, filepath.Join("..", "testdata", "logs", name), groupExe)
			var out bytes.Buffer
			for _, g := range s.Groups() {
				p, rep, err := Build(s, g, Options{Base: mustBase(t, "minimal"), Companions: true})
				if err != nil {
					t.Fatal(err)
				}
				checkFileName(t, g, FileName(g))
				fmt.Fprintf(&out, "== group %q -> %s.json: %d records, actions %v\n", g, FileName(g), rep.Records, rep.Actions)
				for _, v := range rep.Violations {
					fmt.Fprintf(&out, "violation %s %s %s x%d pid %d comm %q\n", v.Name, v.Arch, v.Action, v.Count, v.PID, v.Comm)
				}
				for _, u := range rep.Unknown {
					fmt.Fprintf(&out, "unknown %s %d %s x%d\n", u.Arch, u.Nr, u.Action, u.Count)
				}
				data, err := Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				out.Write(data)
			}
			golden.Check(t, filepath.Join("testdata", "logs-"+name+".golden"), out.Bytes())
		})
	}
}

func readSet(t testing.TB, path string, g groupBy) *Set {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newSet(g)
	r := audit.NewReader(f)
	var rec audit.Record
	n := 0
	for {
		k, err := r.Read(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s:%d: %v", path, r.Line(), err)
		}
		if k == audit.KindSeccomp {
			add(s, &rec)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("%s: no seccomp records", path)
	}
	return s
}

// TestFixtureHostileComm: comms the kernel hex-encoded (spaces, tabs,
// newlines, quotes, "syscall=999", UTF-8) become distinct, safe file names.
func TestFixtureHostileComm(t *testing.T) {
	bycomm := readSet(t, filepath.Join("..", "testdata", "logs", "hostile-comm.log"), groupComm)
	files := map[string]string{}
	for _, g := range bycomm.Groups() {
		f := FileName(g)
		checkFileName(t, g, f)
		if other, dup := files[f]; dup {
			t.Errorf("comms %q and %q share file %s", g, other, f)
		}
		files[f] = g
	}
	for _, want := range []string{"hello world", "tab\tnl\n", "syscall=999", "é"} {
		if bycomm.Keys(want) == nil {
			t.Errorf("comm %q not decoded from the fixture (groups %q)", want, bycomm.Groups())
		}
	}
}
