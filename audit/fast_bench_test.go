package audit

import "testing"

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
