package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recorder-dev/recorder/internal/imagetar"
)

// TestRun writes an archive from a file, and refuses bad command lines
// with errUsage, writing nothing.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.WriteFile(bin, []byte("binary"), 0o755)
	out := filepath.Join(dir, "image.tar")
	if err := run([]string{"-o", out, "-ref", "r:t", "-arch", "arm64", "-entrypoint", "/recorder", "/recorder=" + bin}, io.Discard); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	for tr := tar.NewReader(f); ; {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	if want := []string{"layer.tar", "config.json", "manifest.json"}; !slices.Equal(names, want) {
		t.Errorf("archive holds %q, want %q", names, want)
	}
	for name, args := range map[string][]string{
		"no -o":         {"-ref", "r:t", "/recorder=" + bin},
		"no file":       {"-o", out + "2", "-ref", "r:t"},
		"no =":          {"-o", out + "2", "-ref", "r:t", bin},
		"unknown flag":  {"-o", out + "2", "-x"},
		"no entrypoint": {"-o", out + "2", "-ref", "r:t", "/recorder=" + bin},
	} {
		want := errUsage
		if name == "no entrypoint" {
			want = imagetar.ErrImage
		}
		if err := run(args, io.Discard); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
		if _, err := os.Stat(out + "2"); err == nil {
			t.Errorf("%s: wrote the archive", name)
		}
	}
}
