package source

import "testing"

// TestCommText: the audit daemon's comm, which any process reusing a dead
// daemon's pid chooses, reaches a terminal only as plain text (it was
// printed as it was, escape sequences and all).
func TestCommText(t *testing.T) {
	for comm, want := range map[string]string{
		"auditd":           "auditd",
		"go-audit":         "go-audit",
		"":                 `""`,
		"\x1b]0;PWNED\x07": `"\x1b]0;PWNED\a"`,
		"a b":              `"a b"`,
		"tab\tnl\n":        `"tab\tnl\n"`,
		"\u00e9":           `"\u00e9"`,
	} {
		if got := commText(comm); got != want {
			t.Errorf("commText(%q) = %s, want %s", comm, got, want)
		}
	}
}
