package imagetar

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// untar maps each entry's name of a tar to its content ("" for a
// directory), in the order read, failing on a name seen twice.
func untar(t *testing.T, data []byte) (map[string][]byte, []string) {
	t.Helper()
	files := map[string][]byte{}
	var names []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, names
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := files[hdr.Name]; dup {
			t.Fatalf("%s twice", hdr.Name)
		}
		b, _ := io.ReadAll(tr)
		files[hdr.Name] = b
		names = append(names, hdr.Name)
	}
}

// TestWrite writes an image of two files and reads it back as a
// docker-archive reader does: manifest.json names the config and the
// layer, the config's diff_id is the layer's digest, and the layer holds
// the files under their directories.
func TestWrite(t *testing.T) {
	img := Image{Ref: "ghcr.io/recorder-dev/recorder:dev", OS: "linux", Arch: "arm64", Entrypoint: []string{"/recorder"},
		Files: []File{{Path: "/usr/bin/b", Mode: 0o755, Data: []byte("b")}, {Path: "/recorder", Mode: 0o755, Data: []byte("binary")}}}
	var buf bytes.Buffer
	if err := Write(&buf, img); err != nil {
		t.Fatal(err)
	}
	top, _ := untar(t, buf.Bytes())
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(top["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest) != 1 || manifest[0].Config != "config.json" || len(manifest[0].Layers) != 1 ||
		len(manifest[0].RepoTags) != 1 || manifest[0].RepoTags[0] != img.Ref {
		t.Fatalf("manifest.json %+v", manifest)
	}
	var config imageConfig
	if err := json.Unmarshal(top[manifest[0].Config], &config); err != nil {
		t.Fatal(err)
	}
	layer := top[manifest[0].Layers[0]]
	sum := sha256.Sum256(layer)
	if config.Architecture != "arm64" || config.OS != "linux" || len(config.RootFS.DiffIDs) != 1 ||
		config.RootFS.DiffIDs[0] != "sha256:"+hex.EncodeToString(sum[:]) || config.Config.Entrypoint[0] != "/recorder" {
		t.Errorf("config.json %+v, layer digest %x", config, sum)
	}
	files, names := untar(t, layer)
	want := []string{"recorder", "usr/", "usr/bin/", "usr/bin/b"}
	if len(names) != len(want) {
		t.Fatalf("layer holds %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("layer entry %d: %q, want %q", i, names[i], want[i])
		}
	}
	if string(files["recorder"]) != "binary" {
		t.Errorf("/recorder holds %q", files["recorder"])
	}
	var again bytes.Buffer
	if err := Write(&again, img); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("a second write gave other bytes (err %v)", err)
	}
}

// TestWriteRefuses: what an importer would take wrongly or not at all is
// refused, with ErrImage, before anything is written.
func TestWriteRefuses(t *testing.T) {
	ok := Image{Ref: "r:t", OS: "linux", Arch: "amd64", Entrypoint: []string{"/a"}, Files: []File{{Path: "/a", Mode: 0o755}}}
	for name, change := range map[string]func(*Image){
		"no ref":        func(i *Image) { i.Ref = "" },
		"ref w/ space":  func(i *Image) { i.Ref = "r t" },
		"no arch":       func(i *Image) { i.Arch = "" },
		"no entrypoint": func(i *Image) { i.Entrypoint = nil },
		"relative":      func(i *Image) { i.Files[0].Path = "a" },
		"dot-dot":       func(i *Image) { i.Files[0].Path = "/x/../../a" },
		"root":          func(i *Image) { i.Files[0].Path = "/" },
		"twice":         func(i *Image) { i.Files = append(i.Files, i.Files[0]) },
	} {
		img := ok
		img.Files = append([]File(nil), ok.Files...)
		change(&img)
		var buf bytes.Buffer
		if err := Write(&buf, img); !errors.Is(err, ErrImage) || buf.Len() != 0 {
			t.Errorf("%s: err %v, %d bytes written; want ErrImage and none", name, err, buf.Len())
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, ok); err != nil {
		t.Errorf("the valid image: %v", err)
	}
}
