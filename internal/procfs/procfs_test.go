package procfs

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestParseStart(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     uint64
		err      bool
	}{
		// Hand-made from proc(5)'s layout, with comms a process may choose.
		{"plain", "2010 (sh) S 1995 1995 1 0 -1 4194560 712 0 0 0 1 0 0 0 20 0 1 0 1234567 1000 100 18446744073709551615\n", 1234567, false},
		{"comm with ') ' and spaces", "5 (a) b (c) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 42 1000 100 1\n", 42, false},
		{"comm of runc's init", "7 (runc:[2:INIT]) R 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 99 1 2", 99, false},
		{"the last field, no newline", "7 (x) R 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615", 1<<64 - 1, false},
		{"empty", "", 0, true},
		{"no comm end", "5 (x", 0, true},
		{"too few fields", "1 (x) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0\n", 0, true},
		{"not a number", "1 (x) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 notanumber\n", 0, true},
		{"past 64 bits", "1 (x) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616\n", 0, true},
		{"negative", "1 (x) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 -5\n", 0, true},
	} {
		got, err := ParseStart([]byte(tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s: ParseStart = %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrStat) {
			t.Errorf("%s: err %v does not wrap ErrStat", tc.name, err)
		}
	}
}

// TestStartTime reads this process's real /proc/self/stat.
func TestStartTime(t *testing.T) {
	n, err := StartTime(os.Getpid())
	if err != nil || n == 0 {
		t.Fatalf("StartTime(self) = %d, %v", n, err)
	}
	if again, _ := StartTime(os.Getpid()); again != n {
		t.Errorf("start time changed: %d, then %d", n, again)
	}
	if _, err := StartTime(1 << 30); err == nil {
		t.Error("a pid no process holds has a start time")
	}
}

func FuzzParseStart(f *testing.F) {
	if data, err := os.ReadFile("/proc/self/stat"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("5 (a) b (c) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 42 1000 100 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseStart(data); err != nil && !errors.Is(err, ErrStat) {
			t.Fatalf("err %v does not wrap ErrStat", err)
		}
	})
}

// TestReader reads a made-up procfs: a stat, a file larger than the first
// buffer, and a pid that is not there; then the real /proc/self.
func TestReader(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/42", 0o755)
	os.WriteFile(dir+"/42/stat", []byte("42 (a) b) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 777 1000 100 1\n"), 0o644)
	big := strings.Repeat("0::/kubepods/besteffort/pod1b2c3d4e-5f60-4718-89ab-cdef01234567/x\n", 100)
	os.WriteFile(dir+"/42/cgroup", []byte(big), 0o644)
	r := &Reader{Proc: dir}
	if n, err := r.StartTime(42); n != 777 || err != nil {
		t.Errorf("StartTime = %d, %v; want 777", n, err)
	}
	for range 2 { // the second read reuses the buffer
		if data, err := r.ReadFile(42, "cgroup"); string(data) != big || err != nil {
			t.Errorf("ReadFile = %d bytes, %v; want %d", len(data), err, len(big))
		}
	}
	if _, err := r.StartTime(43); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a pid not there: %v", err)
	}
	os.WriteFile(dir+"/42/stat", []byte("42 (x"), 0o644)
	if _, err := r.StartTime(42); !errors.Is(err, ErrStat) {
		t.Errorf("a bad stat: %v", err)
	}
	var self Reader
	want, err := StartTime(os.Getpid())
	if n, err2 := self.StartTime(int32(os.Getpid())); err != nil || err2 != nil || n != want {
		t.Errorf("Reader.StartTime(self) = %d, %v; StartTime = %d, %v", n, err2, want, err)
	}
}
