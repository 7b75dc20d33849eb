//go:build linux

package watch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"sigs.k8s.io/yaml"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/profiletest"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/source"
)

// renamer names every group "named", as the containers' Namer names a
// container's group once the runtime gave its names.
type renamer struct{}

func (renamer) Name(string) string { return "named" }
func (renamer) Finish(built []profilegen.Built, opt profilegen.Options) ([]profilegen.Built, pipeline.LeftOut, error) {
	var ps []*specs.LinuxSeccomp
	for _, b := range built {
		ps = append(ps, b.Profile)
	}
	u, err := profilegen.Union(opt, ps...)
	return []profilegen.Built{{Group: "named", Profile: u, Report: &profilegen.Report{Group: "named"}}}, pipeline.LeftOut{}, err
}

// TestWatchResumeNamed: a restart resumes a profile written under the name
// a Finisher gave (a container's <namespace>_<pod>_<container>.json), not
// only under a group of the Set: what the file held before stays in it.
func TestWatchResumeNamed(t *testing.T) {
	dir := t.TempDir()
	before := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mknodat"}, Action: specs.ActAllow}}}
	data, _ := profilegen.Marshal(before)
	if err := os.WriteFile(filepath.Join(dir, "named.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, lines, _ := runRenamed(t, dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("files %q, want named.json alone", files)
	}
	got := profiletest.AllowedInDir(t, dir)
	if !slices.Contains(got, "mknodat") {
		t.Errorf("the profile written before was not resumed: %q", got)
	}
	for _, w := range profiletest.Replayed(t, lines) {
		if !slices.Contains(got, w) {
			t.Errorf("named.json lacks %s from the records", w)
		}
	}
}

// runRenamed runs a daemon whose Finisher names every group "named" over
// the syslog fixture's lines into dir, and returns it, the lines and its
// log.
func runRenamed(t *testing.T, dir string) (*daemon, []string, *audittest.Buffer) {
	t.Helper()
	log := &audittest.Buffer{}
	d := testDaemon(t, log, func(c *Config) {
		c.Output.Dir = dir
		c.Pipeline.Finish = renamer{}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lines []string
	for _, l := range profiletest.Lines(t, syslogFixture) {
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
	d.run(ctx, source.Opened{Source: &fakeSource{lines: lines, end: cancel}, Name: "fake"})
	return d, lines, log
}

// TestWatchResumeNamedNotBuildShape: a profile written before under a
// Finisher's name that Union cannot take as it is (argument conditions, a
// LOG rule, defaultErrnoRet, flags: a hand-edited or a runtime's default
// profile) is merged as a profile of a group of the Set is (AddProfile):
// the names its unconditional SCMP_ACT_ALLOW rules hold join the profile.
// It used to fail every flush, so that no profile was ever written again.
// A call it allowed on conditions does not become allowed whatever the
// arguments (issue 17, item 8).
func TestWatchResumeNamedNotBuildShape(t *testing.T) {
	dir := t.TempDir()
	ret := uint(1)
	before := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &ret,
		Architectures: []specs.Arch{specs.ArchX86_64}, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mknodat"}, Action: specs.ActAllow},
			{Names: []string{"personality"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpEqualTo}}},
			{Names: []string{"ptrace"}, Action: specs.ActLog},
		}}
	data, _ := profilegen.Marshal(before)
	if err := os.WriteFile(filepath.Join(dir, "named.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	d, lines, log := runRenamed(t, dir)
	if d.status.flushErr != 0 || d.status.flushOK == 0 {
		t.Fatalf("%d flushes failed, %d good; want none failed:\n%s", d.status.flushErr, d.status.flushOK, log.String())
	}
	p, err := profilegen.ReadFile(filepath.Join(dir, "named.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := profiletest.Allowed(p)
	for _, w := range append(profiletest.Replayed(t, lines), "mknodat") {
		if !slices.Contains(got, w) {
			t.Errorf("named.json lacks %s: %q", w, got)
		}
	}
	if slices.Contains(got, "ptrace") {
		t.Errorf("named.json allows ptrace, which the profile before only logged")
	}
	if slices.Contains(got, "personality") {
		t.Errorf("named.json allows personality, which the profile before allowed only with arg0 == 8")
	}
}

// TestWatchResumeSetsAsideInvalid: a profile of the group's name in the
// output dir that the readers refuse (here an action runc would refuse) is
// not replaced by the first flush: it is kept, byte for byte, as
// named.json.invalid, and the new profile is written. It used to be
// skipped with a warning and then overwritten, and what it held was lost.
func TestWatchResumeSetsAsideInvalid(t *testing.T) {
	dir := t.TempDir()
	bad := []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_ALOW"}]}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, "named.json"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, lines, log := runRenamed(t, dir)
	kept, err := os.ReadFile(filepath.Join(dir, "named.json.invalid"))
	if err != nil || string(kept) != string(bad) {
		t.Errorf("the invalid profile was not kept as named.json.invalid: %v: %q\n%s", err, kept, log.String())
	}
	got := profiletest.AllowedInDir(t, dir)
	if slices.Contains(got, "mknodat") {
		t.Errorf("the invalid profile's rule was taken: %q", got)
	}
	for _, w := range profiletest.Replayed(t, lines) {
		if !slices.Contains(got, w) {
			t.Errorf("named.json lacks %s from the records", w)
		}
	}
	if !strings.Contains(log.String(), "kept_as=named.json.invalid") {
		t.Errorf("no log line names where it was kept:\n%s", log.String())
	}
}

// renameTo names every group its name, as renamer does "named".
type renameTo string

func (r renameTo) Name(string) string { return string(r) }
func (r renameTo) Finish(built []profilegen.Built, opt profilegen.Options) ([]profilegen.Built, pipeline.LeftOut, error) {
	out, left, err := renamer{}.Finish(built, opt)
	for i := range out {
		rep := &profilegen.Report{Group: string(r)}
		for _, b := range built {
			out[i].Sources = append(out[i].Sources, b.Group)
			rep.Names = append(rep.Names, b.Report.Names...)
			rep.Records += b.Report.Records
		}
		slices.Sort(rep.Names)
		out[i].Group, out[i].Report = string(r), rep
	}
	return out, left, err
}

// TestOneNamePerGroup: a group a Finisher names (a container's ID, named
// <namespace>_<pod>_<container> once its runtime answers) has that one
// name in every output: the summary's group, the first column of
// --explain, the metrics' group label, and, through profilegen.Output's
// Names, its file and its SeccompProfile object (metadata.name and its
// group annotation). The metrics' label was the container's ID.
func TestOneNamePerGroup(t *testing.T) {
	const name = "default_web-7d4b_app"
	dir, explain := t.TempDir(), filepath.Join(t.TempDir(), "explain.tsv")
	var sum pipeline.Summary
	var log audittest.Buffer
	d := testDaemon(t, &log, func(c *Config) {
		c.Output.Dir, c.Output.Format, c.Output.Explain = dir, profilegen.SPO, explain
		c.Output.Provenance = &profilegen.Provenance{Version: "test"}
		c.Pipeline.Finish, c.Pipeline.Explain = renameTo(name), pipeline.NewExplain()
		c.Done = func(s pipeline.Summary) { sum = s }
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lines []string
	for _, l := range profiletest.Lines(t, syslogFixture) {
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
	d.run(ctx, source.Opened{Source: &fakeSource{lines: lines, end: cancel}, Name: "fake"})

	if len(sum.Built) != 1 || sum.Built[0].Group != name {
		t.Fatalf("summary's groups %v, want %q alone\n%s", sum.Built, name, log.String())
	}
	d.mu.Lock()
	labels := d.recordsByLabel()
	d.mu.Unlock()
	for k := range labels {
		if k.group != name {
			t.Errorf("metrics label %q, want %q", k.group, name)
		}
	}
	text, err := os.ReadFile(explain)
	rows := 0
	for _, l := range strings.Split(string(text), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if rows++; !strings.HasPrefix(l, name+"\t") {
			t.Errorf("--explain row of another name: %q", l)
		}
	}
	if err != nil || rows == 0 || len(labels) == 0 {
		t.Fatalf("explain rows %d (%v), metrics series %d", rows, err, len(labels))
	}
	file, object := d.cfg.Output.Names(name)
	if want := profilegen.FileName(name) + ".yaml"; file != want || object != profilegen.ObjectName(name) {
		t.Errorf("Names(%q) = %q, %q; want %q, %q", name, file, object, want, profilegen.ObjectName(name))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || filepath.Base(files[0]) != file {
		t.Fatalf("files %q, want %s alone", files, file)
	}
	data, _ := os.ReadFile(files[0])
	var obj struct {
		Metadata struct {
			Name        string
			Annotations map[string]string
		}
	}
	if err := yaml.Unmarshal(data, &obj); err != nil || obj.Metadata.Name != object || obj.Metadata.Annotations[profilegen.GroupAnnotation] != name {
		t.Errorf("object %+v (%v), want name %q and group %q", obj.Metadata, err, object, name)
	}
}
