package profilegen

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	maxFileStem = 78  // FileName's text before "@hash": 95 bytes at most, 100 with ".json"
	maxLabel    = 63  // a DNS-1123 label
	hashLen     = 16  // hex digits of the suffix of altered names
	hashMark    = '@' // only ever in altered names, before their hash
)

// FileName returns the base name, without extension, of group's profile in
// an output directory: DIR/FileName(group)+".json". A group name comes from
// a process's exe or comm: hostile text. The name is 1 to 95 bytes of ASCII
// letters, digits and "._+-@", never starts with '.' or '-' (so it is never
// "." or ".." nor hidden), and holds no path separator. It depends on the
// group alone, so that a restart finds a group's file again.
//
// A group that is an executable's path ("/usr/bin/ls", as --group-by exe
// names them) keeps its base name, made unique by "@" and a hash of the
// whole path: "ls@8c0f2d0b5e9a1c37". Two programs of one name in two
// directories (/usr/bin/ls, /tmp/x/ls) never share a file, whichever runs.
// Any other group made only of letters, digits and "._+-" (not starting
// with '.' or '-', not too long) keeps its name; any other is cleaned,
// cut, and given the suffix "@" and a hash of the whole group, so that
// distinct groups never share a file.
func FileName(group string) string {
	if strings.HasPrefix(group, "/") {
		return hashedName(group[strings.LastIndexByte(group, '/')+1:], group, maxFileStem, fileByte)
	}
	return safeName(group, maxFileStem, fileByte)
}

// AltFileName is group's file name when its FileName is another group's
// in one write (Output.Write): its cleaned, cut text and the whole SHA-256
// of the group, so that it is no other group's even then.
func AltFileName(group string) string {
	sum := sha256.Sum256([]byte(group))
	name := hashedName(group, group, maxFileStem+hashLen-2*sha256.Size, fileByte) // 95 bytes at most, as FileName's
	return name[:strings.IndexByte(name, hashMark)+1] + hex.EncodeToString(sum[:])
}

// ObjectName returns the name of group's SeccompProfile object: its
// FileName as a DNS-1123 label, hashMark made '-' ("ls@8c0f2d0b5e9a1c37"
// is "ls-8c0f2d0b5e9a1c37"), so that a group's file and object have one
// name. A FileName that is no label even so (capitals, '.', '_', '+', too
// long) is made one by ResourceName.
func ObjectName(group string) string {
	return ResourceName(strings.ReplaceAll(FileName(group), string(hashMark), "-"))
}

// ResourceName returns name as a Kubernetes object name (a DNS-1123 label:
// lowercase letters, digits and '-', starting and ending with a letter or a
// digit, at most 63 bytes). Like FileName, it keeps a name that is already
// valid and gives any other one a hash suffix ("-" and 16 hex digits).
func ResourceName(name string) string {
	if isDNSLabel(name) {
		return name
	}
	stem := []byte(strings.ToLower(name))
	for i, c := range stem {
		if !labelByte(c) {
			stem[i] = '-'
		}
	}
	s := strings.Trim(string(stem), "-")
	s = s[:min(len(s), maxLabel-1-hashLen)]
	s = strings.TrimRight(s, "-")
	if s == "" {
		s = "profile"
	}
	return s + "-" + hashOf(name)
}

// safeName keeps s when every byte passes ok, it is not empty, does not
// start with '.' or '-' and fits in max bytes; otherwise it returns the
// cleaned, cut s with hashMark and the hash of s.
func safeName(s string, max int, ok func(byte) bool) string {
	if clean(s, max, ok) {
		return s
	}
	return hashedName(s, s, max, ok)
}

// hashedName returns stem cleaned and cut to max bytes, with hashMark and
// the hash of whole.
func hashedName(stem, whole string, max int, ok func(byte) bool) string {
	b := []byte(stem[:min(len(stem), max)])
	for i, c := range b {
		if !ok(c) || c == hashMark {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		b = []byte{'_'}
	}
	if b[0] == '.' || b[0] == '-' {
		b[0] = '_'
	}
	return string(b) + string(hashMark) + hashOf(whole)
}

func clean(s string, max int, ok func(byte) bool) bool {
	if s == "" || len(s) > max || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) || s[i] == hashMark {
			return false
		}
	}
	return true
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:hashLen/2])
}

// fileByte: bytes a file name may hold that no shell or path reads as special.
func fileByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '+'
}

func labelByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
}

func isDNSLabel(s string) bool {
	if s == "" || len(s) > maxLabel || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !labelByte(s[i]) {
			return false
		}
	}
	return true
}
