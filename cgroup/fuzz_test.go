package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: no input makes Parse panic, and whatever it returns as a
// container has an ID of 64 lowercase hex digits that the input holds.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/cgroup/*.cgroup")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("0::/../kubepods/pod" + uid + "/crio-" + ctr + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ok, err := Parse(data)
		if err != nil || !ok {
			if c != (Container{}) {
				t.Fatalf("no container, but %+v", c)
			}
			return
		}
		if !isID(c.ID) || !strings.Contains(string(data), c.ID) {
			t.Fatalf("ID %q", c.ID)
		}
		if c.PodUID != "" && !isUID(c.PodUID) {
			t.Fatalf("pod UID %q", c.PodUID)
		}
	})
}
