//go:build linux

package main

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/buildinfo"
	"github.com/recorder-dev/recorder/internal/runctest"
)

// TestContainersImage builds the recorder's image as "make image" does
// (the binary without cgo, alone in a docker-archive tar, named as the
// DaemonSet names it), imports it into a real containerd (Debian's, with
// private directories) in the namespace the kubelet's images live in, and
// runs it with ctr: the container prints the recorder's version.
func TestContainersImage(t *testing.T) {
	audittest.NeedRoot(t)
	c := runctest.StartContainerd(t)
	archive := runctest.RecorderArchive(t, runtime.GOARCH)
	sock := strings.TrimPrefix(c.Endpoint, "unix://")
	ctr := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("ctr", append([]string{"--address", sock, "-n", "k8s.io"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ctr %s: %v\n%s\ncontainerd's log:\n%s", strings.Join(args, " "), err, out, c.Log())
		}
		return string(out)
	}
	ctr("images", "import", "--snapshotter", "native", archive)
	if ls := ctr("images", "ls", "-q"); !strings.Contains(ls, runctest.RecorderImage) {
		t.Fatalf("images after the import:\n%s\nwant %s", ls, runctest.RecorderImage)
	}
	id := "recorder-image-" + runctest.NewID()[:12]
	out := ctr("run", "--rm", "--snapshotter", "native", runctest.RecorderImage, id, "/recorder", "version")
	t.Logf("ctr run %s /recorder version: %s", runctest.RecorderImage, strings.TrimSpace(out))
	// The version itself is the build's (a build in a git tree names its
	// revision; a test binary none); the syscall table is the same.
	_, table, _ := strings.Cut(buildinfo.String(), " (")
	if got := strings.TrimSpace(out); !strings.HasPrefix(got, "recorder ") || !strings.HasSuffix(got, " ("+table) || strings.Count(got, "\n") != 0 {
		t.Errorf("the image's recorder printed %q, want \"recorder VERSION (%s\"", out, table)
	}
}
