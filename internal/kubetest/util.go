package kubetest

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"testing"
)

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// moduleRootOf is moduleRoot, failing the test on error.
func moduleRootOf(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Port returns a free port of 127.0.0.1 for a host-network pod.
func Port(t testing.TB) string { return strconv.Itoa(freePort(t)) }
