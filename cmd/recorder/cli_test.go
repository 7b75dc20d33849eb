package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/internal/golden"
	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/pipeline"
)

// cliDir holds the CLI's goldens: each command's help, and JSON reports.
const cliDir = "testdata/cli"

// TestHelpGolden: the help of recorder and of every command, as
// 'recorder help CMD' and 'recorder CMD --help' print it, is its golden
// (go test -update rewrites them), and fits in helpWidth columns.
func TestHelpGolden(t *testing.T) {
	root := newRoot(stdio{})
	root.InitDefaultHelpCmd() // as Execute does
	root.InitDefaultCompletionCmd()
	names := []string{"recorder"}
	for _, c := range root.Commands() {
		names = append(names, c.Name())
	}
	for _, want := range []string{"replay", "watch", "record", "run", "merge", "diff", "convert", "lint", "check", "profile", "version", "completion", "help"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("no command %s in %q", want, names)
		}
	}
	for _, name := range names {
		if name == "help" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"help", name}
			if name == "recorder" {
				args = []string{"--help"}
			}
			out, errOut, code := recorder(t, args...)
			if code != 0 || errOut != "" {
				t.Fatalf("recorder %q: exit %d, %s", args, code, errOut)
			}
			golden.Check(t, filepath.Join(cliDir, "help-"+name+".golden"), out)
			for i, l := range strings.Split(out, "\n") {
				if len(l) > helpTexts.Width {
					t.Errorf("line %d is %d columns: %q", i+1, len(l), l)
				}
			}
			if name != "recorder" {
				if again, _, _ := recorder(t, name, "--help"); again != out {
					t.Errorf("recorder %s --help differs from recorder help %s", name, name)
				}
			}
		})
	}
}

// TestJSONGolden: a representative JSON form of each summary and report
// is its golden, and every one has the schema version and its command.
func TestJSONGolden(t *testing.T) {
	logs, spo := logsDir, filepath.Join(toolkitDir, "conditional.yaml")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"replay-dir-spo", []string{"replay", "--json", "-d", dir, "--format", "spo", logs + "/syslog-traditional.log"}, 0},
		{"replay-nothing-matched", []string{"replay", "--json", "--comm", "^nomatch$", "-o", filepath.Join(dir, "p.json"), logs + "/syslog-traditional.log"}, exitEmpty},
		{"replay-lost", []string{"replay", "--json", "-o", filepath.Join(dir, "p.json"), logs + "/suppressed.log"}, exitLost},
		{"lint", []string{"lint", "--json", logs + "/tutorial.json", tutorial + "/violation.json"}, 1},
		{"check", []string{"check", "--json", "--profile", logs + "/tutorial.json", "--comm", "^cat$", logs + "/syslog-traditional.log"}, 1},
		{"diff", []string{"diff", "--json", tutorial + "/fine-grained.json", spo}, 1},
		{"diff-missing", []string{"diff", "--json", spo, filepath.Join(dir, "nope.json")}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := recorder(t, tt.args...)
			if code != tt.code {
				t.Fatalf("recorder %q: exit %d, want %d\n%s%s", tt.args, code, tt.code, out, errOut)
			}
			doc := out
			if tt.args[0] == "replay" { // the summary's stream
				doc = errOut[:strings.LastIndex(errOut, "}\n")+2]
			}
			var head struct {
				SchemaVersion int
				Command       string
				ExitCode      int
			}
			if err := json.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("not one JSON document: %v\n%s", err, doc)
			}
			if head.SchemaVersion != pipeline.SchemaVersion || head.Command != tt.args[0] || head.ExitCode != tt.code {
				t.Errorf("schemaVersion %d, command %q, exitCode %d; want %d, %q, %d", head.SchemaVersion, head.Command, head.ExitCode,
					pipeline.SchemaVersion, tt.args[0], tt.code)
			}
			golden.Check(t, filepath.Join(cliDir, tt.name+".json"), strings.ReplaceAll(doc, dir, "$DIR"))
		})
	}
}

// TestJSONFile: --json=FILE writes the JSON there and leaves the text
// summary as it is.
func TestJSONFile(t *testing.T) {
	dir := t.TempDir()
	sum := filepath.Join(dir, "summary.json")
	_, text, err := replay(t, nil, "--json="+sum, "-o", filepath.Join(dir, "p.json"), logsDir+"/tutorial.log")
	if err != nil || !strings.HasPrefix(text, "read ") {
		t.Fatalf("replay: %v\n%s", err, text)
	}
	data, err := os.ReadFile(sum)
	var j pipeline.SummaryJSON
	if err == nil {
		err = json.Unmarshal(data, &j)
	}
	if err != nil || j.Status != "complete" || !j.Written || j.Kept == 0 {
		t.Errorf("summary file: %v, %+v", err, j)
	}
}

// TestJSONFileChecked: a --json=FILE that cannot be written fails before
// the reading, and no profile is written: the profile was written, then
// the command exited 1, "error, nothing written".
func TestJSONFileChecked(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.json")
	_, text, err := replay(t, nil, "-o", p, "--json="+filepath.Join(dir, "missing", "s.json"), logsDir+"/tutorial.log")
	if err == nil || !strings.Contains(worded(err), "--json") {
		t.Errorf("replay: %v, want an error naming --json\n%s", err, text)
	}
	if _, err := os.Stat(p); err == nil {
		t.Errorf("the profile was written though --json's file cannot be\n%s", text)
	}
}

// TestWatchJSONFileChecked: watch opens --json=FILE before it reads, as
// its other outputs: one that cannot be written fails at start, before any
// profile is written (it failed at the end, after the whole watch).
func TestWatchJSONFileChecked(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	_, errOut, code := recorder(t, "watch", "--source", "syslog:"+logsDir+"/tutorial.log", "--from-start", "--duration", "2s",
		"-d", out, "--json="+filepath.Join(dir, "missing", "s.json"))
	if code != 1 || !strings.Contains(errOut, "--json") {
		t.Errorf("watch: exit %d, want 1 and an error naming --json\n%s", code, errOut)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*.json")); len(files) > 0 {
		t.Errorf("watch read and wrote %q though --json's file cannot be written", files)
	}
}

// TestJSONFileClash: --json=FILE naming the profile's -o file or the
// --explain file is a usage error before anything is read: it replaced the
// profile just written with the summary, and exited 0.
func TestJSONFileClash(t *testing.T) {
	dir := t.TempDir()
	p, e := filepath.Join(dir, "p.json"), filepath.Join(dir, "explain.txt")
	for _, args := range [][]string{
		{"-o", p, "--json=" + p},
		{"-o", p, "--json=" + filepath.Join(dir, ".", "p.json")},
		{"-o", p, "--explain", e, "--json=" + e},
		{"-d", filepath.Join(dir, "out"), "-g", "comm", "--json=" + filepath.Join(dir, "out", "summary.json")},
	} {
		os.Remove(p)
		_, text, err := replay(t, nil, append(args, logsDir+"/tutorial.log")...)
		var ue usage.Error
		if !errors.As(err, &ue) {
			t.Errorf("replay %q: %v, want a usage error\n%s", args, err, text)
		}
		if _, err := os.Stat(p); err == nil {
			t.Errorf("replay %q: wrote %s", args, p)
		}
	}
}

// TestNothingMatched: each reading that keeps no record exits 3 and
// writes no profile unless --allow-empty, and its summary says why.
func TestNothingMatched(t *testing.T) {
	syslog := logsDir + "/syslog-traditional.log"
	for _, tt := range []struct {
		name    string
		args    []string
		stdin   string
		code    int
		written bool
		lines   []string // in the summary
	}{
		{"filtered out", []string{"--comm", "^nomatch$", syslog}, "", exitEmpty, false, []string{
			"nothing matched: the filter dropped all 197 seccomp records; they were:\n",
			"  comm      cat (118), sh (68), logrun (11)\n",
			"  exe       /usr/bin/cat (118), /usr/bin/dash (68), /tmp/recorder-capture.fmFw69/bin/logrun (11)\n",
			"no profile written: it would allow only the base set, and kill the workload (--allow-empty writes it)\n",
			"recorder: nothing matched: no seccomp record kept: no profile written (--allow-empty writes it)\n"}},
		{"filtered out, allowed", []string{"--allow-empty", "--exe", "^/nomatch$", syslog}, "", 0, true, []string{
			"nothing matched: the filter dropped all 197 seccomp records; they were:\n",
			"warning: the profile holds only the base set\n"}},
		{"no record", []string{"-"}, "Nov 29 06:32:53 host systemd[1]: Started foo.\n", exitEmpty, false, []string{
			"nothing found: no seccomp record was read\n",
			"no profile written: it would allow only the base set, and kill the workload (--allow-empty writes it)\n"}},
		{"lost", []string{logsDir + "/suppressed.log"}, "", exitLost, true, []string{
			"lost: the kernel dropped 200,026 records before they reached the log",
			"recorder: the kernel dropped records: the profile is written, but may miss calls (--allow-lost: exit 0)\n"}},
		{"lost, allowed", []string{"--allow-lost", logsDir + "/suppressed.log"}, "", 0, true, []string{
			"lost: the kernel dropped 200,026 records before they reached the log"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prof := filepath.Join(t.TempDir(), "p.json")
			_, summary, err := replay(t, strings.NewReader(tt.stdin), append([]string{"-o", prof}, tt.args...)...)
			var errOut bytes.Buffer
			code := exitCode(err, &errOut)
			summary += errOut.String()
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, summary)
			}
			if _, err := os.Stat(prof); (err == nil) != tt.written {
				t.Errorf("profile written: %v, want %v", err == nil, tt.written)
			}
			for _, l := range tt.lines {
				if !strings.Contains(summary, l) {
					t.Errorf("the summary lacks %q:\n%s", l, summary)
				}
			}
			if strings.Contains(summary, "no seccomp records were found") && tt.code != exitEmpty {
				t.Errorf("the summary says no records were found:\n%s", summary)
			}
		})
	}
}

// TestVersion: --version and 'recorder version' print the module version
// and the syscall table's Linux version.
func TestVersion(t *testing.T) {
	a, _, code := recorder(t, "--version")
	b, _, code2 := recorder(t, "version")
	if code != 0 || code2 != 0 || a != b || !strings.HasPrefix(a, "recorder (devel) (syscall table: Linux v") {
		t.Errorf("--version %q (exit %d), version %q (exit %d)", a, code, b, code2)
	}
}

// TestCompletion: a completion script for each shell.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_recorder", "zsh": "#compdef recorder", "fish": "complete -c recorder"} {
		out, errOut, code := recorder(t, "completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, %s; lacks %q", shell, code, errOut, want)
		}
	}
}

// TestCompletionSyntax: each shell reads its completion script without a
// syntax error (bash -n, zsh -n, fish --no-execute), and bash's registers
// the completion of recorder. make test-deps installs zsh and fish: a
// shell missing fails here.
func TestCompletionSyntax(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ shell, check, run string }{
		{"bash", "-n", `source "$1" && complete -p recorder`},
		{"zsh", "-n", ""},
		{"fish", "--no-execute", ""},
	} {
		path, err := exec.LookPath(tt.shell)
		if err != nil {
			t.Errorf("%s: %v (make test-deps installs it)", tt.shell, err)
			continue
		}
		out, errOut, code := recorder(t, "completion", tt.shell)
		script := filepath.Join(dir, tt.shell)
		if code != 0 || os.WriteFile(script, []byte(out), 0o644) != nil {
			t.Fatalf("completion %s: exit %d, %s", tt.shell, code, errOut)
		}
		if msg, err := exec.Command(path, tt.check, script).CombinedOutput(); err != nil || len(msg) > 0 {
			t.Errorf("%s %s: %v\n%s", tt.shell, tt.check, err, msg)
		}
		if tt.run == "" {
			continue
		}
		if msg, err := exec.Command(path, "-c", tt.run, tt.shell, script).CombinedOutput(); err != nil || !strings.Contains(string(msg), "recorder") {
			t.Errorf("%s: %v\n%s", tt.run, err, msg)
		}
	}
}

// TestCompleteValues: the shell completes the values of --group-by and
// --format (convert's too).
func TestCompleteValues(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "replay", "--group-by", ""}, "exe\nexe-name\ncomm\npid\nnone\ncontainer\npod\n:4\n"},
		{[]string{"__complete", "convert", "--format", ""}, "oci\nspo\nsystemd\n:4\n"},
		{[]string{"__complete", "watch", "--format", ""}, "oci\nspo\n:4\n"},
	} {
		out, _, code := recorder(t, tt.args...)
		if code != 0 || !strings.HasPrefix(out, tt.want) {
			t.Errorf("recorder %q: exit %d, %q; want %q", tt.args, code, out, tt.want)
		}
	}
}

// TestFlagsWhereMeant: record offers no --pod, --namespace nor --pid-map;
// replay and watch do.
func TestFlagsWhereMeant(t *testing.T) {
	for _, flag := range []string{"--pod", "--namespace", "--pid-map"} {
		if _, errOut, code := recorder(t, "record", flag, "x", "--", "true"); code != 2 || !strings.Contains(errOut, "unknown flag: "+flag) {
			t.Errorf("record %s: exit %d, %q; want a usage error", flag, code, errOut)
		}
		for _, cmd := range []string{"replay", "watch"} {
			if out, _, _ := recorder(t, cmd, "--help"); !strings.Contains(out, flag+" ") {
				t.Errorf("%s --help lacks %s", cmd, flag)
			}
		}
	}
}

// TestUsageErrors: an unknown command, and no command, are usage errors
// (exit 2) of one line.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {}, {"replya"}, {"help", "nosuch"}, {"completion", "bogus"}, {"completion", "bash", "extra"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if code := exitCode(err, &errOut); code != 2 || !strings.HasPrefix(errOut.String(), "recorder: ") && len(args) > 0 {
			t.Errorf("recorder %q: exit %d, %q", args, code, errOut.String())
		}
		if len(args) > 0 && (strings.Count(errOut.String(), "\n") != 1 || !strings.Contains(errOut.String(), "unknown command")) {
			t.Errorf("recorder %q: %q, want one line saying unknown command", args, errOut.String())
		}
	}
}

// TestLibraryUsageWorded: a value a library cannot take is a usage error
// (exit 2) that the command words with its flag; the libraries' own texts
// name none (they say what is wrong with the value).
func TestLibraryUsageWorded(t *testing.T) {
	log := logsDir + "/tutorial.log"
	prof := filepath.Join(t.TempDir(), "p.json")
	for _, tt := range []struct {
		args []string
		want string // the whole message
	}{
		{[]string{"replay", "--exe", "(", log}, "recorder: --exe: error parsing regexp: missing closing ): `(`\n"},
		{[]string{"replay", "--comm", "[a", log}, "recorder: --comm: error parsing regexp: missing closing ]: `[a`\n"},
		{[]string{"replay", "--uid", "root", log}, "recorder: --uid: \"root\" is not a user id (a number)\n"},
		{[]string{"replay", "--auid", "x", log}, "recorder: --auid: \"x\" is not a user id (a number)\n"},
		{[]string{"replay", "--format", "spo", "--label", "a b", log}, "recorder: --label: label \"a b\": want KEY=VALUE\n"},
		{[]string{"replay", "--format", "spo", "--spo-version", "v9", log}, "recorder: --spo-version: SeccompProfile API version \"v9\": want v1 or v1beta1\n"},
		{[]string{"replay", "--container", "xyz", log}, "recorder: --container \"xyz\": want a container ID or its first hex digits\n"},
		{[]string{"replay", "--pod", "p", log}, "recorder: --pod and --namespace select the profiles of containers or pods: use --group-by container or pod\n"},
		{[]string{"replay", "-g", "container", log}, "recorder: replay cannot know a line's container: the processes that made the records are gone and a log line holds only a pid; " +
			"capture with 'recorder watch --tee LOG --pid-map MAP' and replay LOG with --pid-map MAP, or record live with 'recorder watch --group-by container'\n"},
		{[]string{"watch", "-d", t.TempDir(), "--source", "bogus"}, "recorder: --source \"bogus\": want netlink, kmsg, syslog[:PATH], auditlog[:PATH] or auto\n"},
		{[]string{"watch", "-d", t.TempDir(), "--source", "syslog:"}, "recorder: --source syslog: empty path\n"},
		{[]string{"watch", "-d", t.TempDir(), "--source", "kmsg:/x"}, "recorder: --source kmsg takes no path\n"},
		{[]string{"check", "--exe", "(", log}, "recorder: --exe: error parsing regexp: missing closing ): `(`\n"},
		{[]string{"check", log}, "recorder: --profile is required\n"},
		{[]string{"profile", "--runtime-default", "--from", prof}, "recorder: --from goes with --recording\n"},
		{[]string{"profile", "--runtime-default", "--log-denials"}, "recorder: --log-denials goes with --recording\n"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
		if code := exitCode(err, &errOut); code != 2 || errOut.String() != tt.want {
			t.Errorf("recorder %q: exit %d, %q; want 2, %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}

// TestOutputErrorsWorded: package output and profiletool name no flag; the
// command words their typed errors (output.FileError, output.ClashError,
// profiletool.ErrNoName) with its flags, as they read before.
func TestOutputErrorsWorded(t *testing.T) {
	log := logsDir + "/tutorial.log"
	dir := t.TempDir()
	p, e, d := filepath.Join(dir, "p.json"), filepath.Join(dir, "e.txt"), filepath.Join(dir, "out")
	missing := filepath.Join(dir, "missing", "x")
	a := filepath.Join(dir, "a.json")
	if err := os.WriteFile(a, []byte(`{"defaultAction":"SCMP_ACT_ERRNO"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string // stderr's prefix
	}{
		{[]string{"replay", "-o", p, "--explain", p, log}, "recorder: --explain " + p + ": the profile goes there (--output " + p + "): outputs clash\n"},
		{[]string{"replay", "-o", p, "--json=" + p, log}, "recorder: --json=" + p + ": the profile goes there (--output " + p + "): outputs clash\n"},
		{[]string{"replay", "-o", p, "--explain", e, "--json=" + e, log}, "recorder: --json=" + e + ": the explanation goes there (--explain " + e + "): outputs clash\n"},
		{[]string{"replay", "-d", d, "-g", "comm", "--json=" + filepath.Join(d, "s.json"), log},
			"recorder: --json=" + filepath.Join(d, "s.json") + ": in the output directory " + d + ", where a group's profile may have its name: outputs clash\n"},
		{[]string{"replay", "-o", p, "--explain", missing, log}, "recorder: --explain: "},
		{[]string{"replay", "-o", p, "--json=" + missing, log}, "recorder: --json: "},
		{[]string{"merge", "--format", "spo", a, a}, "recorder: the SeccompProfile has no name: its inputs have none in common (give --name)\n"},
		{[]string{"run", "--profile", missing, "--", "true"}, "recorder: --profile: "},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
		exitCode(err, &errOut)
		if !strings.HasPrefix(errOut.String(), tt.want) {
			t.Errorf("recorder %q: %q, want %q", tt.args, errOut.String(), tt.want)
		}
	}
}

// TestOutputClashes: an --explain or --json=FILE where a group's profile
// or the profile's provenance companion goes is a usage error before
// anything is read. Before, -d out --explain out/http-echo.json replaced
// the group http-echo's profile with the explanation, and exited 0; an
// --explain or --json=FILE on FILE.provenance replaced the companion.
func TestOutputClashes(t *testing.T) {
	dir := t.TempDir()
	log := logsDir + "/tutorial.log"
	out, p := filepath.Join(dir, "out"), filepath.Join(dir, "p.json")
	for _, args := range [][]string{
		{"replay", "-g", "comm", "-d", out, "--explain", filepath.Join(out, "http-echo.json"), log},
		{"watch", "--source", "syslog:" + log, "--from-start", "--duration", "1s", "-g", "comm", "-d", out, "--explain", filepath.Join(out, "http-echo.json")},
		{"replay", "-o", p, "--explain", p + ".provenance", log},
		{"replay", "-o", p, "--json=" + p + ".provenance", log},
	} {
		os.RemoveAll(out)
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), "outputs clash") {
			t.Errorf("recorder %q: exit %d, %q; want 2, outputs clash", args, code, stderr.String())
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		if more, _ := filepath.Glob(filepath.Join(dir, "p.json*")); len(files)+len(more) > 0 {
			t.Errorf("recorder %q wrote %q", args, append(files, more...))
		}
	}
}
