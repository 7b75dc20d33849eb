//go:build linux

package runctest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/recorder-dev/recorder/internal/imagetar"
)

// RecorderImage is the name of the recorder's image: the one the DaemonSet
// of deploy/kubernetes runs, and the one "make image" writes.
const RecorderImage = "ghcr.io/recorder-dev/recorder:dev"

// RecorderArchive builds the recorder for linux/arch without cgo, as the
// image's recipe (deploy/kubernetes/Containerfile) does, and writes its
// image, named RecorderImage, as a docker-archive tar (internal/imagetar):
// the binary alone at /recorder, its entrypoint. It returns the archive's
// path, for Containerd.Import or "ctr -n k8s.io images import".
func RecorderArchive(t testing.TB, arch string) string {
	t.Helper()
	bin := Static(t, "./cmd/recorder", []string{"GOOS=linux", "GOARCH=" + arch}, "-trimpath", "-ldflags=-s -w")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	img := imagetar.Image{Ref: RecorderImage, OS: "linux", Arch: arch, Entrypoint: []string{"/recorder"},
		Files: []imagetar.File{{Path: "/recorder", Mode: 0o755, Data: data}}}
	if err := imagetar.Write(&buf, img); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "recorder-"+arch+".tar")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
