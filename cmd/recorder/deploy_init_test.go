//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/attacker"
)

// initProfile runs the DaemonSet's init container's command with the
// node's kubelet profiles directory at dir (its mount path in the
// container replaced by dir), and returns its exit status and stderr.
func initProfile(t *testing.T, dir string) (int, string) {
	t.Helper()
	ic := render(t, deployDir).ds.Spec.Template.Spec.InitContainers[0]
	mount := ic.VolumeMounts[0].MountPath
	var args []string
	for _, a := range ic.Args {
		args = append(args, strings.ReplaceAll(a, mount, dir))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
	return exitCode(err, &stderr), stderr.String()
}

// TestDeployRecordingProfile runs the DaemonSet's init container's command
// (recorder profile --recording into the kubelet's Localhost profiles) as
// root against a directory of the test's in place of the node's: it
// installs the recording profile, the same on every start; a link planted
// under its name is replaced, never followed (what it points to is
// untouched); a directory other users can write in is refused, and nothing
// is written.
func TestDeployRecordingProfile(t *testing.T) {
	u := attacker.New(t)
	var want bytes.Buffer
	if err := run(context.Background(), []string{"profile", "--recording"}, strings.NewReader(""), &want, &want); err != nil {
		t.Fatalf("profile --recording: %v\n%s", err, want.String())
	}
	base, target := attackBase(t)
	dir := filepath.Join(base, "profiles") // as the kubelet makes a DirectoryOrCreate hostPath: root's, 0755
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	installed := filepath.Join(dir, "recording.json")
	check := func(when string) {
		t.Helper()
		fi, err := os.Lstat(installed)
		if err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("%s: %s: %v, mode %v: want a regular file", when, installed, err, fi)
		}
		if got, _ := os.ReadFile(installed); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: %s holds %.80q, want profile --recording's output", when, installed, got)
		}
	}
	for _, when := range []string{"first start", "restart"} {
		if code, stderr := initProfile(t, dir); code != 0 {
			t.Fatalf("%s: exit %d: %s", when, code, stderr)
		}
		check(when)
	}

	// A link under the profile's name, another user's, to root's file.
	os.Remove(installed)
	if err := os.Symlink(filepath.Join(target, "audit.json"), installed); err != nil {
		t.Fatal(err)
	}
	u.Own(t, installed)
	if code, stderr := initProfile(t, dir); code != 0 {
		t.Fatalf("link planted: exit %d: %s", code, stderr)
	}
	check("link planted")
	untouched(t, target)

	// A directory other users can write in: refused, its content kept.
	for _, mode := range []os.FileMode{0o777, 0o775} {
		os.Chmod(dir, mode)
		if mode&0o070 != 0 {
			os.Chown(dir, 0, int(u.GID))
		}
		u.Sh(t, dir, "rm -f recording.json; ln -s "+attacker.Quote(filepath.Join(target, "all.json"))+" recording.json")
		code, stderr := initProfile(t, dir)
		if code != 1 || !strings.Contains(stderr, "unsafe output directory") {
			t.Errorf("directory mode %v: exit %d, %q; want 1 and the directory refused", mode, code, stderr)
		}
		if dest, err := os.Readlink(installed); err != nil || dest != filepath.Join(target, "all.json") {
			t.Errorf("directory mode %v: the user's link became %q, %v", mode, dest, err)
		}
		untouched(t, target)
	}
}
