// Command probe is a workload of the recorder's Kubernetes end-to-end
// test: after -after, it asks the kernel for its load (sysinfo) and its
// scheduling priority (getpriority), calls neither the Go runtime nor runc
// makes when a container starts or serves, and prints them; with -stay it
// then waits for SIGTERM, else it exits 0. A profile that holds those two
// calls has recorded what it did after the delay.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	after := flag.Duration("after", 0, "wait this long first")
	stay := flag.Bool("stay", false, "then wait for SIGTERM")
	flag.Parse()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	fmt.Println("started")
	select {
	case <-time.After(*after):
	case <-sig:
		return
	}
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err != nil {
		fmt.Fprintln(os.Stderr, "sysinfo:", err)
		os.Exit(1)
	}
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "getpriority:", err)
		os.Exit(1)
	}
	fmt.Printf("procs %d priority %d\n", info.Procs, prio)
	if *stay {
		<-sig
	}
}
