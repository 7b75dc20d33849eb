package pipeline

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// TestUsers: the uids of each group's records, bounded to MaxUsers per
// group, the same when a replay is split into blocks and merged, and a
// summary line when a group mixes users.
func TestUsers(t *testing.T) {
	p := New(Config{GroupBy: GroupExe})
	add := func(exe string, uid uint32, n uint64) {
		p.Add(&audit.Record{Exe: []byte(exe), Arch: 0xc000003e, Syscall: 39, Action: audit.ActionLog, UID: uid}, n)
	}
	add("/usr/bin/true", 0, 5)
	add("/usr/bin/true", 1001, 3)
	add("/usr/bin/ls", 0, 2)
	for uid := range uint32(20) {
		add("/usr/bin/many", 100+uid, 1)
	}
	if got := p.Users.Of("/usr/bin/true"); got.String() != "uid 0 (5 records), uid 1001 (3 records)" || !got.Mixed() {
		t.Errorf("true: %v", got)
	}
	if got := p.Users.Of("/usr/bin/ls"); got.Mixed() || len(got.Users) != 1 {
		t.Errorf("ls: %v", got)
	}
	if got := p.Users.Of("/usr/bin/many"); len(got.Users) != MaxUsers || got.Other != 20-MaxUsers {
		t.Errorf("many: %v", got)
	}
	built, _, err := p.Build(profilegen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	Summary{Counts: &p.Counts, Built: built, Users: &p.Users}.WriteTo(&out)
	want := "warning: /usr/bin/true mixes users: uid 0 (5 records), uid 1001 (3 records): a process of any of them widens its profile (--uid, --auid choose)\n"
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "/usr/bin/ls mixes") {
		t.Errorf("summary:\n%s\nwant the line\n%s", out.String(), want)
	}

	// A replay in blocks merges the tallies as one pass has them.
	var lines strings.Builder
	for i := range 3000 {
		uid := 0
		if i%3 == 0 {
			uid = 1001
		}
		lines.WriteString(strings.Replace(strings.Replace(lsLine, "uid=0", "uid="+itoa(uid), 1), "402199", itoa(402199+i), 1) + "\n")
	}
	one := New(Config{GroupBy: GroupExe})
	for l := range strings.Lines(lines.String()) {
		one.Line([]byte(strings.TrimSuffix(l, "\n")), Pos{})
	}
	defer func(n int) { BlockSize = n }(BlockSize)
	BlockSize = 4096 // some 40 blocks
	par := New(Config{GroupBy: GroupExe})
	if _, err := par.ReadFrom(context.Background(), "x", strings.NewReader(lines.String())); err != nil {
		t.Fatal(err)
	}
	a, b := one.Users.Of("/usr/bin/ls"), par.Users.Of("/usr/bin/ls")
	if a.String() != b.String() || a.String() != "uid 0 (2,000 records), uid 1001 (1,000 records)" {
		t.Errorf("one pass %v, in blocks %v", a, b)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
