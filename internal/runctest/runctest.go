//go:build linux

package runctest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Need fails the test unless it runs as root with runc installed.
func Need(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("needs root: runs runc containers")
	}
	path, err := exec.LookPath("runc")
	if err != nil {
		t.Fatalf("runc is needed (Debian package runc; make test installs it): %v", err)
	}
	return path
}

// NewID returns a random container ID: 64 hex digits.
func NewID() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewUID returns a random pod UID.
func NewUID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// PodCgroup is the kubelet's cgroupfs path of container id in a BestEffort
// pod: /kubepods/besteffort/pod<UID>/<ID>.
func PodCgroup(uid, id string) string { return "/kubepods/besteffort/pod" + uid + "/" + id }

// ModuleRoot is the directory of the recorder's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

// Static builds the Go package pkg (relative to the module root) as a
// static binary in the test's temporary directory, and returns its path
// (go's build cache makes a second build a link). env adds to the build's
// environment (CGO_ENABLED=0 unless it says otherwise); extra are more
// flags of go build.
func Static(t testing.TB, pkg string, env []string, extra ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	args := append([]string{"build", "-o", out}, extra...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = ModuleRoot(t)
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out
}

// Bundle is an OCI bundle: a directory with config.json and rootfs.
type Bundle struct {
	Dir  string
	Spec *specs.Spec
}

// NewBundle makes a bundle in a temporary directory whose rootfs holds
// files (path in the rootfs → file on the host, copied), running args. Its
// spec is runc's default with no network namespace (the host's loopback),
// a read-only root, and no terminal.
func NewBundle(t testing.TB, files map[string]string, args ...string) *Bundle {
	t.Helper()
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for dst, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(rootfs, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"proc", "dev", "sys", "tmp"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	cmd := exec.Command("runc", "spec")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	s.Process.Args = args
	s.Process.Terminal = false
	s.Root.Readonly = true
	s.Linux.Namespaces = Without(s.Linux.Namespaces, specs.NetworkNamespace)
	return &Bundle{Dir: dir, Spec: &s}
}

// Without returns the namespaces but those of the types given.
func Without(ns []specs.LinuxNamespace, types ...specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, n := range ns {
		keep := true
		for _, t := range types {
			keep = keep && n.Type != t
		}
		if keep {
			out = append(out, n)
		}
	}
	return out
}

// Runc runs containers with a state directory of its own.
type Runc struct {
	root string
}

// New returns a Runc whose containers are deleted, with their cgroups,
// when the test ends.
func New(t testing.TB) *Runc {
	t.Helper()
	Need(t)
	return &Runc{root: t.TempDir()}
}

func (r *Runc) cmd(args ...string) *exec.Cmd {
	return exec.Command("runc", append([]string{"--root", r.root}, args...)...)
}

// Command returns the command line that runs the bundle's container as
// id in the foreground ("runc --root R run --bundle DIR ID"), for a test
// that runs it under another program (recorder record). The container is
// deleted, and its cgroup removed, when the test ends.
func (r *Runc) Command(t testing.TB, b *Bundle, id string) []string {
	t.Helper()
	b.writeConfig(t)
	t.Cleanup(func() { r.remove(t, id, b.Spec.Linux.CgroupsPath) })
	path, _ := exec.LookPath("runc")
	return []string{path, "--root", r.root, "run", "--bundle", b.Dir, id}
}

// Run starts the bundle's container, detached, as id, with its standard
// output and error going to log, and returns its pid. The container is
// deleted, and its cgroup removed, when the test ends.
func (r *Runc) Run(t testing.TB, b *Bundle, id string, log *os.File) int {
	t.Helper()
	b.writeConfig(t)
	pidFile := filepath.Join(b.Dir, "pid-"+id)
	cmd := r.cmd("run", "-d", "--pid-file", pidFile, id)
	cmd.Dir = b.Dir
	var errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, log, &errOut
	if log != nil {
		cmd.Stderr = log
	}
	t.Cleanup(func() { r.remove(t, id, b.Spec.Linux.CgroupsPath) })
	if err := cmd.Run(); err != nil {
		t.Fatalf("runc run %s: %v: %s%s", id, err, errOut.String(), readLog(log))
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func readLog(f *os.File) string {
	if f == nil {
		return ""
	}
	data, _ := os.ReadFile(f.Name())
	return string(data)
}

// Kill sends sig to the container's init.
func (r *Runc) Kill(t testing.TB, id, sig string) {
	t.Helper()
	if out, err := r.cmd("kill", id, sig).CombinedOutput(); err != nil {
		t.Errorf("runc kill %s %s: %v: %s", id, sig, err, out)
	}
}

// Status returns the container's status: created, running, stopped, or
// "" when runc does not know it.
func (r *Runc) Status(id string) string {
	out, err := r.cmd("state", id).Output()
	if err != nil {
		return ""
	}
	var st struct{ Status string }
	json.Unmarshal(out, &st)
	return st.Status
}

// WaitStopped waits until the container stopped, at most timeout.
func (r *Runc) WaitStopped(t testing.TB, id string, timeout time.Duration) {
	t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if s := r.Status(id); s == "stopped" || s == "" {
			return
		}
	}
	t.Errorf("container %s did not stop within %v", id, timeout)
}

// remove deletes the container and the cgroup directories of its path, up
// to the top, in every hierarchy (runc leaves the parents behind). A
// directory another container still uses is not empty and stays.
func (r *Runc) remove(t testing.TB, id, cgroupsPath string) {
	if out, err := r.cmd("delete", "-f", id).CombinedOutput(); err != nil && r.Status(id) != "" {
		t.Errorf("runc delete %s: %v: %s", id, err, out)
	}
	RemoveCgroup(cgroupsPath)
}

// RemoveCgroup removes the empty directories of a cgroup path and its
// parents in every mounted hierarchy.
func RemoveCgroup(path string) {
	if path == "" || !strings.HasPrefix(path, "/") {
		return
	}
	hier, _ := filepath.Glob("/sys/fs/cgroup/*")
	hier = append(hier, "/sys/fs/cgroup")
	for _, h := range hier {
		for p := path; p != "/" && p != "."; p = filepath.Dir(p) {
			os.Remove(filepath.Join(h, p)) // rmdir: only when empty
		}
	}
}

// Describe is for failure messages: the container's status.
func (r *Runc) Describe(id string) string { return fmt.Sprintf("%s: %s", id, r.Status(id)) }

// writeConfig writes the bundle's config.json from its Spec.
func (b *Bundle) writeConfig(t testing.TB) {
	t.Helper()
	data, err := json.MarshalIndent(b.Spec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.Dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
