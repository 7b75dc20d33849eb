package cgroup_test

import (
	"fmt"

	"github.com/recorder-dev/recorder/cgroup"
)

// A pod's container under kind: the node is a Docker container, and the
// pod's path (systemd driver) nests in its kubelet's layout: the pod's container
// owns the process.
func ExampleParse() {
	data := []byte("0::/system.slice/docker-9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544.scope" +
		"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice" +
		"/kubelet-kubepods-besteffort-pod1b2c3d4e_5f60_4718_89ab_cdef01234567.slice" +
		"/cri-containerd-3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7.scope\n")
	c, ok, err := cgroup.Parse(data)
	fmt.Println(ok, err)
	fmt.Println(c.Short(), c.Runtime, c.Driver, c.PodUID, c.QoS, c.Outer)
	// Output:
	// true <nil>
	// 3f4e0a1c2b5d containerd systemd 1b2c3d4e-5f60-4718-89ab-cdef01234567 besteffort 1
}
