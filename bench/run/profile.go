//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// part is a share of watch's CPU, told by the functions on a sample's
// stack: the part of the frame nearest the leaf that any part's pattern
// matches takes the sample (the first such part in parts' order).
type part struct {
	name string
	re   *regexp.Regexp
}

var parts = []part{
	{"copy of the record into a batch (or its type written before it in place)", regexp.MustCompile(`source\.\(\*batch\)\.add|source\.lineInPlace`)},
	{"receive: the recv system calls, in the kernel and their Go call", regexp.MustCompile(`recvMany|recvmmsg|recvfrom|Recvfrom|recvmsg|\(\*nlConn\)\.(read|recv)`)},
	{"parse (audit.Parse)", regexp.MustCompile(`recorder/audit\.`)},
	{"attribution (enrichers, grouping)", regexp.MustCompile(`\(\*Pipeline\)\.enrich|AppendGroup|recorder/internal/containers\.`)},
	{"set insert (profilegen.Set)", regexp.MustCompile(`recorder/profilegen\.`)},
	{"--explain, --tee", regexp.MustCompile(`\(\*Explain\)|teeLine`)},
	{"GC and allocation", regexp.MustCompile(`runtime\.(gc|bgMark|bgsweep|sweep|scanobject|greyobject|markroot|mallocgc|wbBuf)`)},
	{"goroutine hand-offs, sleeps and wake-ups (Go scheduler, poll, channels, futex, sysmon)", regexp.MustCompile(
		`runtime\.(park_m|schedule|findRunnable|stopm|startm|wakep|notesleep|notewakeup|futex|netpoll|sysmon|usleep|mcall|goready|ready|` +
			`chansend|chanrecv|selectgo|lock2|unlock2|entersyscallblock|timeSleep|resetForSleep|mstart|handoffp|retake)|time\.Sleep|` +
			`unix\.Poll|do_sys_poll|futex|nanosleep|finish_task_switch|try_to_wake_up|__schedule`)},
	{"pipeline, watch and record (line, filter, counts, lock, Next)", regexp.MustCompile(`recorder/pipeline\.|recorder/internal/(watch|runner)\.|recorder/source\.`)},
}

// column is one profiled reader of the storm: profile runs the storm once
// under it with perf recording it, and returns each part's share of the
// samples, the samples, the reader's CPU time during the storm and its
// threads' context switches.
type column struct {
	name    string
	profile func() (map[string]float64, int, time.Duration, uint64)
}

// profileSection profiles watch -g none (of each binary of bins) and
// record on one storm each with perf (perf record -g on the reader's
// process; perf script's stacks sorted into parts), and writes the
// breakdowns side by side.
func profileSection(md *bytes.Buffer, run func() time.Duration, bins []string, storm string) {
	fmt.Fprintf(md, "\n## Where watch's and record's time goes\n\n")
	if err := exec.Command("perf", "stat", "-e", "task-clock", "true").Run(); err != nil {
		fmt.Fprintf(md, "Not measured: perf does not run here (%v; apt-get install linux-perf).\n", err)
		return
	}
	var cols []column
	for _, bin := range bins {
		cols = append(cols, column{"watch -g none: " + bin, func() (map[string]float64, int, time.Duration, uint64) { return profileWatch(bin, run) }})
	}
	cols = append(cols, column{"record: " + *recorder, func() (map[string]float64, int, time.Duration, uint64) { return profileRecord(storm) }})
	type prof struct {
		shares   map[string]float64
		cpu      time.Duration
		n        int
		switches uint64
	}
	var profs []prof
	for _, c := range cols {
		shares, n, cpu, sw := c.profile()
		profs = append(profs, prof{shares, cpu, n, sw})
	}
	fmt.Fprintf(md, "`recorder watch --source netlink -g none` and `recorder record -o /dev/null` on one storm of %s records each, "+
		"profiled with `perf record -g -F 999 -p` (kernel and user stacks of all the reader's threads; record's program, its child, left out); "+
		"each sample goes to the part of the function nearest its leaf that one of the parts names "+
		"(a preemption in a system call is a hand-off, a copy that allocates is GC and allocation). "+
		"µs per record is the part's share of the CPU the process used during the storm (/proc), divided by the records. "+
		"The receive is mostly the kernel's own work for the reader (the copy out of each record, freeing it): "+
		"the do-nothing reader that receives as watch does pays it too (the live storm's table).\n\n", count(*calls))
	head, rule := "| part |", "|---|"
	for _, c := range cols {
		head += " " + c.name + " |"
		rule += "---|"
	}
	fmt.Fprintln(md, head)
	fmt.Fprintln(md, rule)
	for _, p := range append(parts, part{name: "other"}) {
		row := "| " + p.name + " |"
		for _, pr := range profs {
			s := pr.shares[p.name]
			row += fmt.Sprintf(" %.1f %% (%.2f µs) |", 100*s, s*float64(pr.cpu.Microseconds())/float64(*calls))
		}
		fmt.Fprintln(md, row)
	}
	row, row2 := "| total CPU per record (samples) |", "| context switches of the reader's threads |"
	for _, pr := range profs {
		row += fmt.Sprintf(" %.2f µs (%d) |", float64(pr.cpu.Microseconds())/float64(*calls), pr.n)
		row2 += fmt.Sprintf(" %s |", count(int(pr.switches)))
	}
	fmt.Fprintln(md, row)
	fmt.Fprintln(md, row2)
}

// profileWatch runs one storm under watch (bin) with perf recording it.
func profileWatch(bin string, run func() time.Duration) (map[string]float64, int, time.Duration, uint64) {
	dir, err := os.MkdirTemp("", "recorder-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	pid, addr, stop := startWatch(bin, dir, "none")
	defer stop()
	data := dir + "/perf.data"
	perf := startPerf(data, pid)
	got0, cpu0, sw0 := metric(addr, "recorder_records_total"), procCPU(pid), switches(pid)
	run()
	waitFor("every record at watch", func() bool { return metric(addr, "recorder_records_total")-got0 >= float64(*calls) })
	cpu, sw := procCPU(pid)-cpu0, switches(pid)-sw0
	shares, n := stopPerf(perf, data, pid)
	return shares, n, cpu, sw
}

// profileRecord records one storm with perf recording record (not its
// program): its CPU and switches are read from /proc until it exits.
func profileRecord(storm string) (map[string]float64, int, time.Duration, uint64) {
	dir, err := os.MkdirTemp("", "recorder-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(*recorder, "record", "-q", "-o", "/dev/null", "--", storm, strconv.Itoa(*calls), "-t")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	pid := cmd.Process.Pid
	data := dir + "/perf.data"
	perf := startPerf(data, pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var cpu time.Duration
	var sw uint64
	for tick := time.NewTicker(20 * time.Millisecond); ; <-tick.C {
		cpu, sw = max(cpu, procCPU(pid)), max(sw, switches(pid)) // an exited record's threads are gone from /proc
		select {
		case err := <-done:
			tick.Stop()
			if err != nil {
				log.Fatalf("record: %v", err)
			}
			shares, n := stopPerf(perf, data, pid)
			return shares, n, cpu, sw
		default:
		}
	}
}

// startPerf starts perf recording process pid's threads into data.
func startPerf(data string, pid int) *exec.Cmd {
	perf := exec.Command("perf", "record", "-q", "-g", "-F", "999", "-o", data, "-p", fmt.Sprint(pid))
	if err := perf.Start(); err != nil {
		log.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	return perf
}

// stopPerf stops perf and sorts the samples of process pid into parts.
func stopPerf(perf *exec.Cmd, data string, pid int) (map[string]float64, int) {
	perf.Process.Signal(syscall.SIGINT)
	perf.Wait()
	out, err := exec.Command("perf", "script", "-i", data, "--pid", fmt.Sprint(pid)).Output()
	if err != nil {
		log.Fatalf("perf script: %v", err)
	}
	counts, n := classify(out)
	shares := map[string]float64{}
	for k, v := range counts {
		shares[k] = float64(v) / float64(n)
	}
	return shares, n
}

// classify sorts perf script's samples (a header line, then a frame a
// line, a blank line after each) into parts.
func classify(out []byte) (map[string]int, int) {
	counts, n := map[string]int{}, 0
	var stack []string
	done := func() {
		if len(stack) == 0 {
			return
		}
		n++
		for _, f := range stack { // from the leaf: the nearest part takes it
			for _, p := range parts {
				if p.re.MatchString(f) {
					counts[p.name]++
					stack = stack[:0]
					return
				}
			}
		}
		counts["other"]++
		stack = stack[:0]
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.TrimSpace(l) == "":
			done()
		case l[0] == ' ' || l[0] == '\t':
			if f := strings.Fields(l); len(f) >= 2 {
				stack = append(stack, f[1])
			}
		default:
			stack = stack[:0]
		}
	}
	done()
	return counts, n
}

// switches returns the context switches of all of pid's threads so far.
func switches(pid int) uint64 {
	dirs, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var sum uint64
	for _, d := range dirs {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, d.Name()))
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				var x uint64
				fmt.Sscan(strings.TrimSpace(v), &x)
				sum += x
			}
		}
	}
	return sum
}
