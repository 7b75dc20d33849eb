package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeNumbered appends the lines "line N" for N in [from, to) to w.
func writeNumbered(t *testing.T, w *os.File, from, to int) {
	t.Helper()
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	if _, err := w.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// numbers reads lines from src into got until every number in [0, n) came,
// or the timeout.
func numbers(t *testing.T, src Source, got map[int]bool, n int, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for len(got) < n {
		line, err := src.Next(ctx)
		if err != nil {
			var missing []int
			for i := range n {
				if !got[i] {
					missing = append(missing, i)
				}
			}
			t.Fatalf("%v: %d lines missing, the first: %v", err, len(missing), missing[:min(10, len(missing))])
		}
		v, ok := strings.CutPrefix(string(line), "line ")
		if !ok {
			t.Fatalf("unexpected line %q", line)
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= n {
			t.Fatalf("unexpected line %q", line)
		}
		got[i] = true
	}
}

func openAppend(t *testing.T, path string) *os.File {
	t.Helper()
	w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

var watchers = []struct {
	name string
	poll bool
}{{"inotify", false}, {"poll", true}}

func follow(t *testing.T, path string, poll bool) *Follower {
	t.Helper()
	f, err := Follow(path, FollowConfig{Poll: poll, DrainGrace: time.Second, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestFollowFromEnd starts at the end of the file: old lines, and the part
// of a line written before the start, are not read.
func TestFollowFromEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "syslog")
	w := openAppend(t, path)
	w.WriteString("old line\nhalf a li")
	f := follow(t, path, false)
	w.WriteString("ne\n")
	writeNumbered(t, w, 0, 3)
	numbers(t, f, map[int]bool{}, 3, 5*time.Second)
}

// TestFollowRenameCreate rotates the file the way logrotate does by default
// (rename, create) while the writer still appends to the old file for a
// while: every line arrives, from the old file and from the new one.
func TestFollowRenameCreate(t *testing.T) {
	for _, wt := range watchers {
		t.Run(wt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "syslog")
			w := openAppend(t, path)
			f := follow(t, path, wt.poll)
			got := map[int]bool{}
			writeNumbered(t, w, 0, 100)
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			writeNumbered(t, w, 100, 150) // the writer has not reopened yet
			time.Sleep(300 * time.Millisecond)
			writeNumbered(t, w, 150, 200) // after the follower noticed the rename
			w2 := openAppend(t, path)
			writeNumbered(t, w2, 200, 300)
			time.Sleep(100 * time.Millisecond)
			writeNumbered(t, w, 300, 310) // a late line to the old file
			writeNumbered(t, w2, 310, 400)
			numbers(t, f, got, 400, 10*time.Second)
			if s := f.Stats(); s.Reopened != 1 || s.Drained == 0 {
				t.Errorf("stats = %+v, want 1 rotation and lines drained from the old file", s)
			}
		})
	}
}

// TestFollowCopyTruncate rotates by copy and truncate (logrotate's
// copytruncate): the follower starts again at the file's start. Lines not
// yet read when the file is truncated are gone for every reader, so the
// test waits for them first. The truncation and the lines after it often
// come before the library watches the file (it does from its first end of
// file after the last line it sent): the follower must see it by itself.
func TestFollowCopyTruncate(t *testing.T) {
	for _, wt := range watchers {
		t.Run(wt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "syslog")
			w := openAppend(t, path)
			f := follow(t, path, wt.poll)
			got := map[int]bool{}
			writeNumbered(t, w, 0, 200)
			numbers(t, f, got, 200, 5*time.Second)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path+".1", data, 0o644)
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			writeNumbered(t, w, 200, 250)
			numbers(t, f, got, 250, 5*time.Second)
			if s := f.Stats(); s.Reopened != 1 {
				t.Errorf("stats = %+v, want 1 truncation", s)
			}
		})
	}
}

// TestFollowDeleteRecreate removes the file and makes it again later: the
// follower says so, waits, and follows the new file from its start.
func TestFollowDeleteRecreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "syslog")
	w := openAppend(t, path)
	f := follow(t, path, false)
	got := map[int]bool{}
	writeNumbered(t, w, 0, 10)
	numbers(t, f, got, 10, 5*time.Second)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	w2 := openAppend(t, path)
	writeNumbered(t, w2, 10, 20)
	numbers(t, f, got, 20, 5*time.Second)
}

// TestFollowMissing fails at the start on a file that does not exist.
func TestFollowMissing(t *testing.T) {
	_, err := Follow(filepath.Join(t.TempDir(), "nope"), FollowConfig{})
	if !os.IsNotExist(err) && !strings.Contains(fmt.Sprint(err), "no such file") {
		t.Fatalf("err = %v, want not exist", err)
	}
}
