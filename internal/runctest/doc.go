// Package runctest runs real OCI containers with runc for the end-to-end
// tests: bundles whose root filesystem is a few static binaries, started
// with the kubelet's cgroup paths, and removed with their cgroups when the
// test ends, even when it failed. It needs root and runc (Debian package
// runc); a test that uses it fails, never skips, when they are missing.
//
// A container's config is runc's default spec ("runc spec") with its
// network namespace dropped, so that it serves on the host's loopback:
//
//	b := runctest.NewBundle(t, map[string]string{"/echo": runctest.Static(t, "./testdata/workloads/echo", nil)}, "/echo", "-listen", addr)
//	b.Spec.Linux.CgroupsPath = runctest.PodCgroup(runctest.NewUID(), id)
//	r := runctest.New(t)
//	pid := r.Run(t, b, id, log) // log: an *os.File for the container's output
//
// (Example in example_test.go is the same code, compiled with the tests.)
package runctest
