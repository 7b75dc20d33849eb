package kube

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FuzzLabelValue: whatever a pod's creator names it, its label value is
// valid, and a valid one is kept.
func FuzzLabelValue(f *testing.F) {
	for _, s := range []string{"web", "kube-system", "Bad Pod", "évil\x00", "-x-", "a.b_c", "web-7d4b9-x2x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := LabelValue(s)
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Fatalf("LabelValue(%q) = %q: %v", s, v, errs)
		}
		if len(validation.IsValidLabelValue(s)) == 0 && v != s {
			t.Fatalf("LabelValue(%q) = %q: a valid value changed", s, v)
		}
		for _, n := range []string{PartialName(Workload{KindPod, s, s}, s, s), FinalName(Workload{KindPod, s, s}, s)} {
			if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
				t.Fatalf("name %q of %q: %v", n, s, errs)
			}
		}
	})
}

// FuzzParseCoverage: a coverage annotation is read or refused, never
// taken with counts above its total, and what is read writes back the
// same.
func FuzzParseCoverage(f *testing.F) {
	for _, s := range []string{`{"version":"v1","total":2,"syscalls":{"read":2}}`, fin3, `{"version":"v1","total":1}`, `{`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCoverage(s)
		if err != nil {
			return
		}
		for n, k := range c.Syscalls {
			if k < 0 || k > c.Total {
				t.Fatalf("%q: %s seen %d times of %d", s, n, k, c.Total)
			}
		}
		back, err := ParseCoverage(c.Annotation())
		if err != nil || back.Annotation() != c.Annotation() {
			t.Fatalf("%q: read back %v, %v", s, back, err)
		}
	})
}
