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
// and QoS class when it is in a pod.
//
// A path can name several containers. The outermost container the runtime
// made owns the process: a process that can make cgroups under its own
// container's (delegation, a privileged container, systemd in a
// container) could move itself to "/docker/<A>/docker/<B>" and otherwise
// add calls to container B's profile. Only a node container's own
// Kubernetes layout nests, one level: a kind node is a Docker or podman
// container in no pod, and its kubelet puts pods under "kubelet" (kind's
// cgroupfs root), "kubelet.slice" (kind's systemd root) or "kubepods" /
// "kubepods.slice" (the kubelet's default), after podman's own "container"
// sub-cgroup; the pod's container there wins, with its pod, and nothing
// nests in it. A container that can make cgroups and is in no pod could
// still lay out such a node path under its own: the path alone cannot
// tell it from kind.
//
// Parsing is pure: Parse takes bytes, and reading /proc is up to the
// caller. Paths are matched by their components, so a path seen from
// inside a cgroup namespace ("0::/../../kubepods/…") is read the same.
//
// A component is a container's cgroup only where a runtime puts one:
//
//   - a scope "cri-containerd-<ID>.scope", "crio-<ID>.scope",
//     "docker-<ID>.scope" or "libpod-<ID>.scope" (the systemd driver);
//   - "crio-<ID>" or "libpod-<ID>" (CRI-O's and podman's cgroupfs names);
//   - a bare "<ID>" only directly under "docker" (Docker's "/docker/<ID>"),
//     directly under a pod's cgroupfs directory "pod<UID>" (the kubelet's
//     ".../pod<UID>/<ID>"), or as the second component of the path (ctr's
//     "/<namespace>/<ID>"; not "/../<namespace>/<ID>", which a cgroup
//     namespace cuts).
//
// A bare ID anywhere else ("/system.slice/foo.service/<ID>", under a pod's
// systemd slice, at the root) is no container, nor is any other hex name
// (a 32-hex process group of the host, say). Nothing at or below a user's
// slice ("user.slice", "user-UID.slice", "user@UID.service") is a
// container, whatever its name: systemd delegates that subtree to the
// user, who could name a cgroup after another container's ID, or lay out a
// fake "kubepods/…/pod<UID>/<ID>" there, and so add calls to that
// container's profile. Rootless containers live there too, and are
// therefore not told from the user's other processes. A path that enters a
// user's slice inside a container (a kind node's own user.slice) is that
// container's.
package cgroup
