//go:build linux

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recorder-dev/recorder/internal/audittest"
	"github.com/recorder-dev/recorder/internal/profiletest"
)

// idleConnsEnv makes the test binary a client that holds idle keep-alive
// connections to the metrics address it names (RECORDER_TEST_IDLE_CONNS=
// ADDR,N): a process of its own, so that its descriptors are not the
// daemon's.
const idleConnsEnv = "RECORDER_TEST_IDLE_CONNS"

func init() {
	if v := os.Getenv(idleConnsEnv); v != "" {
		addr, n, _ := strings.Cut(v, ",")
		count, _ := strconv.Atoi(n)
		holdIdle(addr, count)
		os.Exit(0)
	}
}

// holdIdle opens count connections to addr, each sending one request that
// keeps the connection alive, says "ready N" on stdout, and holds them
// until its stdin closes or a minute has passed.
func holdIdle(addr string, count int) {
	var conns []net.Conn
	for range count {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			break
		}
		fmt.Fprintf(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
		conns = append(conns, c)
	}
	fmt.Printf("ready %d\n", len(conns))
	done := make(chan struct{})
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n')
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
}

// TestWatchMetricsIdleConnections is issue 17 item 7: thousands of idle
// keep-alive connections to the metrics port (another process, from
// loopback) took the daemon to its file limit: every flush failed and a
// live record went unattributed, as /proc could no longer be opened. The
// daemon's soft limit is lowered to 1024 here (put back at the end) so that
// 3000 connections would exceed it; with the connection cap the flushes
// go on and the live record is attributed (group host) and kept.
func TestWatchMetricsIdleConnections(t *testing.T) {
	audittest.NeedRoot(t)
	audittest.NoDaemon(t)
	const conns = 3000
	dir := t.TempDir()
	addr := freeAddr(t)
	w := startWatch(t, "--source", "netlink", "-d", dir, "-g", "container", "--flush-interval", "50ms", "--base", "none", "--metrics-addr", addr)
	w.waitFor(t, "the metrics server", 5*time.Second, func() bool { return strings.Contains(watchMetrics(addr), "recorder_lines_total") })

	client := exec.Command(os.Args[0], "-test.run=^$")
	client.Env = append(os.Environ(), idleConnsEnv+"="+addr+","+strconv.Itoa(conns))
	stdin, _ := client.StdinPipe()
	stdout, _ := client.StdoutPipe()
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		client.Process.Kill()
		client.Wait()
	})
	lowerFileLimit(t, 1024) // after the client started: it keeps its own
	ready, _ := bufio.NewReader(stdout).ReadString('\n')
	if n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(ready, "ready "))); n < conns {
		t.Fatalf("the client holds %q connections, want %d", ready, conns)
	}
	time.Sleep(500 * time.Millisecond) // the daemon accepts what it will
	flushed := strings.Count(w.log.String(), "profiles written")

	audittest.RunLogged(t, nil, "uname")
	w.waitFor(t, "the live record's profile", 10*time.Second, func() bool {
		return slices.Contains(profiletest.AllowedInDir(t, dir), "uname")
	})
	if _, err := os.Stat(filepath.Join(dir, "host.json")); err != nil {
		t.Errorf("the live record is not in the host's profile: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "unattributed.json")); err == nil {
		t.Errorf("a record went unattributed")
	}
	w.stop(t)
	log := w.log.String()
	if strings.Count(log, "profiles written") <= flushed || strings.Contains(log, "keeping everything in memory") {
		t.Errorf("flushes failed under the idle connections:\n%s", log)
	}
}

// lowerFileLimit sets this process's soft RLIMIT_NOFILE to n and puts the
// old one back at the end (the hard limit stays: this machine's root may
// not raise it back).
func lowerFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
			t.Errorf("put back RLIMIT_NOFILE: %v", err)
		}
	})
}
