package imagetar

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// File is one regular file of the image's only layer.
type File struct {
	Path string      // absolute path in the image, such as /recorder
	Mode fs.FileMode // permission bits
	Data []byte
}

// Image is what Write puts in the archive.
type Image struct {
	Ref        string   // the name the archive tags it with, such as ghcr.io/recorder-dev/recorder:dev
	OS, Arch   string   // GOOS and GOARCH values: linux, amd64 or arm64
	Entrypoint []string // the command a container of it runs
	Env        []string // KEY=value
	Files      []File
}

// ErrImage: the image cannot be written as given.
var ErrImage = errors.New("bad image")

// Write writes img as a docker-archive tar to w.
func Write(w io.Writer, img Image) error {
	if err := check(img); err != nil {
		return err
	}
	layer, err := layerTar(img.Files)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(layer)
	config, err := json.Marshal(imageConfig{
		Architecture: img.Arch,
		OS:           img.OS,
		Created:      time.Unix(0, 0).UTC(),
		Config:       runConfig{Entrypoint: img.Entrypoint, Env: img.Env},
		RootFS:       rootFS{Type: "layers", DiffIDs: []string{"sha256:" + hex.EncodeToString(sum[:])}},
	})
	if err != nil {
		return err
	}
	manifest, err := json.Marshal([]manifestEntry{{Config: "config.json", RepoTags: []string{img.Ref}, Layers: []string{"layer.tar"}}})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	for _, f := range []File{{"layer.tar", 0o644, layer}, {"config.json", 0o644, config}, {"manifest.json", 0o644, manifest}} {
		if err := writeFile(tw, f.Path, f.Mode, f.Data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// check tells what in img cannot be written: no reference, no platform,
// no entrypoint, a file path that is not absolute and clean, or twice.
func check(img Image) error {
	switch {
	case img.Ref == "" || strings.ContainsAny(img.Ref, " \t\n"):
		return fmt.Errorf("%w: reference %q", ErrImage, img.Ref)
	case img.OS == "" || img.Arch == "":
		return fmt.Errorf("%w: platform %q/%q", ErrImage, img.OS, img.Arch)
	case len(img.Entrypoint) == 0:
		return fmt.Errorf("%w: no entrypoint", ErrImage)
	}
	seen := map[string]bool{}
	for _, f := range img.Files {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path || f.Path == "/" {
			return fmt.Errorf("%w: file path %q: want an absolute, clean path", ErrImage, f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("%w: file %s twice", ErrImage, f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

// layerTar returns the layer: the files, sorted by path, each with the
// directories above it.
func layerTar(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, f := range slices.SortedFunc(slices.Values(files), func(a, b File) int { return strings.Compare(a.Path, b.Path) }) {
		rel := strings.TrimPrefix(f.Path, "/")
		var parents []string // the directories not written yet, deepest first
		for d := path.Dir(rel); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			parents = append(parents, d)
		}
		for _, d := range slices.Backward(parents) {
			if err := writeDir(tw, d); err != nil {
				return nil, err
			}
		}
		if err := writeFile(tw, rel, f.Mode, f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeFile(tw *tar.Writer, name string, mode fs.FileMode, data []byte) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode.Perm()), Size: int64(len(data)), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func writeDir(tw *tar.Writer, name string) error {
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, ModTime: time.Unix(0, 0), Format: tar.FormatPAX})
}

// manifestEntry is one image of manifest.json.
type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// imageConfig is the image's config.json (the OCI image config).
type imageConfig struct {
	Architecture string    `json:"architecture"`
	OS           string    `json:"os"`
	Created      time.Time `json:"created"`
	Config       runConfig `json:"config"`
	RootFS       rootFS    `json:"rootfs"`
}

type runConfig struct {
	Entrypoint []string `json:"Entrypoint"`
	Env        []string `json:"Env,omitempty"`
}

type rootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}
