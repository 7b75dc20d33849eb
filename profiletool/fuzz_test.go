package profiletool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/profilegen"
)

// FuzzProfile reads any profile and checks what must hold whatever it
// says: a profile means what it means (Diff with itself is empty), merging
// it with itself changes nothing, and lint, check's verdicts, systemd and
// both formats run without panicking; a systemd unit holds no setting but
// SystemCall ones. Seeded with the profiles of
// testdata (the replay goldens, the tutorial's, conditional.yaml).
func FuzzProfile(f *testing.F) {
	for _, glob := range []string{"../testdata/logs/*.json", "../testdata/tutorial/profiles/*.json", "../testdata/toolkit/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := profilegen.Unmarshal(data)
		if err != nil {
			return
		}
		if d := Diff("a", p, "b", p); !d.Empty() {
			t.Fatalf("a profile differs from itself: %+v", d)
		}
		if m, err := Merge(p, p); err == nil {
			if d := Diff("p", p, "merged", m); !d.Empty() {
				t.Fatalf("merged with itself it means something else: %+v", d)
			}
		}
		if _, err := Lint(p); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Syscalls {
			for _, n := range r.Names {
				Evaluate(p, "SCMP_ARCH_X86_64", n).Describe(p)
			}
		}
		if unit, _, err := SystemdUnit("x", p); err == nil {
			for _, l := range unitLines(string(unit))[1:] {
				if !strings.HasPrefix(l, "SystemCall") {
					t.Fatalf("a line of the unit that is no SystemCall setting: %q", l)
				}
			}
		}
		Convert(p, profilegen.SPO, "x")
	})
}
