package kubetest

import (
	"crypto/rand"
	"encoding/hex"
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
