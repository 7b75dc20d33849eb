//go:build linux

package audittest

import (
	"os"
	"testing"

	"github.com/recorder-dev/recorder/internal/sandbox"
)

// TestMain lets the test binary serve as the sandbox helper RunLogged starts.
func TestMain(m *testing.M) {
	if sandbox.IsHelper() {
		sandbox.Main()
	}
	os.Exit(m.Run())
}
