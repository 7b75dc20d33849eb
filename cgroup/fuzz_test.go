package cgroup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: no input makes Parse panic, whatever it returns as a
// container has an ID of 64 lowercase hex digits that the input holds, and
// whatever a process names under a container's own cgroup (not a node's
// kubelet layout) is that container's.
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
	// Hostile: a user's delegated subtree named after a victim's ID, and a
	// fake kubepods path inside a user's slice.
	f.Add([]byte("0::/user.slice/user-1000.slice/user@1000.service/app.slice/" + ctr + "\n"))
	f.Add([]byte("0::/user.slice/user-1000.slice/user@1000.service/kubepods/besteffort/pod" + uid + "/" + ctr + "\n"))
	f.Add([]byte("0::/system.slice/foo.service/" + ctr + "\n"))
	// Hostile: a container's own subtree named after another container.
	f.Add([]byte("0::/docker/" + node + "/docker/" + ctr + "\n"))
	f.Add([]byte("0::/kubepods/besteffort/pod" + uid + "/" + node + "/kubepods/besteffort/pod" + uid + "/" + ctr + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Whatever a user names in the subtree systemd delegates to it is no
		// container: the same lines moved there hold none.
		if _, ok, err := Parse(inUserSubtree(data)); ok || err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("a container in a user's subtree: %q", inUserSubtree(data))
		}
		moved := under(data, "/docker/"+node+"/docker")
		if c, ok, err := Parse(moved); err == nil && (ok != !bytes.Equal(moved, data) || ok && (c.ID != node || c.Outer != 0)) {
			t.Fatalf("under container %s: %+v, %v", node, c, ok)
		}
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

// inUserSubtree moves the path of every line of data into the subtree of
// user 1000's systemd instance.
func inUserSubtree(data []byte) []byte {
	return under(data, "/user.slice/user-1000.slice/user@1000.service")
}

// under moves the path of every line of data under dir.
func under(data []byte, dir string) []byte {
	var out []byte
	for line := range bytes.Lines(data) {
		// The path is what follows the second colon: a controller's name
		// can hold ":/" too.
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			if j := bytes.IndexByte(line[i+1:], ':'); j >= 0 && bytes.HasPrefix(line[i+1+j+1:], []byte("/")) {
				k := i + 1 + j + 1
				line = slices.Concat(line[:k], []byte(dir), line[k:])
			}
		}
		out = append(out, line...)
	}
	return out
}
