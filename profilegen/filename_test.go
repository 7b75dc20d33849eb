package profilegen

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var fileNameTests = []struct{ group, want string }{
	{"nginx", "nginx"},
	{"python3.12", "python3.12"},
	{"g++", "g++"},
	{"all", "all"},
	{"4242", "4242"},
	{"", "_@"},
	{".", "_@"},
	{"..", "_.@"},
	{".hidden", "_hidden@"},
	{"-rf", "_rf@"},
	{"a/b", "a_b@"},
	{"../../etc/passwd", "_._.._etc_passwd@"},
	{"a b", "a_b@"},
	{"a_b", "a_b"},
	{"a_b@0123456789abcdef", "a_b_0123456789abcdef@"},
	{"nginx: worker", "nginx__worker@"},
	{"$(rm -rf ~)", "__rm_-rf___@"},
	{"`id`;x|y&z>w<v*?'\"\\", "_id__x_y_z_w_v_____@"},
	{"tab\there", "tab_here@"},
	{"nl\nx", "nl_x@"},
	{"nul\x00x", "nul_x@"},
	{"\x7f", "_@"},
	{"café", "caf__@"},
	{"\xff\xfe", "__@"},
	{"(unnamed)", "_unnamed_@"},
	{strings.Repeat("x", 78), strings.Repeat("x", 78) + ""},
	{strings.Repeat("x", 79), strings.Repeat("x", 78) + "@"},
	{strings.Repeat("x", 500), strings.Repeat("x", 78) + "@"},
	// Executables' paths (--group-by exe): the base name and the path's hash.
	{"/usr/bin/ls", "ls@"},
	{"/tmp/evil/ls", "ls@"},
	{"/usr/bin/g++", "g++@"},
	{"/", "_@"},
	{"/usr/bin/", "_@"},
	{"/tmp/x/.hidden", "_hidden@"},
	{"/tmp/x/my app", "my_app@"},
	{"/tmp/x/a@b", "a_b@"},
	{"/" + strings.Repeat("y", 300), strings.Repeat("y", 78) + "@"},
}

func TestFileName(t *testing.T) {
	seen := map[string]string{}
	for _, tt := range fileNameTests {
		got := FileName(tt.group)
		if strings.HasSuffix(tt.want, "@") {
			if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+hashLen {
				t.Errorf("FileName(%q) = %q; want %q + hash", tt.group, got, tt.want)
			}
		} else if got != tt.want {
			t.Errorf("FileName(%q) = %q; want %q", tt.group, got, tt.want)
		}
		checkFileName(t, tt.group, got)
		if other, dup := seen[got]; dup {
			t.Errorf("FileName(%q) = FileName(%q) = %q", tt.group, other, got)
		}
		seen[got] = tt.group
	}
}

func checkFileName(t *testing.T, group, name string) {
	t.Helper()
	switch {
	case filepath.Base(name) != name, name == ".", name == "..", strings.ContainsRune(name, '/'):
		t.Errorf("FileName(%q) = %q: not a base name", group, name)
	case len(name) > 100:
		t.Errorf("FileName(%q) = %q: %d bytes", group, name, len(name))
	case !utf8.ValidString(name):
		t.Errorf("FileName(%q) = %q: not UTF-8", group, name)
	case name[0] == '.' || name[0] == '-':
		t.Errorf("FileName(%q) = %q: leading %q", group, name, name[0])
	case len(name) > 95:
		t.Errorf("FileName(%q) = %q: no room for an extension", group, name)
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || strings.ContainsRune(" \t\"'`$;&|<>()*?[]{}~!#\\", r) {
			t.Errorf("FileName(%q) = %q: holds %q", group, name, r)
		}
	}
}

func FuzzFileName(f *testing.F) {
	for _, tt := range fileNameTests {
		f.Add(tt.group)
	}
	for _, by := range []groupBy{groupComm, groupExe} { // comms and exes the kernel logged
		for _, g := range readSet(f, filepath.Join("..", "testdata", "logs", "hostile-comm.log"), by).Groups() {
			f.Add(g)
		}
	}
	f.Fuzz(func(t *testing.T, group string) {
		name := FileName(group)
		checkFileName(t, group, name)
		if name != FileName(group) {
			t.Errorf("FileName(%q) is not stable", group)
		}
		// A name kept as is must be the group itself; any other carries the
		// hash of the group, so two groups never meet.
		if name != group || strings.HasPrefix(group, "/") {
			if !strings.HasSuffix(name, "@"+hashOf(group)) {
				t.Errorf("FileName(%q) = %q: altered without the group's hash", group, name)
			}
		}
		// Its SeccompProfile's name is a DNS-1123 label, its file under
		// any other name a file name as well.
		for _, o := range []string{ObjectName(group), ResourceName(group), ResourceName("prefix-" + ObjectName(group))} {
			if !isDNSLabel(o) {
				t.Errorf("group %q: object name %q is no DNS-1123 label", group, o)
			}
		}
		if alt := AltFileName(group); alt == name || len(alt) > 255-len(".json.provenance") {
			t.Errorf("AltFileName(%q) = %q", group, alt)
		} else {
			checkFileName(t, group, alt)
		}
	})
}
