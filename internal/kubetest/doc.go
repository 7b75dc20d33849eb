// Package kubetest starts a real single-node Kubernetes for the end-to-end
// tests: kube-apiserver on kine (etcd's API on sqlite), with a CA of its
// own, service-account keys, a token file and RBAC; and, for the tests
// that run pods, containerd with its CRI plugin, the kubelet,
// kube-controller-manager and kube-scheduler.
//
// The binaries come from k8s.io/kubernetes and github.com/k3s-io/kine,
// built by "make kube-tools" (test/kube/tools, a module of its own) into a
// cache outside the repository, keyed by the tools' sources. A test that
// needs them fails, never skips, when they are missing, and names the make
// target; "make test" builds them first.
//
// Every test gets its own directories and ports, so tests (and other
// checkouts' tests) run side by side, and everything it started is
// stopped when it ends, even when it failed:
//
//	cp := kubetest.StartControlPlane(t)
//	cp.Kubectl(t, "apply", "-f", "manifest.yaml")
//	client := kubernetes.NewForConfigOrDie(cp.Config)
package kubetest
