package profilegen

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// aliasBomb is a SeccompProfile in YAML whose anchor, a list of n names
// of size bytes each, is referenced refs times; plain short names keep the
// share of nodes that come from aliases under the 99 % that the YAML
// library allows a document of less than 400,000 nodes: small as text,
// refs*n*size bytes once the aliases are expanded.
func aliasBomb(n, size, refs, plain int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: bomb\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names: &a [")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "n%0*d", size-1, i)
	}
	b.WriteString("]\n  - action: SCMP_ACT_ALLOW\n    names: [")
	for i := range plain {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("x")
	}
	b.WriteString("]\n")
	for range refs {
		b.WriteString("  - {action: SCMP_ACT_ALLOW, names: *a}\n")
	}
	return []byte(b.String())
}

// TestAliasBomb is issue 17's item 6: YAML aliases in a 1 MiB profile took
// 11.3 GB in lint. A smaller bomb (200 names of 1,000 bytes referenced
// 1,900 times, 286 KB of text, 380 MB of names expanded) is refused, and
// reading it allocates little (3 MB): before aliases were refused it was
// read, in 16 s, with 1,914 MB allocated (1.6 GB resident).
func TestAliasBomb(t *testing.T) {
	bomb := aliasBomb(200, 1000, 1900, 5000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Unmarshal(bomb)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of YAML: %v; %d MB allocated", len(bomb), err, alloc>>20)
	if !errors.Is(err, ErrProfile) {
		t.Errorf("Unmarshal of an alias bomb = %v; want an error wrapping ErrProfile", err)
	}
	if alloc > 64<<20 {
		t.Errorf("Unmarshal of %d bytes allocated %d MB; want at most 64", len(bomb), alloc>>20)
	}
}

// TestYAMLAtTheLimit: a YAML profile of DefaultMaxProfileSize bytes with
// no alias (one flow list of short names, the most nodes such a file
// holds) is read, with allocations bounded by a small multiple of its size.
func TestYAMLAtTheLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("defaultAction: SCMP_ACT_ERRNO\nsyscalls:\n- action: SCMP_ACT_ALLOW\n  names: [read")
	for b.Len() < DefaultMaxProfileSize-len(",read]\n") {
		b.WriteString(",read")
	}
	b.WriteString("]\n")
	data := []byte(b.String())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := Unmarshal(data)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of YAML: %d MB allocated", len(data), alloc>>20)
	if err != nil || len(p.Syscalls) != 1 || len(p.Syscalls[0].Names) < 200000 {
		t.Fatalf("Unmarshal = %v", err)
	}
	if alloc > 512<<20 {
		t.Errorf("Unmarshal of %d bytes allocated %d MB; want at most 512", len(data), alloc>>20)
	}
}

// TestAliasesRefused: an anchor or an alias anywhere, a merge key among
// them, is refused with ErrAlias; the same profile without them is read.
func TestAliasesRefused(t *testing.T) {
	for _, in := range []string{
		"defaultAction: &d SCMP_ACT_ERRNO\nsyscalls: []\n",
		"defaultAction: SCMP_ACT_ERRNO\nx: &n [read]\nsyscalls:\n- {action: SCMP_ACT_ALLOW, names: *n}\n",
		"base: &b {action: SCMP_ACT_ALLOW}\ndefaultAction: SCMP_ACT_ERRNO\nsyscalls:\n- <<: *b\n  names: [read]\n",
	} {
		if _, err := Unmarshal([]byte(in)); !errors.Is(err, ErrAlias) || !errors.Is(err, ErrProfile) {
			t.Errorf("Unmarshal(%q) = %v; want ErrAlias", in, err)
		}
	}
	if _, err := Unmarshal([]byte("defaultAction: SCMP_ACT_ERRNO\nsyscalls:\n- {action: SCMP_ACT_ALLOW, names: [read]}\n")); err != nil {
		t.Errorf("a plain YAML profile: %v", err)
	}
}
