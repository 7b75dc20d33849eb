//go:build linux

package runctest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/recorder-dev/recorder/internal/runctest"
)

// The doc's example, compiled with the tests so that it stays the API's (it
// is not run: it needs root, runc and a test's t).
func Example() {
	var t *testing.T // a test's
	id, addr := runctest.NewID(), "127.0.0.1:8080"
	b := runctest.NewBundle(t, map[string]string{"/echo": runctest.Static(t, "./testdata/workloads/echo", nil)}, "/echo", "-listen", addr)
	b.Spec.Linux.CgroupsPath = runctest.PodCgroup(runctest.NewUID(), id)
	r := runctest.New(t)
	log, _ := os.Create(filepath.Join(t.TempDir(), "echo.log"))
	pid := r.Run(t, b, id, log)
	_ = pid
}
