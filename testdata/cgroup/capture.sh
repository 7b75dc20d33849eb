#!/usr/bin/env bash
# capture.sh re-captures the real /proc/PID/cgroup fixtures of README.md
# into OUTDIR: for each layout it runs a runc container (Debian's runc, the
# cgroupfs driver: systemd does not run on the test machine) whose
# linux.cgroupsPath is the path that runtime and cgroup driver give a
# container, and copies the container process's /proc/PID/cgroup.
#
#	sudo testdata/cgroup/capture.sh OUTDIR
#
# Needs root, runc and Go (it builds testdata/workloads/echo as the
# container's only file). Every container and cgroup it makes is removed
# on exit, even on failure.
set -euo pipefail

die() { echo "capture.sh: $*" >&2; exit 1; }
[[ $# -eq 1 ]] || die "usage: capture.sh OUTDIR"
[[ $(id -u) -eq 0 ]] || die "must run as root"
command -v runc >/dev/null || die "runc is needed (apt-get install runc)"
mkdir -p "$1"
out=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /tmp/recorder-cgroup.XXXXXX)
ids=()
paths=()
on_exit() {
	local rc=$? id p d
	for id in "${ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1 || true; done
	for p in "${paths[@]}"; do
		for d in /sys/fs/cgroup/*/; do
			local q=$p
			while [[ $q != / && $q != . ]]; do rmdir "$d${q#/}" 2>/dev/null || true; q=$(dirname "$q"); done
		done
	done
	rm -rf "$work"
	exit "$rc"
}
trap on_exit EXIT

mkdir -p "$work/rootfs"
(cd "$here/../.." && CGO_ENABLED=0 go build -o "$work/rootfs/echo" ./testdata/workloads/echo)
(cd "$work" && runc spec)

# The IDs and pod UIDs are fixed so that the fixtures stay the same.
ctr=3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
node=9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544
uid=1b2c3d4e-5f60-4718-89ab-cdef01234567
uidu=${uid//-/_}

layouts=(
	"containerd-cgroupfs-besteffort /kubepods/besteffort/pod$uid/$ctr"
	"containerd-cgroupfs-guaranteed /kubepods/pod$uid/$ctr"
	"containerd-systemd-burstable /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$uidu.slice/cri-containerd-$ctr.scope"
	"containerd-systemd-guaranteed /kubepods.slice/kubepods-pod$uidu.slice/cri-containerd-$ctr.scope"
	"crio-systemd-besteffort /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$uidu.slice/crio-$ctr.scope"
	"crio-cgroupfs-burstable /kubepods/burstable/pod$uid/crio-$ctr"
	"crio-conmon-systemd /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$uidu.slice/crio-conmon-$ctr.scope"
	"docker-cgroupfs /docker/$ctr"
	"docker-systemd /system.slice/docker-$ctr.scope"
	"podman-cgroupfs /libpod_parent/libpod-$ctr"
	"podman-systemd /machine.slice/libpod-$ctr.scope/container"
	"containerd-ctr-cgroupfs /default/$ctr"
	"kind-docker-cgroupfs /docker/$node/kubelet/kubepods/besteffort/pod$uid/$ctr"
	"kind-docker-systemd /system.slice/docker-$node.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod$uidu.slice/cri-containerd-$ctr.scope"
	"kind-podman-systemd /machine.slice/libpod-$node.scope/container/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod$uidu.slice/cri-containerd-$ctr.scope"
)

n=0
for l in "${layouts[@]}"; do
	name=${l%% *} path=${l#* }
	n=$((n + 1))
	id=recorder-capture-$$-$n
	python3 - "$work/config.json" "$path" <<'PY'
import json, sys
f, path = sys.argv[1], sys.argv[2]
s = json.load(open(f))
s["process"]["args"] = ["/echo", "-listen", "127.0.0.1:0"]
s["process"]["terminal"] = False
s["root"]["readonly"] = True
s["linux"]["namespaces"] = [n for n in s["linux"]["namespaces"] if n["type"] != "network"]
s["linux"]["cgroupsPath"] = path
json.dump(s, open(f, "w"), indent=1)
PY
	ids+=("$id")
	paths+=("$path")
	(cd "$work" && runc run -d --pid-file "$work/pid" "$id" >/dev/null)
	cp "/proc/$(cat "$work/pid")/cgroup" "$out/$name.cgroup"
	runc delete -f "$id" >/dev/null
	echo "$name"
done
# A process outside every container: this script's own.
cp /proc/self/cgroup "$out/host.cgroup"
echo host
