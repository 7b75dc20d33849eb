package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/golden"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

const logsDir = "../../testdata/logs"

// replay runs 'recorder replay ARGS' and returns its stdout, stderr and error.
func replay(t *testing.T, stdin io.Reader, args ...string) (string, string, error) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"replay"}, args...), stdin, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestReplayGolden replays every captured log in testdata/logs and compares
// the profile and the summary with their golden files.
func TestReplayGolden(t *testing.T) {
	logs, err := filepath.Glob(filepath.Join(logsDir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no fixtures in %s: %v", logsDir, err)
	}
	for _, log := range logs {
		name := strings.TrimSuffix(filepath.Base(log), ".log")
		t.Run(name, func(t *testing.T) {
			out, summary, err := replay(t, nil, log)
			want := 0
			if name == "suppressed" { // the kernel dropped 200,026 records: written, exit 4
				want = exitLost
			}
			if code := exitStatus(err); code != want {
				t.Fatalf("replay %s: exit %d (%v), want %d\n%s", log, code, err, want, summary)
			}
			golden.Check(t, filepath.Join(logsDir, name+".json"), out)
			golden.Check(t, filepath.Join(logsDir, name+".summary"), summary)
		})
	}
}

func TestReplayExitCodes(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(logsDir, "tutorial.log")
	tests := []struct {
		name string
		args []string
		code int
		msg  string // in the error
	}{
		{"ok", []string{"-o", filepath.Join(dir, "p.json"), log}, 0, ""},
		{"missing input", []string{filepath.Join(dir, "nope.log")}, 1, "no such file"},
		{"directory input", []string{dir}, 1, "is a directory"},
		{"unwritable output", []string{"-o", filepath.Join(dir, "no/such/dir/p.json"), log}, 1, "write profile"},
		{"unknown flag", []string{"--frobnicate", log}, 2, "unknown flag"},
		{"bad group-by", []string{"--group-by", "color", log}, 2, "--group-by"},
		{"bad regexp", []string{"--comm", "(", log}, 2, "--comm"},
		{"bad base", []string{"--base", "nonsense-runtime", log}, 1, "--base"},
		{"bad format", []string{"--format", "xml", log}, 2, "--format"},
		{"output and dir", []string{"-o", "x", "-d", dir, log}, 2, "exclude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := replay(t, nil, tt.args...)
			var stderr bytes.Buffer
			if code := exitCode(err, &stderr); code != tt.code {
				t.Fatalf("exit code %d, want %d (err %v)", code, tt.code, err)
			}
			if tt.msg != "" && !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("error %q does not say %q", stderr.String(), tt.msg)
			}
			if lines := strings.Count(stderr.String(), "\n"); tt.code != 0 && lines != 1 {
				t.Errorf("error is %d lines, want one: %q", lines, stderr.String())
			}
		})
	}
}

func TestReplayHelpListsEveryFlag(t *testing.T) {
	out, _, err := replay(t, nil, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--output", "--output-dir", "--group-by", "--exe", "--comm", "--pid", "--base", "--allow-denied", "--format", "Examples:",
		"--partial", "--max-groups", "--max-unknown-lines", "--max-profile-size", "exe-name"} {
		if !strings.Contains(out, flag) {
			t.Errorf("--help does not show %s:\n%s", flag, out)
		}
	}
}

// TestReplayInputs reads the same log as a file, from stdin and gzipped: the
// profiles must be the same bytes.
func TestReplayInputs(t *testing.T) {
	log := filepath.Join(logsDir, "tutorial.log")
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := replay(t, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	gzPath := filepath.Join(t.TempDir(), "syslog.1.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]func() (string, string, error){
		"stdin":      func() (string, string, error) { return replay(t, bytes.NewReader(data)) },
		"dash":       func() (string, string, error) { return replay(t, bytes.NewReader(data), "-") },
		"gzip":       func() (string, string, error) { return replay(t, nil, gzPath) },
		"gzip stdin": func() (string, string, error) { return replay(t, bytes.NewReader(gz.Bytes())) },
	} {
		out, _, err := got()
		if err != nil || out != want {
			t.Errorf("%s: err %v, profile differs from the file's:\n%s", name, err, out)
		}
	}
	if !strings.Contains(want, `"SCMP_ACT_ERRNO"`) || !strings.Contains(want, `"pselect6"`) {
		t.Errorf("tutorial profile lacks ERRNO default or pselect6:\n%s", want)
	}
}

// TestReplayBadInput: garbage, truncated records and a 100 MB line are
// counted and skipped; the profile of the good records is still written.
func TestReplayBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(logsDir, "tutorial.log"))
	if err != nil {
		t.Fatal(err)
	}
	first := string(good[:bytes.IndexByte(good, '\n')+1])
	truncated := first[:strings.Index(first, "syscall=")+len("syscall=")] + "\n"
	bad := io.MultiReader(
		strings.NewReader("\x00\x01\xff\xfe garbage \x1b[2J\n"),
		strings.NewReader(truncated),
		io.LimitReader(repeatReader('A'), 100<<20), // one line of 100 MB
		strings.NewReader("\n"),
		bytes.NewReader(good),
	)
	out, summary, err := replay(t, bad)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	want, _, _ := replay(t, bytes.NewReader(good))
	if out != want {
		t.Errorf("profile of the good lines differs:\n%s\nwant\n%s", out, want)
	}
	for _, s := range []string{"malformed: 1 seccomp record line could", "standard input:2", "too long: 1 line skipped", "standard input:3"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q:\n%s", s, summary)
		}
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestReplayOutputDirHostileNames: groups named by a hostile comm or exe
// stay inside the output directory.
func TestReplayOutputDirHostileNames(t *testing.T) {
	log := filepath.Join(logsDir, "hostile-comm.log")
	dir := filepath.Join(t.TempDir(), "profiles")
	_, summary, err := replay(t, nil, "-d", dir, "--group-by", "comm", log)
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, summary)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 3 {
		t.Fatalf("want a profile per hostile comm, got %d files", len(entries))
	}
	parent, _ := os.ReadDir(filepath.Dir(dir))
	if len(parent) != 1 {
		t.Errorf("files written outside the output dir: %v", parent)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("unexpected entry %q (%v)", e.Name(), e.Type())
		}
	}
}

// TestReplayCanceled: a canceled replay writes nothing.
func TestReplayCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "p.json")
	big := io.LimitReader(repeatReader('\n'), 1<<20)
	err := run(ctx, []string{"replay", "-o", path}, big, io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("profile written after cancel: %v", err)
	}
}

// TestReplayBlocksInOrder: cut into many small blocks parsed in parallel,
// every fixture at once gives the same profile and summary (counts, first
// bad lines, first pid of each violation) as one block read in one pass.
func TestReplayBlocksInOrder(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(logsDir, "*.log"))
	var all bytes.Buffer
	for range 5 {
		for _, log := range logs {
			data, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(data)
		}
	}
	replayWith := func(size int) (string, string) {
		defer func(old int) { pipeline.BlockSize = old }(pipeline.BlockSize)
		pipeline.BlockSize = size
		out, summary, err := replay(t, bytes.NewReader(all.Bytes()), "--group-by", "comm", "--allow-lost")
		if err != nil {
			t.Fatalf("block size %d: %v", size, err)
		}
		return out, summary
	}
	wantOut, wantSummary := replayWith(all.Len() + 1)
	if !strings.Contains(wantSummary, "malformed: ") || !strings.Contains(wantSummary, "denied: ") {
		t.Fatalf("the mix lacks malformed lines or violations:\n%s", wantSummary)
	}
	for _, size := range []int{4 << 10, 64 << 10} {
		if out, summary := replayWith(size); out != wantOut || summary != wantSummary {
			t.Errorf("block size %d:\n%s\nwant\n%s", size, summary, wantSummary)
		}
	}
}

func TestProgressText(t *testing.T) {
	input := func(size, read int64) *pipeline.Input {
		in, err := pipeline.NewInput("x", io.LimitReader(repeatReader('x'), read), size)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, in); err != nil {
			t.Fatal(err)
		}
		return in
	}
	a, b := input(100<<20, 100<<20), input(300<<20, 50<<20)
	if got, want := progressText([]*pipeline.Input{a, b}), "150.0 MiB of 400.0 MiB (37%)"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
	stdin := input(0, 3<<20)
	if got, want := progressText([]*pipeline.Input{a, stdin}), "103.0 MiB read"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
}

// TestReplayTruncatedGzip: an input that breaks off (a .gz cut short) ends
// with exit status 1 and a message naming it, and no profile is written
// (issue 11: a profile of part of an input may miss calls); --partial
// writes the profile of what was read before the break, and the summary
// says it is partial.
func TestReplayTruncatedGzip(t *testing.T) {
	_, gz := gzipped(t, "syslog-rfc3339.log", 200) // large enough that the cut falls after whole blocks of lines
	dir := t.TempDir()
	path := filepath.Join(dir, "syslog.2.gz")
	if err := os.WriteFile(path, gz[:len(gz)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	prof, why := filepath.Join(dir, "p.json"), filepath.Join(dir, "why.tsv")
	_, summary, err := replay(t, nil, "-o", prof, "--explain", why, path)
	var stderr bytes.Buffer
	if code := exitCode(err, &stderr); code != 1 || !strings.Contains(stderr.String(), "unexpected EOF") {
		t.Fatalf("exit %d, message %q; want 1 and the read error", code, stderr.String())
	}
	if _, err := os.Stat(prof); !os.IsNotExist(err) || !strings.Contains(summary, "no profile written") {
		t.Errorf("a profile was written from a broken input (%v):\n%s", err, summary)
	}
	if _, err := os.Stat(why); !os.IsNotExist(err) {
		t.Errorf("--explain was written from a broken input, with no profile (%v)", err)
	}
	_, summary, err = replay(t, nil, "--partial", "-o", prof, "--explain", why, path)
	if code := exitCode(err, io.Discard); code != 1 {
		t.Errorf("--partial: exit %d, want 1", code)
	}
	got, err := os.ReadFile(prof)
	if err != nil || !bytes.Contains(got, []byte(`"getdents64"`)) || !strings.Contains(summary, "partial: ") {
		t.Errorf("--partial: profile of the lines read: %v\n%s\n%s", err, got, summary)
	}
	if got, err := os.ReadFile(why); err != nil || !bytes.Contains(got, []byte("\tgetdents64\t")) {
		t.Errorf("--partial: --explain of the lines read: %v\n%s", err, got)
	}
}

// TestReplayNamesNewerSyscalls: the calls this kernel has and Debian 12's
// libseccomp lacks (x86_64 457-467, captured), and loongarch64's (which
// that libseccomp does not know at all; hand-made lines), are named from
// the recorder's own table, whatever the host's libseccomp.
func TestReplayNamesNewerSyscalls(t *testing.T) {
	out, summary, err := replay(t, nil, "-g", "none", filepath.Join(logsDir, "newer-syscalls.log"), filepath.Join(logsDir, "handmade-archs.log"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := profilegen.Unmarshal([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	names := p.Syscalls[0].Names
	for _, want := range []string{"statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
		"mseal", "setxattrat", "getxattrat", "listxattrat", "removexattrat", "open_tree_attr", "write"} {
		if !slices.Contains(names, want) {
			t.Errorf("profile lacks %s: %q", want, names)
		}
	}
	if !slices.Contains(p.Architectures, "SCMP_ARCH_LOONGARCH64") {
		t.Errorf("architectures %q lack loongarch64", p.Architectures)
	}
	if strings.Contains(summary, "SCMP_ARCH_X86_64 number 4") || strings.Contains(summary, "LOONGARCH64 number") {
		t.Errorf("summary reports named calls as unknown:\n%s", summary)
	}
}

// gzipped returns the capture logsDir/name, and n copies of it gzipped.
func gzipped(t *testing.T, name string, n int) (data, gz []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(logsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for range n {
		zw.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return data, b.Bytes()
}
