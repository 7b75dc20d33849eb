// Package cgroup tells which container a process runs in from the text of
// its /proc/PID/cgroup, as the kernel writes it: one line per hierarchy,
// "ID:CONTROLLERS:PATH", cgroup v1 controllers and the v2 hierarchy
// ("0::PATH") alike. On a hybrid host, as under runc with the kubelet's
// cgroupfs layout, it reads
//
//	9:name=systemd:/kubepods/besteffort/pod1b2c3d4e-5f60-4718-89ab-cdef01234567/3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
//	4:memory:/kubepods/besteffort/pod1b2c3d4e-5f60-4718-89ab-cdef01234567/3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
//	0::/kubepods/besteffort/pod1b2c3d4e-5f60-4718-89ab-cdef01234567/3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
//
// and under the systemd driver the same container is
//
//	0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_5f60_4718_89ab_cdef01234567.slice/cri-containerd-3f4e….scope
//
// Parse returns the Container: its 64-hex ID, the runtime the path names
// (containerd's cri-containerd-, CRI-O's crio-, Docker's docker- and
// /docker/, podman's libpod-), the cgroup driver, and the Kubernetes pod UID
// and QoS class when it is in a pod. A path can hold several containers: a
// kind node is itself a container, and its pods' paths nest in it. The
// innermost container wins, with the pod that encloses it.
//
// Parsing is pure: Parse takes bytes, and reading /proc is up to the
// caller. Paths are matched by their components, so a path seen from
// inside a cgroup namespace ("0::/../../kubepods/…") is read the same. A
// 64-hex component is a container only where a runtime puts one; other
// hex names (a 32-hex process group of the host, say) are not.
package cgroup
