// Command mkimage writes a docker-archive tar of one layer holding the
// files given as IMAGE_PATH=HOST_FILE, for "ctr -n k8s.io images import"
// or "docker load" ("make image" runs it on the static recorder):
//
//	go run ./internal/imagetar/mkimage -o recorder.tar -ref ghcr.io/recorder-dev/recorder:dev \
//	    -arch amd64 -entrypoint /recorder /recorder=bin/recorder-linux-amd64
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/recorder-dev/recorder/internal/imagetar"
)

// errUsage: the command line is wrong.
var errUsage = errors.New("usage")

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the archive to `FILE`")
	img := imagetar.Image{OS: "linux"}
	fs.StringVar(&img.Ref, "ref", "", "the image's `NAME:TAG`")
	fs.StringVar(&img.Arch, "arch", "amd64", "the image's architecture (a GOARCH value)")
	entry := fs.String("entrypoint", "", "the `COMMAND` a container of the image runs (space-separated)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *out == "" || fs.NArg() == 0 {
		return fmt.Errorf("%w: want -o FILE and at least one IMAGE_PATH=HOST_FILE", errUsage)
	}
	img.Entrypoint = strings.Fields(*entry)
	for _, a := range fs.Args() {
		dst, src, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("%w: %q: want IMAGE_PATH=HOST_FILE", errUsage, a)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		img.Files = append(img.Files, imagetar.File{Path: dst, Mode: 0o755, Data: data})
	}
	var buf bytes.Buffer
	if err := imagetar.Write(&buf, img); err != nil {
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: %s (%s/%s), %d bytes\n", filepath.Clean(*out), img.Ref, img.OS, img.Arch, buf.Len())
	return nil
}
