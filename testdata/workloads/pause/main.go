// Command pause is the recorder's stand-in for a pod's pause (sandbox)
// image in the containerd end-to-end test: it sleeps until SIGINT or
// SIGTERM, then exits 0.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
