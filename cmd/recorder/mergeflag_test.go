package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/profilegen"
)

// condProfile allows personality only with arg0 == 0, as Docker's default
// does.
const condProfile = `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
	{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]}`

// TestMergeFlagKeepsConditions is issue 17's item 8: --merge turned a
// personality rule with arg0 == 0 into an unconditional allow, where
// recorder merge keeps it. Both are one code now: replay --merge FILE
// writes what recorder merge writes of replay's profile and FILE, with -o
// and with -d.
func TestMergeFlagKeepsConditions(t *testing.T) {
	dir := t.TempDir()
	cond := filepath.Join(dir, "cond.json")
	if err := os.WriteFile(cond, []byte(condProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	log := logsDir + "/syslog-traditional.log"
	plain, merged, viaMerge := filepath.Join(dir, "plain.json"), filepath.Join(dir, "merged.json"), filepath.Join(dir, "via-merge.json")
	for _, args := range [][]string{
		{"replay", "-q", "-o", plain, log},
		{"replay", "-q", "--merge", cond, "-o", merged, log},
		{"merge", "-o", viaMerge, plain, cond},
		{"replay", "-q", "--merge", cond, "-d", filepath.Join(dir, "d"), log},
	} {
		if _, errOut, code := recorder(t, args...); code != 0 {
			t.Fatalf("recorder %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
	p, err := profilegen.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if !conditional(p, "personality") {
		t.Errorf("replay --merge: personality is not allowed on arg0 == 0 only:\n%+v", p.Syscalls)
	}
	a, _ := os.ReadFile(merged)
	b, _ := os.ReadFile(viaMerge)
	if string(a) != string(b) {
		t.Errorf("replay --merge and recorder merge differ:\n%s\n%s", a, b)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "d", "*.json"))
	if len(files) == 0 {
		t.Fatal("replay -d wrote nothing")
	}
	for _, f := range files {
		p, err := profilegen.ReadFile(f)
		if err != nil || !conditional(p, "personality") {
			t.Errorf("%s: personality not conditional (%v)", f, err)
		}
	}
}

// conditional reports whether p allows name on conditions only: no
// unconditional ALLOW names it, and an ALLOW rule with arguments does.
func conditional(p *specs.LinuxSeccomp, name string) bool {
	cond := false
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			if n != name {
				continue
			}
			if r.Action == specs.ActAllow && len(r.Args) == 0 {
				return false
			}
			cond = cond || r.Action == specs.ActAllow && len(r.Args) == 1 && r.Args[0].Index == 0 && r.Args[0].Value == 0 && r.Args[0].Op == specs.OpEqualTo
		}
	}
	return cond
}

// TestMergeFlagRefusesInvalid is issue 17's item 9 for the readers of
// profile files: --merge took a broken rule (SCMP_ACT_ALOW, arg index 9)
// as an allow; it now refuses the file before reading any input, naming
// each problem, as run --profile does.
func TestMergeFlagRefusesInvalid(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	err := os.WriteFile(bad, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
		{"names": ["bpf"], "action": "SCMP_ACT_ALOW"},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 9, "value": 0, "op": "SCMP_CMP_BOGUS"}]}]}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.json")
	for _, args := range [][]string{
		{"replay", "--merge", bad, "-o", out, logsDir + "/syslog-traditional.log"},
		{"replay", "--base", bad, "-o", out, logsDir + "/syslog-traditional.log"},
		{"run", "--profile", bad, "--", "/bin/true"},
	} {
		_, errOut, code := recorder(t, args...)
		if code == 0 || !strings.Contains(errOut, `action "SCMP_ACT_ALOW": no such action`) || !strings.Contains(errOut, "index 9") ||
			!strings.Contains(errOut, `op "SCMP_CMP_BOGUS"`) {
			t.Errorf("recorder %s: exit %d, %s", strings.Join(args, " "), code, errOut)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a profile was written: %v", err)
	}
}
