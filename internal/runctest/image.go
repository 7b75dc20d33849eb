package runctest

import (
	"bytes"
	"maps"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/recorder-dev/recorder/internal/imagetar"
)

// OCIImage writes an image archive (docker-archive, internal/imagetar) of
// one layer holding files (path in the image → file on the host), with
// entrypoint, named name (such as "docker.io/recorder/echo:test") as
// containerd's import reads it, and returns its path. No registry is
// needed: "ctr images import" takes it.
func OCIImage(t testing.TB, name string, files map[string]string, entrypoint ...string) string {
	t.Helper()
	img := imagetar.Image{Ref: name, OS: "linux", Arch: runtime.GOARCH, Entrypoint: entrypoint, Env: []string{"PATH=/"}}
	for _, dst := range slices.Sorted(maps.Keys(files)) {
		data, err := os.ReadFile(files[dst])
		if err != nil {
			t.Fatal(err)
		}
		img.Files = append(img.Files, imagetar.File{Path: dst, Mode: 0o755, Data: data})
	}
	var buf bytes.Buffer
	if err := imagetar.Write(&buf, img); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/image.tar"
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
