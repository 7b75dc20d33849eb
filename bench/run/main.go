//go:build linux

// Command run is make bench's comparison: it measures, side by side in one
// run on the machine it runs on,
//
//   - replay: recorder replay against the tutorial's LC_ALL=C grep -o
//     'syscall=[0-9]*' | sort -u and against the Security Profiles
//     Operator's regular expression in Go (bench/spo), on every core and on
//     one (taskset -c 0), on a 1,000,000-line syslog made of a real capture
//     with fresh serials, and the recorder's peak memory on 4,000,000 lines;
//   - the live storm (root only): a workload making N LOG-ed getppid calls
//     (testdata/logs/workloads/storm.c) alone, under a do-nothing audit
//     daemon in C (bench/nullreader, the floor), under recorder watch
//     --source netlink (grouping by nothing and by container), under
//     recorder record and under auditd: its time, the kernel's lost counter,
//     and the reader's CPU per record, medians of -rounds rounds;
//
// and writes the tables, with how they were taken, to bench/results.md.
//
//	go run ./bench/run [-o bench/results.md] [-rounds 5] [-storm 1000000] [-replay=false] [-live=false]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"golang.org/x/sys/unix"
)

var (
	out      = flag.String("o", "bench/results.md", "write the results to `FILE`")
	recorder = flag.String("recorder", "bin/recorder", "the recorder binary")
	rounds   = flag.Int("rounds", 5, "runs of each replay tool; the median is kept")
	lines    = flag.Int("lines", 1_000_000, "lines of the replayed syslog")
	calls    = flag.Int("storm", 1_000_000, "getppid calls of the live storm")
	live     = flag.Bool("live", true, "measure the live storm (needs root)")
	replay   = flag.Bool("replay", true, "measure replay")
	before   = flag.String("before", "", "profile watch of this recorder `binary` too, beside -recorder's")
)

const src = "testdata/logs/syslog-rfc3339.log"

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	flag.Parse()
	var md bytes.Buffer
	load0 := loadavg()
	start := time.Now()
	fmt.Fprintf(&md, "# recorder benchmarks\n\nWritten by `make bench` (bench/run) on %s: %s, %d CPUs, %s; Go %s. "+
		"Load average before: %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), kernel(), runtime.NumCPU(), cpuModel(), runtime.Version(), load0)
	if *replay {
		replayTables(&md)
	}
	perRecord(&md)
	if *live {
		liveTable(&md)
	}
	fmt.Fprintf(&md, "\nThe whole run took %v; load average after: %s. Other processes on the machine (other builds and tests) weigh on "+
		"every number alike within a round: the tools of a round run one right after the other, and the ratios are of medians.\n",
		time.Since(start).Round(time.Second), loadavg())
	md.Write(keptSections(*out))
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, md.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(md.Bytes())
}

// keptSections returns the sections of the results file at path that
// make bench does not write (their title says "not make bench"), to be
// written again after its own.
func keptSections(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var kept bytes.Buffer
	secs := strings.Split(string(data), "\n## ")
	for _, sec := range secs[1:] {
		title, _, _ := strings.Cut(sec, "\n")
		if strings.Contains(title, "not make bench") {
			kept.WriteString("\n## " + strings.TrimRight(sec, "\n") + "\n")
		}
	}
	return kept.Bytes()
}

// ---- replay ----

// sample is one run of a tool.
type sample struct {
	wall   time.Duration
	maxRSS int64 // KiB
	out    string
}

// tool is one way to get the syscall numbers of a log.
type tool struct {
	name string
	cmd  func(file string) []string
}

func replayTables(md *bytes.Buffer) {
	one, four := makeInput(*lines), makeInput(4**lines)
	spo := "bin/spo"
	if o, err := exec.Command("go", "build", "-o", spo, "./bench/spo").CombinedOutput(); err != nil {
		log.Fatalf("build bench/spo: %v\n%s", err, o)
	}
	tools := []tool{
		{"`LC_ALL=C grep -o 'syscall=[0-9]*' \\| sort -u`", func(f string) []string {
			return []string{"sh", "-c", "LC_ALL=C grep -o 'syscall=[0-9]*' " + f + " | LC_ALL=C sort -u"}
		}},
		{"SPO's regexp in Go (bench/spo)", func(f string) []string { return []string{spo, f} }},
		{"`recorder replay -o /dev/null`", func(f string) []string { return []string{*recorder, "replay", "-q", "-o", "/dev/null", f} }},
	}
	fmt.Fprintf(md, "## Replay\n\nInput: %s lines (%s) made of the real capture %s repeated with fresh serials "+
		"(every line of it, 146 of 150 seccomp records). Each round runs the three tools one after the other; %d rounds, "+
		"median wall time; peak memory is the largest resident set of the tool's processes (GNU time's %%M). "+
		"One core: `taskset -c 0` (Go then uses GOMAXPROCS=1).\n\n", count(*lines), size(one), src, *rounds)
	fmt.Fprintln(md, "| tool | cores | wall time | lines/s | peak memory | time / grep's |")
	fmt.Fprintln(md, "|---|---|---|---|---|---|")
	sets := map[string]string{}
	ratios := map[string]float64{}
	for _, cores := range []string{"all", "1"} {
		all := make([][]sample, len(tools))
		for range *rounds {
			for i, t := range tools {
				all[i] = append(all[i], measure(cores, t.cmd(one)))
			}
		}
		grep := median(all[0]).wall
		for i, t := range tools {
			m := median(all[i])
			label := strconv.Itoa(runtime.NumCPU())
			if cores == "1" {
				label = "1"
			}
			ratio := float64(m.wall) / float64(grep)
			fmt.Fprintf(md, "| %s | %s | %.3f s | %s | %s | %.2f |\n", t.name, label, m.wall.Seconds(),
				count(int(float64(*lines)/m.wall.Seconds())), mib(m.maxRSS), ratio)
			if i == 2 {
				ratios[label] = ratio
			}
			if i < 2 {
				sets[t.name] = numbers(m.out)
			}
		}
	}
	big := make([]sample, 0, 3)
	for range 3 {
		big = append(big, measure("all", tools[2].cmd(four)))
	}
	small := make([]sample, 0, 3)
	for range 3 {
		small = append(small, measure("all", tools[2].cmd(one)))
	}
	fmt.Fprintf(md, "\nMemory flat in the input's size: `recorder replay` peaks at %s on %s lines and %s on %s lines (%s), on all cores.\n",
		mib(median(small).maxRSS), count(*lines), mib(median(big).maxRSS), count(4**lines), size(four))
	var keys []string
	for k := range ratios {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprint(md, "\nTarget: replay at most 0.50 of grep|sort's time:")
	for _, k := range keys {
		verdict := "met"
		if ratios[k] > 0.5 {
			verdict = "NOT met"
		}
		fmt.Fprintf(md, " %s core(s) %.2f (%s);", k, ratios[k], verdict)
	}
	fmt.Fprintln(md)
	g, s := sets[tools[0].name], sets[tools[1].name]
	same := "the same"
	if g != s {
		same = "DIFFERENT: " + g + " / " + s
	}
	fmt.Fprintf(md, "\nCheck: grep|sort and the SPO regexp found %s syscall numbers (%s).\n", same, g)
}

// makeInput writes (once) a syslog of n lines: the capture's lines in
// turn, each stamp's serial made fresh.
func makeInput(n int) string {
	path := fmt.Sprintf("testdata/bench/syslog-%dk.log", n/1000)
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		if s, err := os.Stat(src); err == nil && !s.ModTime().After(st.ModTime()) {
			return path
		}
	}
	data, err := os.ReadFile(src)
	if err != nil {
		log.Fatal(err)
	}
	capture := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	serial := regexp.MustCompile(`:\d+\)`)
	for i := range n {
		l := capture[i%len(capture)]
		if !strings.HasSuffix(l, "\n") {
			l += "\n"
		}
		done := false
		w.WriteString(serial.ReplaceAllStringFunc(l, func(m string) string {
			if done {
				return m
			}
			done = true
			return ":" + strconv.Itoa(1_000_000+i) + ")"
		}))
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()
	return path
}

// measure runs args (on CPU 0 alone when cores is "1") under
// /usr/bin/time and returns its wall time, peak memory and output. The
// peak memory is /usr/bin/time's: wait4's ru_maxrss of a process starts
// at its parent's own peak at the fork, so it is taken by the small
// /usr/bin/time rather than by this program.
func measure(cores string, args []string) sample {
	if cores == "1" {
		args = append([]string{"taskset", "-c", "0"}, args...)
	}
	rss, err := os.CreateTemp("", "bench-rss-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(rss.Name())
	rss.Close()
	args = append([]string{timeBin, "-f", "%M", "-o", rss.Name()}, args...)
	cmd := exec.Command(args[0], args[1:]...)
	var o bytes.Buffer
	cmd.Stdout = &o
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("%q: %v", args, err)
	}
	wall := time.Since(start)
	data, _ := os.ReadFile(rss.Name())
	kib, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		log.Fatalf("%s -f %%M: %q", timeBin, data)
	}
	return sample{wall: wall, maxRSS: kib, out: o.String()}
}

// timeBin is GNU time (Debian package time), which make bench installs.
const timeBin = "/usr/bin/time"

func median(s []sample) sample {
	c := slices.Clone(s)
	slices.SortFunc(c, func(a, b sample) int { return int(a.wall - b.wall) })
	return c[len(c)/2]
}

// numbers returns the syscall numbers in a tool's output, sorted, as text.
func numbers(s string) string {
	var nrs []int
	for _, f := range strings.Fields(strings.ReplaceAll(s, "syscall=", "")) {
		if n, err := strconv.Atoi(f); err == nil {
			nrs = append(nrs, n)
		}
	}
	slices.Sort(nrs)
	return strconv.Itoa(len(nrs)) + ": " + strings.Trim(fmt.Sprint(nrs), "[]")
}

// ---- the per-record path ----

// perRecord runs the benchmarks of the per-record path (go test -bench)
// and lists their lines.
func perRecord(md *bytes.Buffer) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "BatchRecord|LineInPlace|ParseIdentity|LineStorm|DaemonLine|CollectorBatch", "-benchmem",
		"./source/", "./audit/", "./pipeline/", "./internal/watch/", "./internal/runner/")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("go test -bench: %v\n%s", err, out)
	}
	fmt.Fprintf(md, "\n## The per-record path\n\n`go test -bench 'BatchRecord|LineInPlace|ParseIdentity|LineStorm|DaemonLine|CollectorBatch' -benchmem` of ./source/ (a record "+
		"copied into the netlink reader's batch and handed out by Next, when the consumer is busy; the line made in place in the receive buffer, "+
		"when the reader hands it over), ./audit/ (a storm record parsed after one of the same process, and after one of another process), ./pipeline/ (a storm record down Pipeline.Line: "+
		"-g none, -g exe, record's Select, --explain), ./internal/watch/ (watch's work per line: the lock, once a batch of 256, and the pipeline, "+
		"alone, with --tee, with --explain) and ./internal/runner/ (record's collector: an op is a batch of 256 records under one lock, "+
		"ns/record the figure to read). Target: 0 allocations per record.\n\n```\n")
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			fmt.Fprintln(md, l)
		}
	}
	fmt.Fprintln(md, "```")
}

// ---- live storm ----

// result is the storm under one reader, one round.
type result struct {
	took      time.Duration // the storm's own time for its calls
	delivered uint64        // records the reader got, when it tells
	lost      uint32        // growth of the kernel's lost counter
	cpu       time.Duration // the reader's CPU time
	enobufs   float64
	waited    uint32 // growth of the kernel's backlog_wait_time_actual (jiffies)
}

// reader is one way to read the storm's records: run runs the storm once
// under it.
type reader struct {
	name string
	run  func(storm func() time.Duration) result
}

func liveTable(md *bytes.Buffer) {
	fmt.Fprintf(md, "\n## Live storm\n\n")
	if os.Geteuid() != 0 {
		fmt.Fprintln(md, "Not measured: needs root (it registers as the audit daemon and starts auditd). Run `sudo make bench`.")
		return
	}
	lock := takeKernelLock()
	defer lock.Close()
	storm, null := "bin/storm", "bin/nullreader"
	for bin, c := range map[string]string{storm: "testdata/logs/workloads/storm.c", null: "bench/nullreader/nullreader.c"} {
		if o, err := exec.Command("gcc", "-O2", "-o", bin, c).CombinedOutput(); err != nil {
			log.Fatalf("build %s: %v\n%s", c, err, o)
		}
	}
	prev := auditStatus()
	if prev.PID != 0 && processExists(prev.PID) {
		fmt.Fprintf(md, "Not measured: an audit daemon (pid %d) is registered; stop it first.\n", prev.PID)
		return
	}
	prev.PID = 0 // a daemon that is gone: the readers register in its place
	defer restoreAudit(prev)
	profile := "testdata/tutorial/profiles/audit.json" // SCMP_ACT_LOG for every call
	run := func() time.Duration {
		cmd := exec.Command(*recorder, "run", "--profile", profile, "--report=false", "--", storm, strconv.Itoa(*calls), "-t")
		return stormTime(cmd)
	}
	readers := []reader{
		{"none (records go to the rate-limited kernel log)", func(storm func() time.Duration) result { return result{took: storm()} }},
		{"do-nothing C reader (bench/nullreader: registers, backlog 8192, `recv` and discard)", func(storm func() time.Duration) result {
			return underNull(storm, null)
		}},
		{"do-nothing C reader receiving as watch does (bench/nullreader -m: poll, 1 ms pause, `recvmmsg` by 64)", func(storm func() time.Duration) result {
			return underNull(storm, null, "-m")
		}},
		{"`recorder watch --source netlink -g none`", func(storm func() time.Duration) result { return underWatch(storm, "none") }},
		{"`recorder watch --source netlink -g container --process-events on`", func(storm func() time.Duration) result {
			return underWatch(storm, "container", "--process-events", "on")
		}},
		{"`recorder record -o /dev/null` (the storm is its program)", func(func() time.Duration) result {
			return underRecord(profile, storm)
		}},
		{"`auditd -n`", underAuditd},
	}
	if _, err := exec.LookPath("auditd"); err != nil {
		readers = readers[:len(readers)-1]
	}
	run() // warm up: page cache, binaries
	all := make([][]result, len(readers))
	for range *rounds {
		for i, r := range readers {
			w0 := auditStatus().BacklogWaitTimeActual
			res := r.run(run)
			res.waited = auditStatus().BacklogWaitTimeActual - w0
			all[i] = append(all[i], res)
		}
	}
	fmt.Fprintf(md, "Workload: %s getppid calls under the tutorial's audit.json (`SCMP_ACT_LOG` for every call), "+
		"started by `recorder run --report=false` (by `recorder record` in its row); the workload time is the storm's own "+
		"(testdata/logs/workloads/storm.c -t: its loop, by CLOCK_MONOTONIC). Each round runs every reader one after the other; "+
		"%d rounds, medians. Readers: none; a do-nothing audit daemon in C (the floor: the kernel's own cost of "+
		"netlink delivery), receiving one record a call and, as watch receives, by `recvmmsg` after a 1 ms pause (the floor of "+
		"watch's own CPU: what the kernel charges a reader that receives that way); `recorder watch` registered as the audit daemon (backlog limit 8192), grouping by nothing and "+
		"by container; `recorder record`; `auditd -n` with the host's configuration. Reader CPU is user+system time of the "+
		"reader's process while the storm ran and drained (record's: its own, read from /proc every 20 ms until it exited).\n\n",
		count(*calls), *rounds)
	fmt.Fprintln(md, "| reader | workload time | calls/s | slowdown | / do-nothing reader | records read | kernel lost | reader CPU µs per record |")
	fmt.Fprintln(md, "|---|---|---|---|---|---|---|---|")
	med := make([]result, len(readers))
	for i := range readers {
		med[i] = medianResult(all[i])
	}
	alone, floor := med[0].took, med[1].took
	for i, r := range readers {
		m := med[i]
		delivered, cpu := "-", "-"
		if m.delivered > 0 {
			delivered = count(int(m.delivered))
		}
		if m.cpu > 0 {
			cpu = fmt.Sprintf("%.2f", float64(m.cpu.Microseconds())/float64(*calls))
		}
		fmt.Fprintf(md, "| %s | %.2f s | %s | %.2f | %.2f | %s | %d | %s |\n", r.name, m.took.Seconds(),
			count(int(float64(*calls)/m.took.Seconds())), m.took.Seconds()/alone.Seconds(), m.took.Seconds()/floor.Seconds(),
			delivered, maxLost(all[i]), cpu)
	}
	fmt.Fprintf(md, "\nRounds, workload time in s (for the spread), and, where the workload waited for room in the kernel's backlog, "+
		"the kernel's backlog_wait_time_actual growth in jiffies (backlog_wait_time is %d, 60 s):\n\n", prev.BacklogWaitTime)
	for i, r := range readers {
		var ts []string
		for _, x := range all[i] {
			t := fmt.Sprintf("%.2f", x.took.Seconds())
			if x.waited > 0 {
				t += fmt.Sprintf(" (waited %d)", x.waited)
			}
			ts = append(ts, t)
		}
		fmt.Fprintf(md, "- %s: %s\n", r.name, strings.Join(ts, ", "))
	}
	if stalled(all, prev.BacklogWaitTime) {
		fmt.Fprintf(md, "\nA round that waited about backlog_wait_time (%d jiffies) stalled for the whole of it: the kernel's "+
			"backlog passed its limit and the workload slept until the wait ran out, not until there was room. The likely cause "+
			"(not checked against this kernel's source) is a lost wake-up in the kernel: audit_log_start (kernel/audit.c) checks that "+
			"the queue is full before it puts the task on the backlog's wait queue, and when kauditd empties the queue and wakes "+
			"that wait queue in between, no one wakes the task (Eiichi Tsukata's patch \"audit: check if queue is full after "+
			"prepare_to_wait_exclusive()\", May 2023; linux-audit/audit-kernel issue 144, a task stuck there with the queue "+
			"nearly empty). A reader cannot prevent it, only make it rarer: the backlog passes its limit when kauditd does not "+
			"run for a while (a busy machine), whatever the reader does.\n", prev.BacklogWaitTime)
	}
	fmt.Fprintf(md, "\nKernel lost is the largest of the rounds; records read count every record of a run, the helpers' own few among them.\n")
	fmt.Fprint(md, "\nTargets (issue 18), of the medians. CPU per record is the reader's own (user and system time of its "+
		"process: the kernel's work of copying each record out to it is in it); above the floor is what it used beyond "+
		"the do-nothing reader that receives as watch does:\n")
	recvFloor := float64(med[2].cpu.Microseconds()) / float64(*calls)
	for i := 3; i <= 5; i++ {
		m := med[i]
		ratio := m.took.Seconds() / floor.Seconds()
		us := float64(m.cpu.Microseconds()) / float64(*calls)
		verdict := func(ok bool) string {
			if ok {
				return "met"
			}
			return "NOT met"
		}
		lost := maxLost(all[i]) == 0 && (i == 5 || m.delivered >= uint64(*calls))
		fmt.Fprintf(md, "\n- %s: %.2f× the do-nothing reader (≤ 1.10×: %s), %.2f µs CPU per record (≤ 1.0 µs: %s; %.2f µs above the floor of %.2f µs), lost %d (%s)",
			readers[i].name, ratio, verdict(ratio <= 1.10), us, verdict(us <= 1.0), us-recvFloor, recvFloor, maxLost(all[i]), verdict(lost))
	}
	fmt.Fprintln(md)
	bins := []string{*recorder}
	if *before != "" {
		bins = []string{*before, *recorder}
	}
	profileSection(md, run, bins, storm)
}

// stormTime runs the storm (cmd, whose stdout is the storm's -t output)
// and returns the time its calls took.
func stormTime(cmd *exec.Cmd) time.Duration {
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("storm: %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		log.Fatalf("storm printed no time: %q", out)
	}
	sec, err := strconv.ParseFloat(f[len(f)-1], 64)
	if err != nil {
		log.Fatalf("storm's time %q: %v", out, err)
	}
	return time.Duration(sec * float64(time.Second))
}

// stalled reports whether a round waited most of backlog_wait_time (wait,
// in jiffies) for room in the kernel's backlog.
func stalled(all [][]result, wait uint32) bool {
	for _, rs := range all {
		for _, r := range rs {
			if wait > 0 && r.waited >= wait*9/10 {
				return true
			}
		}
	}
	return false
}

func medianResult(rs []result) result {
	c := slices.Clone(rs)
	slices.SortFunc(c, func(a, b result) int { return int(a.took - b.took) })
	m := c[len(c)/2]
	cpus := make([]time.Duration, len(rs))
	for i, r := range rs {
		cpus[i] = r.cpu
	}
	slices.Sort(cpus)
	m.cpu = cpus[len(cpus)/2]
	return m
}

func maxLost(rs []result) uint32 {
	var m uint32
	for _, r := range rs {
		m = max(m, r.lost)
	}
	return m
}

func underNull(run func() time.Duration, bin string, args ...string) (r result) {
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	pid := cmd.Process.Pid
	waitFor("the do-nothing reader's registration", func() bool { return auditStatus().PID == uint32(pid) })
	lost0, cpu0 := auditStatus().Lost, procCPU(pid)
	r.took = run()
	waitFor("the backlog's end", func() bool { return auditStatus().Backlog == 0 })
	time.Sleep(200 * time.Millisecond)
	r.lost = auditStatus().Lost - lost0
	r.cpu = procCPU(pid) - cpu0
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		log.Fatalf("nullreader: %v", err)
	}
	waitFor("the do-nothing reader's exit", func() bool { return auditStatus().PID != uint32(pid) })
	r.delivered, _ = strconv.ParseUint(strings.TrimSpace(out.String()), 10, 64)
	return r
}

func underWatch(run func() time.Duration, group string, flags ...string) result {
	var r result
	dir, err := os.MkdirTemp("", "recorder-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	pid, addr, stop := startWatch(*recorder, dir, group, flags...)
	defer stop()
	lost0, cpu0, got0 := auditStatus().Lost, procCPU(pid), metric(addr, "recorder_records_total")
	r.took = run()
	waitFor("every record at watch", func() bool { return metric(addr, "recorder_records_total")-got0 >= float64(*calls) })
	time.Sleep(1100 * time.Millisecond) // the next status poll
	r.delivered = uint64(metric(addr, "recorder_records_total") - got0)
	r.lost = auditStatus().Lost - lost0
	r.cpu = procCPU(pid) - cpu0
	r.enobufs = metric(addr, "recorder_enobufs_total")
	return r
}

// underRecord records the storm: its CPU is read from /proc while it
// runs, as wait4's would count the storm's too.
func underRecord(profile, storm string) result {
	var r result
	lost0 := auditStatus().Lost
	cmd := exec.Command(*recorder, "record", "-q", "-o", "/dev/null", "--", storm, strconv.Itoa(*calls), "-t")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	pid := cmd.Process.Pid
	for tick := time.NewTicker(20 * time.Millisecond); ; <-tick.C {
		if c := procCPU(pid); c > 0 {
			r.cpu = c
		}
		select {
		case err := <-done:
			tick.Stop()
			if err != nil {
				log.Fatalf("record: %v", err)
			}
			r.lost = auditStatus().Lost - lost0
			f := strings.Fields(out.String())
			if len(f) == 0 {
				log.Fatalf("record: the storm printed no time")
			}
			sec, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				log.Fatalf("record: storm's time %q: %v", out.String(), err)
			}
			r.took = time.Duration(sec * float64(time.Second))
			return r
		default:
		}
	}
}

func underAuditd(run func() time.Duration) result {
	var r result
	path, err := exec.LookPath("auditd")
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(path, "-n")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		waitFor("auditd's exit", func() bool { return auditStatus().PID != uint32(cmd.Process.Pid) })
	}()
	pid := cmd.Process.Pid
	waitFor("auditd's registration", func() bool { return auditStatus().PID == uint32(pid) })
	lost0, cpu0 := auditStatus().Lost, procCPU(pid)
	r.took = run()
	waitFor("the backlog's end", func() bool { return auditStatus().Backlog == 0 })
	time.Sleep(2 * time.Second) // auditd drains its socket
	r.lost = auditStatus().Lost - lost0
	r.cpu = procCPU(pid) - cpu0
	return r
}

func waitFor(what string, cond func() bool) {
	for end := time.Now().Add(3 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			log.Fatalf("timed out waiting for %s", what)
		}
	}
}

// metric returns the sum of a metric's series at addr, or -1.
func metric(addr, name string) float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	sum := 0.0
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, name+"{") || strings.HasPrefix(l, name+" ") {
			v, _ := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
			sum += v
		}
	}
	return sum
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// procCPU returns the user and system time process pid used so far.
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)        // utime, field 14
	st, _ := strconv.ParseInt(f[12], 10, 64)        // stime, field 15
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func auditStatus() libaudit.AuditStatus {
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	st, err := c.GetStatus()
	if err != nil {
		log.Fatal(err)
	}
	return *st
}

func restoreAudit(prev libaudit.AuditStatus) {
	c, err := libaudit.NewAuditClient(nil)
	if err != nil {
		log.Print(err)
		return
	}
	defer c.Close()
	c.SetEnabled(prev.Enabled != 0, libaudit.WaitForReply)
	c.SetBacklogLimit(prev.BacklogLimit, libaudit.WaitForReply)
}

// processExists reports whether process pid runs (the kernel names a
// daemon that was killed until it fails to send to it).
func processExists(pid uint32) bool {
	err := syscall.Kill(int(pid), 0)
	return err == nil || err == syscall.EPERM
}

// takeKernelLock takes the machine-wide lock the kernel tests take
// (internal/testlock), so that no test changes the audit state meanwhile.
func takeKernelLock() *os.File {
	f, err := os.OpenFile("/tmp/recorder-kernel-audit.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		log.Fatal(err)
	}
	return f
}

// ---- formatting and machine facts ----

func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func size(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.0f MB", float64(st.Size())/1e6)
}

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return runtime.GOOS
	}
	return "Linux " + unix.ByteSliceToString(u.Release[:])
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// startWatch starts bin's watch, registered as the audit daemon, writing
// into dir and grouping by group, with flags, and waits until it is registered and
// serves its metrics at addr. stop ends it (SIGTERM) and waits.
func startWatch(bin, dir, group string, flags ...string) (pid int, addr string, stop func()) {
	addr = freeAddr()
	cmd := exec.Command(bin, append([]string{"watch", "--source", "netlink", "-d", dir, "-g", group, "--base", "none",
		"--flush-interval", "5s", "--audit-state-file", "", "--metrics-addr", addr, "--log-level", "warn"}, flags...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	pid = cmd.Process.Pid
	waitFor("watch's registration", func() bool { return auditStatus().PID == uint32(pid) })
	waitFor("watch's metrics", func() bool { return metric(addr, "recorder_lines_total") >= 0 })
	return pid, addr, func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
}
