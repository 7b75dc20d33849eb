package kubetest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ToolsDir is the tools' sources in the repository: the module of the kube
// binary, and kine's version.
const ToolsDir = "test/kube/tools"

// toolsSources are the files whose bytes key the cache: the same list, in
// the same order, as the Makefile's KUBE_TOOLS_SRC.
var toolsSources = []string{"go.mod", "go.sum", "main.go", "kine.version", "build.sh"}

// ErrNoTools is returned when the binaries are not in the cache.
var ErrNoTools = errors.New("kube tools not built: run make kube-tools (make test does)")

// Tools are the paths of the binaries a cluster runs.
type Tools struct {
	Dir  string // the cache directory holding them
	Kube string // apiserver, controller-manager, scheduler, kubelet and kubectl in one
	Kine string
}

// FindTools returns the binaries built from the tools' sources under root
// (the recorder's module root), or ErrNoTools naming where they were
// looked for.
func FindTools(root string) (*Tools, error) {
	dir, err := CacheDir(root)
	if err != nil {
		return nil, err
	}
	tools := &Tools{Dir: dir, Kube: filepath.Join(dir, "kube"), Kine: filepath.Join(dir, "kine")}
	for _, p := range []string{tools.Kube, tools.Kine} {
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			return nil, fmt.Errorf("%w: %s missing", ErrNoTools, p)
		}
	}
	return tools, nil
}

// CacheDir is where make kube-tools puts the binaries of the tools'
// sources under root: $XDG_CACHE_HOME (or ~/.cache)/recorder-kube/
// <kubernetes version>-<first 12 hex digits of the sources' sha256>.
func CacheDir(root string) (string, error) {
	src := filepath.Join(root, ToolsDir)
	h := sha256.New()
	for _, name := range toolsSources {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", fmt.Errorf("tools' sources: %w", err)
		}
		h.Write(data)
	}
	version, err := kubeVersion(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "recorder-kube", version+"-"+hex.EncodeToString(h.Sum(nil))[:12]), nil
}

// kubeVersion reads the version of k8s.io/kubernetes the tools' go.mod
// requires.
func kubeVersion(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == "k8s.io/kubernetes" {
			return fields[1], nil
		}
	}
	return "", fmt.Errorf("%s: no k8s.io/kubernetes requirement", gomod)
}

// NeedTools fails the test unless the binaries are built; it never skips.
func NeedTools(t testing.TB) *Tools {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tools, err := FindTools(root)
	if err != nil {
		t.Fatal(err)
	}
	return tools
}

// moduleRoot walks up from the working directory (a test's package) to
// the recorder's go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(data), "module github.com/recorder-dev/recorder\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no recorder go.mod above the working directory")
		}
		dir = parent
	}
}
