#!/bin/sh
# build.sh OUT: builds the kube binary of this module (CGO_ENABLED=0, as
# upstream's release builds; version stamped as upstream's ldflags do) and
# kine at the version in kine.version into the directory OUT, and links
# each command's name to kube. make kube-tools runs it; this file is part
# of the cache key (internal/kubetest computes the same).
set -eu
out=$1
cd "$(dirname "$0")"
version=$(awk '$1 == "k8s.io/kubernetes" {print $2}' go.mod)
minor=$(echo "$version" | cut -d. -f2)
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ld="$ld -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
CGO_ENABLED=0 ${GO:-go} build -ldflags "$ld" -o "$out/kube" .
CGO_ENABLED=0 GOBIN="$out" ${GO:-go} install -ldflags "-s -w" "github.com/k3s-io/kine@$(cat kine.version)"
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl; do
	ln -sf kube "$out/$c"
done
