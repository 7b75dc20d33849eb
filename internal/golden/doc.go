// Package golden compares a test's output with its golden file under
// testdata, and rewrites the file instead when the test binary runs with
// -update (go test ./... -update). It registers -update, once, for every
// test binary of the module: a package whose tests have no golden file
// imports it all the same (update_test.go), so that -update is a flag of
// every test binary and go test ./... -update runs.
package golden
