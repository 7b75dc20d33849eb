package audit

import (
	"strings"
	"testing"
)

// BenchmarkParseFields compares the kernel-order path with the walk by key,
// side by side.
func BenchmarkParseFields(b *testing.B) {
	line := []byte(benchShapes[0].line)
	for _, fast := range []bool{true, false} {
		b.Run(map[bool]string{true: "kernel-order", false: "by-key"}[fast], func(b *testing.B) {
			defer func(old bool) { fastFields = old }(fastFields)
			fastFields = fast
			var r Record
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, err := Parse(line, &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseIdentity: consecutive records of one process (two calls
// from two places, alternately) take the fields before syscall= from the
// Record's identity; records of two processes in turn never can, and pay
// the compare and the copy of the prefix on top of the parse.
func BenchmarkParseIdentity(b *testing.B) {
	const a = `type=1326 audit(1796421580.947:72535375): auid=0 uid=0 gid=0 ses=412 pid=23684 comm="storm" exe="/work/wt/perf/bin/storm" sig=0 arch=c000003e `
	one := [][]byte{
		[]byte(a + `syscall=110 compat=0 ip=0x7ff01a497829 code=0x7ffc0000`),
		[]byte(a + `syscall=39 compat=0 ip=0x7ff01a497a31 code=0x7ffc0000`),
	}
	two := [][]byte{one[0], []byte(strings.Replace(string(one[1]), "pid=23684", "pid=23685", 1))}
	for _, tc := range []struct {
		name  string
		lines [][]byte
	}{{"one-process", one}, {"two-processes", two}} {
		b.Run(tc.name, func(b *testing.B) {
			var r Record
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if k, err := Parse(tc.lines[i&1], &r); k != KindSeccomp || err != nil {
					b.Fatal(k, err)
				}
				i++
			}
		})
	}
}
