package containers

import (
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/pipeline"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestExplainThroughNamer: --explain with --group-by container. The Namer
// renames the groups (an ID becomes namespace_pod_container) and merges
// those given one name (a restarted container); each row of the
// explanation still carries the records of the groups its profile was
// made of, summed, never "merged" with 0 records. Hand-made records: two
// containers of one pod are what the fixtures cannot give replay.
func TestExplainThroughNamer(t *testing.T) {
	static := map[string]Names{
		ctrID:   {Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "test-container"},
		otherID: {Namespace: "default", Pod: "audit-pod", PodUID: podUID, Container: "test-container"}, // restarted
	}
	enrich := pipeline.EnrichFunc(func(r *pipeline.Record) {
		switch r.PID {
		case 1:
			SetAttrs(r, &Info{Container: containerOf(ctrID)})
		case 2:
			SetAttrs(r, &Info{Container: containerOf(otherID)})
		}
	})
	ex := pipeline.NewExplain()
	p := pipeline.New(pipeline.Config{Enrichers: []pipeline.Enricher{enrich}, GroupBy: GroupContainer, Finish: &Namer{Static: static}, Explain: ex})
	add := func(pid int32, nr int64, n uint64, sec int64, comm string) {
		p.Add(&audit.Record{PID: pid, Arch: 0xc000003e, Syscall: nr, Action: audit.ActionLog, Sec: sec, Serial: uint64(sec),
			Exe: []byte("/bin/" + comm), Comm: []byte(comm)}, n)
	}
	add(1, 0, 2, 1795933970, "first")  // read, by the first container
	add(2, 0, 3, 1795933900, "second") // read, by the restarted one: earlier stamp
	add(2, 1, 1, 1795933990, "second") // write, by the restarted one only
	add(3, 1, 7, 1795933999, "host")   // write, on the host
	opt := profilegen.Options{}
	built, _, err := p.Build(opt)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ex.WriteTo(&out, built, opt)
	rows := map[string][]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Split(l, "\t"); len(f) > 11 && !strings.HasPrefix(l, "#") {
			rows[f[0]+" "+f[1]] = f
		}
	}
	for _, tt := range []struct {
		row, why, records, serial, exes string
	}{
		{"default_audit-pod_test-container read", "recorded LOG", "5", "1795933900", "/bin/first /bin/second"},
		{"default_audit-pod_test-container write", "recorded LOG", "1", "1795933990", "/bin/second"},
		{"host write", "recorded LOG", "7", "1795933999", "/bin/host"},
	} {
		f := rows[tt.row]
		if f == nil || f[3] != tt.why || f[4] != tt.records || f[7] != tt.serial || f[10] != tt.exes {
			t.Errorf("%s: %q; want %s, %s records, serial %s, exes %s\n%s", tt.row, f, tt.why, tt.records, tt.serial, tt.exes, out.String())
		}
	}
	if f := rows["host read"]; f != nil {
		t.Errorf("the host's profile explains another group's read: %q", f)
	}
}
