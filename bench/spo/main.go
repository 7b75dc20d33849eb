// Command spo replays a log the way the Security Profiles Operator's log
// enricher reads audit lines, for make bench's side-by-side comparison: each
// line goes through the operator's regular expression for seccomp records
// and the distinct syscall numbers are printed, sorted. The expression and
// the use of its captures are copied from
// github.com/kubernetes-sigs/security-profiles-operator
// internal/pkg/daemon/enricher/auditsource/audit.go at commit
// a2e4c4bdf47dc6ce6c4ad3c68ad0d1b0de9f683b (seccompLineRegex,
// extractSeccompLine: FindStringSubmatch per line, at least 5 captures,
// syscall in capture 5). Lines are read with bufio.Scanner, as the
// operator's tail does, one goroutine.
//
//	spo FILE
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
)

// seccompLineRegex is the operator's, verbatim.
var seccompLineRegex = regexp.MustCompile(
	// Fixed audit:.*?type prefix to allow spaces.
	`(type=SECCOMP|audit:.*?type=1326).*?audit\(([^)]+)\).*?pid=(\d+).*?exe="([^"]*)".*?syscall=(\d+).*`,
)

const minSeccompCapturesExpected = 5

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: spo FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	seen := map[int32]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		captures := seccompLineRegex.FindStringSubmatch(sc.Text())
		if len(captures) < minSeccompCapturesExpected {
			continue
		}
		if nr, err := strconv.ParseInt(captures[5], 10, 32); err == nil {
			seen[int32(nr)] = true
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nrs := make([]int32, 0, len(seen))
	for nr := range seen {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	for _, nr := range nrs {
		fmt.Println(nr)
	}
}
