// Command echo is the recorder's end-to-end workload: a small HTTP server
// that answers every request with a fixed text, like the Kubernetes
// seccomp tutorial's http-echo.
//
//	echo -listen 127.0.0.1:0 -text "just made some syscalls!"
//
// It prints "listening on ADDR" on stdout once it accepts connections, and
// exits 0 on SIGINT or SIGTERM after closing its listener.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5678", "address to listen on")
	text := flag.String("text", "just made some syscalls!", "text to answer")
	flag.Parse()
	if err := serve(*listen, *text); err != nil {
		fmt.Fprintf(os.Stderr, "echo: %v\n", err)
		os.Exit(1)
	}
}

func serve(addr, text string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, text)
	})}
	fmt.Printf("listening on %s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
