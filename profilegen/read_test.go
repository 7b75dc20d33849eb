package profilegen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadFileLimit is reproducer 3's "--base /dev/zero grows past 1.3 GB
// in 10 s": a profile file is read up to a limit. /dev/zero, and a real
// profile padded past the limit, are refused with ErrProfileTooLarge; a FIFO
// that nobody writes does not block.
func TestReadFileLimit(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(tutorialProfiles + "fine-grained.json")
	if err != nil {
		t.Fatal(err)
	}
	padded := filepath.Join(dir, "padded.json")
	if err := os.WriteFile(padded, append(bytes.Repeat([]byte(" "), 2<<20), good...), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		max  int64
		want error
	}{
		{"/dev/zero", 0, ErrProfileTooLarge},
		{padded, 0, ErrProfileTooLarge},
		{padded, 4 << 20, nil},
		{tutorialProfiles + "fine-grained.json", 0, nil},
		{tutorialProfiles + "fine-grained.json", 100, ErrProfileTooLarge},
		{fifo, 0, ErrProfile}, // empty
	} {
		done := make(chan error, 1)
		go func() { _, err := ReadFileLimit(tt.path, tt.max); done <- err }()
		select {
		case err := <-done:
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("ReadFileLimit(%s, %d) = %v; want %v", tt.path, tt.max, err, tt.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadFileLimit(%s) blocked", tt.path)
		}
	}
	if _, err := LookupBaseLimit("/dev/zero", 0); !errors.Is(err, ErrProfileTooLarge) {
		t.Errorf("LookupBaseLimit(/dev/zero) = %v", err)
	}
}

// FuzzUnmarshal feeds the profile reader (run --profile, --base FILE,
// --merge, watch's resume: untrusted JSON or YAML) with mutations of real
// profiles and of YAML with anchors and aliases: it must not panic, what it
// accepts must marshal and read back the same, and no input allocates more
// than 4096 times its size (aliases would: they are refused).
func FuzzUnmarshal(f *testing.F) {
	for _, glob := range []string{tutorialProfiles + "*.json", "../testdata/logs/*.json"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range []string{
		"---\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: x\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: [read]\n",
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"ptrace","action":"SCMP_ACT_ALLOW"}]}`,
		"a: &a [*a, *a, *a, *a]\n",
		"defaultAction: SCMP_ACT_ERRNO\nx: &n [read]\nsyscalls:\n- {action: SCMP_ACT_ALLOW, names: *n}\n",
		"base: &b {action: SCMP_ACT_ALLOW}\ndefaultAction: SCMP_ACT_ERRNO\nsyscalls:\n- <<: *b\n  names: [read]\n",
		string(aliasBomb(3, 8, 4, 2)),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p, err := Unmarshal(data)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4096*uint64(len(data))+1<<20 {
			t.Fatalf("%d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			if !errors.Is(err, ErrProfile) {
				t.Fatalf("error %v does not wrap ErrProfile", err)
			}
			return
		}
		out, err := Marshal(p)
		if err != nil {
			if strings.Contains(err.Error(), "json: unsupported") {
				return
			}
			t.Fatalf("Marshal of what Unmarshal accepted: %v", err)
		}
		back, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("our own output does not read back: %v\n%s", err, out)
		}
		again, _ := Marshal(back)
		if !bytes.Equal(out, again) {
			t.Fatalf("round trip differs:\n%s\n%s", out, again)
		}
	})
}
