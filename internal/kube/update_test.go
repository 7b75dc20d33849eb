package kube

// This package's tests have no golden file; the test binary takes -update
// all the same, as every one of the module's does, so that
// go test ./... -update runs (see package golden).
import _ "github.com/recorder-dev/recorder/internal/golden"
