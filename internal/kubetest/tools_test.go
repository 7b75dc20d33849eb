package kubetest

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestCacheDir checks that the harness looks for the binaries where make
// kube-tools puts them, and that a cache without them is ErrNoTools.
func TestCacheDir(t *testing.T) {
	root := moduleRootOf(t)
	out, err := exec.Command("make", "-s", "-C", root, "kube-dir").Output()
	if err != nil {
		t.Fatalf("make kube-dir: %v", err)
	}
	got, err := CacheDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(out)); got != want {
		t.Errorf("CacheDir = %s, make kube-dir = %s", got, want)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	if _, err := FindTools(root); !errors.Is(err, ErrNoTools) || !strings.Contains(err.Error(), "make kube-tools") {
		t.Errorf("FindTools in an empty cache: %v, want ErrNoTools naming make kube-tools", err)
	}
}
