package audit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixtureLines returns the lines of every ../testdata/logs/*.log fixture.
func fixtureLines(t testing.TB) map[string][]string {
	files, err := filepath.Glob("../testdata/logs/*.log")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		s := bufio.NewScanner(fh)
		s.Buffer(nil, 4<<20)
		for s.Scan() {
			out[f] = append(out[f], s.Text())
		}
		fh.Close()
		if err := s.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, lines := range fixtureLines(f) {
		for _, l := range lines {
			f.Add([]byte(l))
		}
	}
	for _, tc := range parseCases {
		f.Add([]byte(tc.line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkLine(t, line)
	})
}

// TestFixtures runs the fuzz property over every fixture line, and checks
// that real captures hold no malformed record (only the files damaged on
// purpose, named *garbage*, may).
func TestFixtures(t *testing.T) {
	all := fixtureLines(t)
	if len(all) == 0 {
		t.Fatal("no fixtures in ../testdata/logs")
	}
	for f, lines := range all {
		seccomp := 0
		for i, l := range lines {
			var r Record
			k, err := Parse([]byte(l), &r)
			if err != nil && !strings.Contains(filepath.Base(f), "garbage") {
				t.Errorf("%s:%d: %v", f, i+1, err)
			}
			if k == KindSeccomp {
				seccomp++
			}
			checkLine(t, []byte(l))
		}
		t.Logf("%s: %d lines, %d seccomp records", filepath.Base(f), len(lines), seccomp)
	}
}

// checkLine asserts that Parse does not panic, is deterministic, resets the
// record, ignores one trailing \r, and that a seccomp record's fields are what
// the reference parser reads in the line.
func checkLine(t *testing.T, line []byte) {
	t.Helper()
	orig := bytes.Clone(line)
	var r1 Record
	k1, err1 := Parse(line, &r1)
	if !bytes.Equal(line, orig) {
		t.Fatalf("Parse modified its input")
	}
	r2 := Record{Comm: []byte("stale"), Exe: []byte("stale"), Syscall: 7, Suppressed: 7, Compat: 7, scratch: make([]byte, 3, 5)}
	k2, err2 := Parse(line, &r2)
	if k1 != k2 || errString(err1) != errString(err2) || diff(r1, r2) != "" {
		t.Fatalf("Parse(%q) not deterministic: %v %v / %v %v %s", line, k1, err1, k2, err2, diff(r1, r2))
	}
	// A Record that parsed another line first reads the same: the line
	// itself before (its fields up to syscall= are then taken from the
	// Record's identity), or the line with its last byte changed.
	for _, prev := range [][]byte{line, flipLast(line)} {
		var rp Record
		Parse(prev, &rp)
		kp, errp := Parse(line, &rp)
		if k1 != kp || errString(err1) != errString(errp) || diff(r1, rp) != "" {
			t.Fatalf("Parse(%q) after Parse(%q): %v %v; alone %v %v: %s", line, prev, kp, errp, k1, err1, diff(rp, r1))
		}
	}
	// The kernel-order path (fast.go) reads what the walk by key reads.
	fastFields = false
	var rs Record
	ks, errs := Parse(line, &rs)
	fastFields = true
	if k1 != ks || errString(err1) != errString(errs) || diff(r1, rs) != "" {
		t.Fatalf("Parse(%q): kernel order %v %v, by key %v %v: %s", line, k1, err1, ks, errs, diff(r1, rs))
	}
	if err1 != nil {
		if k1 != KindNone || !errors.Is(err1, ErrMalformed) {
			t.Fatalf("Parse(%q) = %v, %v: an error must wrap ErrMalformed and come with KindNone", line, k1, err1)
		}
	}
	if n := len(line); n == 0 || line[n-1] != '\r' {
		var r3 Record
		k3, err3 := Parse(append(bytes.Clone(line), '\r'), &r3)
		if k3 != k1 || errString(err3) != errString(err1) || diff(r3, r1) != "" {
			t.Fatalf("Parse(%q + \\r) = %v, %v; without \\r %v, %v", line, k3, err3, k1, err1)
		}
	}
	if k1 != KindSeccomp {
		if d := diff(r1, Record{Suppressed: r1.Suppressed}); d != "" {
			t.Fatalf("Parse(%q) = %v left fields set: %s", line, k1, d)
		}
		return
	}
	body, ok := refBody(string(line))
	if !ok {
		t.Fatalf("Parse(%q) = KindSeccomp; the reference finds no record body", line)
	}
	checkFields(t, line, body, &r1)
}

// flipLast returns a copy of b with its last byte changed.
func flipLast(b []byte) []byte {
	c := bytes.Clone(b)
	if len(c) > 0 {
		c[len(c)-1] ^= 1
	}
	return c
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// refBody is the reference parser's record finder: slow and simple. It
// returns the key=value text of the first record marker in line.
func refBody(line string) (string, bool) {
	line = strings.TrimSuffix(line, "\r")
	best, body := len(line)+1, ""
	// "type=T audit(S.M:N): " or "type=T msg=audit(S.M:N): "
	for i := 0; ; {
		j := strings.Index(line[i:], "audit(")
		if j < 0 {
			break
		}
		j += i
		i = j + 1
		before := strings.TrimSuffix(line[:j], "msg=")
		if !strings.HasSuffix(before, " ") {
			continue
		}
		fields := strings.Split(before[:len(before)-1], " ")
		if tok := fields[len(fields)-1]; !strings.HasPrefix(tok, "type=") || len(tok) > 24 || tok == "type=" {
			continue
		}
		if _, after, ok := strings.Cut(line[j:], "):"); ok && j < best {
			best, body = j, after
		}
		break
	}
	// "audit[PID]: SECCOMP " (journald)
	for _, name := range []string{"SECCOMP ", "ANOM_ABEND "} {
		for i := 0; ; {
			j := strings.Index(line[i:], "audit[")
			if j < 0 {
				break
			}
			j += i
			i = j + 1
			if j > 0 && line[j-1] != ' ' {
				continue
			}
			pid, rest, ok := strings.Cut(line[j+len("audit["):], "]: ")
			if _, err := strconv.ParseUint(pid, 10, 32); err != nil || !ok || pid[0] == '+' {
				continue
			}
			if strings.HasPrefix(rest, name) && j < best {
				best, body = j, rest[len(name):]
			}
		}
	}
	for _, name := range []string{"SECCOMP ", "ANOM_ABEND "} {
		if best > len(line) && strings.HasPrefix(line, name) {
			best, body = 0, line[len(name):]
		}
	}
	return body, best <= len(line)
}

type refValue struct {
	val    string
	quoted bool
}

// refFields is the reference tokenizer: key=value pairs, quoted values run to
// the next quote, tokens without '=' are skipped, the first key wins, and
// everything from 0x1D on is ignored.
func refFields(body string) map[string]refValue {
	body, _, _ = strings.Cut(body, "\x1d")
	m := map[string]refValue{}
	for body != "" {
		if body[0] == ' ' {
			body = body[1:]
			continue
		}
		eq := strings.IndexByte(body, '=')
		sp := strings.IndexByte(body, ' ')
		if eq < 0 || (sp >= 0 && sp < eq) {
			if sp < 0 {
				break
			}
			body = body[sp:]
			continue
		}
		key := body[:eq]
		body = body[eq+1:]
		var v refValue
		if strings.HasPrefix(body, `"`) {
			end := strings.IndexByte(body[1:], '"')
			if end < 0 {
				break
			}
			v, body = refValue{body[1 : 1+end], true}, body[2+end:]
		} else {
			val, rest, _ := strings.Cut(body, " ")
			v, body = refValue{val, false}, " "+rest
		}
		if _, dup := m[key]; !dup {
			m[key] = v
		}
	}
	return m
}

func refName(v refValue) string {
	if !v.quoted && len(v.val)%2 == 0 {
		if d, err := hex.DecodeString(v.val); err == nil {
			return string(d)
		}
	}
	return v.val
}

func checkFields(t *testing.T, line []byte, body string, r *Record) {
	t.Helper()
	m := refFields(body)
	fail := func(field string, got, want any) {
		t.Helper()
		t.Fatalf("Parse(%q): %s = %v; the reference reads %v", line, field, got, want)
	}
	if v, ok := m["syscall"]; !ok {
		fail("syscall", r.Syscall, "no syscall=")
	} else if n, err := strconv.ParseInt(v.val, 10, 64); err != nil || n != r.Syscall {
		fail("syscall", r.Syscall, v.val)
	}
	if v, ok := m["arch"]; !ok && r.Arch != 0 {
		fail("arch", r.Arch, "no arch=")
	} else if n, err := strconv.ParseUint(v.val, 16, 32); ok && (err != nil || uint32(n) != r.Arch) {
		fail("arch", r.Arch, v.val)
	}
	if v, ok := m["pid"]; !ok && r.PID != 0 {
		fail("pid", r.PID, "no pid=")
	} else if n, err := strconv.ParseInt(v.val, 10, 32); ok && (err != nil || int32(n) != r.PID) {
		fail("pid", r.PID, v.val)
	}
	if v, ok := m["code"]; !ok && r.Code != 0 {
		fail("code", r.Code, "no code=")
	} else if ok {
		h, isHex := strings.CutPrefix(strings.Replace(v.val, "0X", "0x", 1), "0x")
		if n, err := strconv.ParseUint(h, 16, 32); !isHex || err != nil || uint32(n) != r.Code || ActionFromCode(uint32(n)) != r.Action {
			fail("code", r.Code, v.val)
		}
	}
	if got, want := string(r.Comm), refName(m["comm"]); got != want {
		fail("comm", strconv.Quote(got), strconv.Quote(want))
	}
	if got, want := string(r.Exe), refName(m["exe"]); got != want {
		fail("exe", strconv.Quote(got), strconv.Quote(want))
	}
}
