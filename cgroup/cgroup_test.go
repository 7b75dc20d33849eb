package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	ctr  = "3f4e0a1c2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
	node = "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544"
	uid  = "1b2c3d4e-5f60-4718-89ab-cdef01234567"
)

// TestFixtures reads the real /proc/PID/cgroup files of runc containers on
// this machine, one per runtime and driver layout (see
// testdata/cgroup/README.md). Every fixture must be there and be tested.
func TestFixtures(t *testing.T) {
	want := map[string]struct {
		c  Container
		ok bool
	}{
		"containerd-cgroupfs-besteffort": {Container{ID: ctr, Driver: Cgroupfs, PodUID: uid, QoS: BestEffort}, true},
		"containerd-cgroupfs-guaranteed": {Container{ID: ctr, Driver: Cgroupfs, PodUID: uid, QoS: Guaranteed}, true},
		"containerd-systemd-burstable":   {Container{ID: ctr, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: Burstable}, true},
		"containerd-systemd-guaranteed":  {Container{ID: ctr, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: Guaranteed}, true},
		"crio-systemd-besteffort":        {Container{ID: ctr, Runtime: CRIO, Driver: Systemd, PodUID: uid, QoS: BestEffort}, true},
		"crio-cgroupfs-burstable":        {Container{ID: ctr, Runtime: CRIO, Driver: Cgroupfs, PodUID: uid, QoS: Burstable}, true},
		"crio-conmon-systemd":            {Container{}, false}, // conmon, CRI-O's monitor: not the container
		"docker-cgroupfs":                {Container{ID: ctr, Runtime: Docker, Driver: Cgroupfs}, true},
		"docker-systemd":                 {Container{ID: ctr, Runtime: Docker, Driver: Systemd}, true},
		"podman-cgroupfs":                {Container{ID: ctr, Runtime: Podman, Driver: Cgroupfs}, true},
		"podman-systemd":                 {Container{ID: ctr, Runtime: Podman, Driver: Systemd}, true},
		"containerd-ctr-cgroupfs":        {Container{ID: ctr, Driver: Cgroupfs}, true},
		"kind-docker-cgroupfs":           {Container{ID: ctr, Driver: Cgroupfs, PodUID: uid, QoS: BestEffort, Outer: 1}, true},
		"kind-docker-systemd":            {Container{ID: ctr, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: BestEffort, Outer: 1}, true},
		"kind-podman-systemd":            {Container{ID: ctr, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: Burstable, Outer: 1}, true},
		"host":                           {Container{}, false}, // the capture script's own process
	}
	files, err := filepath.Glob("../testdata/cgroup/*.cgroup")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in ../testdata/cgroup: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".cgroup")
		seen[name] = true
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: a fixture without an expectation", f)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, found, err := Parse(data)
		if err != nil || found != w.ok || c != w.c {
			t.Errorf("%s: Parse = %+v, %v, %v; want %+v, %v", name, c, found, err, w.c, w.ok)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("fixture %s.cgroup is missing", name)
		}
	}
}

// TestParse covers what the machine cannot produce: a pure v2 or pure v1
// host, hierarchies that disagree, paths seen from a cgroup namespace,
// near misses. These lines are hand-made from the formats of cgroups(7)
// and the runtimes' documented cgroup names.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Container
		ok       bool
	}{
		{"v2 only", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + strings.ReplaceAll(uid, "-", "_") + ".slice/cri-containerd-" + ctr + ".scope\n",
			Container{ID: ctr, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: Burstable}, true},
		{"v1 only, no newline at the end", "4:memory:/docker/" + ctr + "\n1:cpu:/docker/" + ctr,
			Container{ID: ctr, Runtime: Docker, Driver: Cgroupfs}, true},
		{"cgroup namespace", "0::/../../kubepods/besteffort/pod" + uid + "/" + ctr + "\n",
			Container{ID: ctr, Driver: Cgroupfs, PodUID: uid, QoS: BestEffort}, true},
		{"the v2 line shows the node only: the deeper line wins",
			"4:memory:/docker/" + node + "/kubepods/burstable/pod" + uid + "/" + ctr + "\n0::/docker/" + node + "\n",
			Container{ID: ctr, Driver: Cgroupfs, PodUID: uid, QoS: Burstable, Outer: 1}, true},
		{"equal depth: v2 wins", "4:memory:/docker/" + node + "\n0::/system.slice/docker-" + ctr + ".scope\n",
			Container{ID: ctr, Runtime: Docker, Driver: Systemd}, true},
		{"equal depth: name=systemd before other v1", "4:memory:/docker/" + node + "\n9:name=systemd:/docker/" + ctr + "\n",
			Container{ID: ctr, Runtime: Docker, Driver: Cgroupfs}, true},
		{"cgroup namespace that cuts the QoS off", "0::/../pod" + uid + "/" + ctr + "\n",
			Container{ID: ctr, Driver: Cgroupfs, PodUID: uid}, true},
		{"static pod UID (32 hex)", "0::/kubepods/pod0123456789abcdef0123456789abcdef/" + ctr + "\n",
			Container{ID: ctr, Driver: Cgroupfs, PodUID: "0123456789abcdef0123456789abcdef", QoS: Guaranteed}, true},
		{"pod slice without a container (the pod's own cgroup)", "0::/kubepods.slice/kubepods-pod" + strings.ReplaceAll(uid, "-", "_") + ".slice\n", Container{}, false},
		{"32-hex host group", "4:memory:/process_api/785dc1b3c3f35274e5193d421b2fbefa\n0::/\n", Container{}, false},
		{"uppercase hex is no ID", "0::/docker/" + strings.ToUpper(ctr) + "\n", Container{}, false},
		{"63 hex digits", "0::/docker/" + ctr[1:] + "\n", Container{}, false},
		{"libpod-conmon", "0::/machine.slice/libpod-conmon-" + ctr + ".scope\n", Container{}, false},
		{"user slice", "0::/user.slice/user-1000.slice/session-3.scope\n", Container{}, false},
		{"empty", "", Container{}, false},
		// A bare ID is a container only where a runtime puts one: under a
		// pod's cgroupfs directory, under docker, or as ctr's
		// "/<namespace>/<ID>".
		{"bare ID under a service", "0::/system.slice/foo.service/" + ctr + "\n", Container{}, false},
		{"bare ID under a pod slice", "0::/kubepods.slice/kubepods-pod" + strings.ReplaceAll(uid, "-", "_") + ".slice/" + ctr + "\n", Container{}, false},
		{"bare ID at the root", "0::/" + ctr + "\n", Container{}, false},
		{"bare ID two levels down", "0::/a/b/" + ctr + "\n", Container{}, false},
		{"bare ID under a namespace seen from a cgroup namespace", "0::/../default/" + ctr + "\n", Container{}, false},
		{"bare ID under an outer container's namespace-like name", "0::/docker/" + node + "/default/" + ctr + "\n",
			Container{ID: node, Runtime: Docker, Driver: Cgroupfs}, true},
		// Hostile: a user's delegated subtree (systemd --user) named after a
		// victim container's ID, or shaped as a runtime's or the kubelet's
		// layout. The user names every cgroup under user@UID.service: none is
		// a container.
		{"user's delegated subtree named after a container", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/" + ctr + "\n", Container{}, false},
		{"fake ctr namespace in a user's subtree", "0::/user.slice/user-1000.slice/user@1000.service/default/" + ctr + "\n", Container{}, false},
		{"fake docker in a user's subtree", "0::/user.slice/user-1000.slice/user@1000.service/docker/" + ctr + "\n", Container{}, false},
		{"fake kubepods pod in a user's subtree", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/kubepods/besteffort/pod" + uid + "/" + ctr + "\n", Container{}, false},
		{"fake kubepods slices in a user's subtree", "0::/user.slice/user-1000.slice/user@1000.service/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
			strings.ReplaceAll(uid, "-", "_") + ".slice/cri-containerd-" + ctr + ".scope\n", Container{}, false},
		{"fake scope in a user's subtree", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" + ctr + ".scope\n", Container{}, false},
		{"fake crio- in a user's session", "0::/user.slice/user-1000.slice/session-3.scope/crio-" + ctr + "\n", Container{}, false},
		{"fake kubepods in a user's subtree, v1 lines too", "9:name=systemd:/user.slice/user-1000.slice/user@1000.service/kubepods/pod" + uid + "/" + ctr +
			"\n4:memory:/user.slice/user-1000.slice/user@1000.service/kubepods/pod" + uid + "/" + ctr + "\n0::/user.slice/user-1000.slice/user@1000.service/kubepods/pod" + uid + "/" + ctr + "\n",
			Container{}, false},
		{"user's subtree seen from a cgroup namespace", "0::/../../user.slice/user-1000.slice/user@1000.service/docker/" + ctr + "\n", Container{}, false},
		{"a user's subtree inside a kind node: the node's", "0::/system.slice/docker-" + node + ".scope/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" + ctr + ".scope\n",
			Container{ID: node, Runtime: Docker, Driver: Systemd}, true},
	} {
		c, ok, err := Parse([]byte(tc.in))
		if err != nil || ok != tc.ok || c != tc.want {
			t.Errorf("%s: Parse = %+v, %v, %v; want %+v, %v", tc.name, c, ok, err, tc.want, tc.ok)
		}
	}
}

// TestNesting states who owns a process whose path names two containers.
// The outermost container the runtime made owns it, unless that container
// is a node (in no pod) and the path continues in its kubelet's layout
// ("kubelet", "kubelet.slice", "kubepods", "kubepods.slice", after
// podman's "container"): then the pod's container there owns it, and
// nothing nests in that one. The escapes are what a process that can make
// cgroups under its own container's (delegation, privileged,
// systemd-in-container) can make: hand-made lines, the machine's runtimes
// do not make them. The kind paths are those of the fixtures.
func TestNesting(t *testing.T) {
	const (
		a = node // the container the process really is in
		b = ctr  // the container it names
	)
	us := strings.ReplaceAll(uid, "-", "_")
	podA := "/kubepods/besteffort/pod" + uid + "/" + a
	outer := map[string]Container{
		"docker": {ID: a, Runtime: Docker, Driver: Cgroupfs},
		"scope":  {ID: a, Runtime: Docker, Driver: Systemd},
		"pod":    {ID: a, Driver: Cgroupfs, PodUID: uid, QoS: BestEffort},
	}
	inner := func(c Container) Container { c.Outer = 1; return c }
	for _, tc := range []struct {
		name, path string
		want       Container
	}{
		// Escapes: the outer container owns the process.
		{"docker in docker", "/docker/" + a + "/docker/" + b, outer["docker"]},
		{"a scope in a scope", "/system.slice/docker-" + a + ".scope/docker-" + b + ".scope", outer["scope"]},
		{"cri-containerd scope in docker", "/docker/" + a + "/x.slice/cri-containerd-" + b + ".scope", outer["docker"]},
		{"crio in a scope", "/system.slice/docker-" + a + ".scope/crio-" + b, outer["scope"]},
		{"docker in a pod's container", podA + "/docker/" + b, outer["pod"]},
		{"a node layout in a pod's container", podA + "/kubepods/besteffort/pod" + uid + "/" + b, outer["pod"]},
		{"kubelet root with no pod", "/docker/" + a + "/kubelet/docker/" + b, outer["docker"]},
		{"kubelet root deeper than the first level", "/docker/" + a + "/x/kubepods/besteffort/pod" + uid + "/" + b, outer["docker"]},
		{"podman's container sub-cgroup under docker", "/docker/" + a + "/container/kubepods/besteffort/pod" + uid + "/" + b, outer["docker"]},
		{"in a kind pod's container, another container",
			"/docker/" + a + "/kubelet/kubepods/besteffort/pod" + uid + "/" + b + "/docker/" + node,
			inner(Container{ID: b, Driver: Cgroupfs, PodUID: uid, QoS: BestEffort})},
		// A node container's kubelet layout: the pod's container owns it.
		{"kind, cgroupfs", "/docker/" + a + "/kubelet/kubepods/besteffort/pod" + uid + "/" + b,
			inner(Container{ID: b, Driver: Cgroupfs, PodUID: uid, QoS: BestEffort})},
		{"node, the kubelet's default root", "/docker/" + a + "/kubepods/burstable/pod" + uid + "/" + b,
			inner(Container{ID: b, Driver: Cgroupfs, PodUID: uid, QoS: Burstable})},
		{"kind, systemd", "/system.slice/docker-" + a + ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" + us + ".slice/cri-containerd-" + b + ".scope",
			inner(Container{ID: b, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: Guaranteed})},
		{"kind in podman, systemd", "/machine.slice/libpod-" + a + ".scope/container/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" + us + ".slice/cri-containerd-" + b + ".scope",
			inner(Container{ID: b, Runtime: Containerd, Driver: Systemd, PodUID: uid, QoS: Guaranteed})},
		{"node, the kubelet's default systemd root", "/system.slice/docker-" + a + ".scope/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + us + ".slice/crio-" + b + ".scope",
			inner(Container{ID: b, Runtime: CRIO, Driver: Systemd, PodUID: uid, QoS: BestEffort})},
		{"a node's own process outside its pods", "/system.slice/docker-" + a + ".scope/system.slice/containerd.service", outer["scope"]},
	} {
		c, ok := ParsePath(tc.path)
		if !ok || c != tc.want {
			t.Errorf("%s: ParsePath(%q) = %+v, %v; want %+v", tc.name, tc.path, c, ok, tc.want)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, in := range []string{
		"garbage\n",
		"0:/kubepods\n",
		"x::/\n",
		"0::relative\n",
		"0::\n",
		"4:memory:/docker/" + ctr + "\nnot a line\n",
	} {
		_, _, err := Parse([]byte(in))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) err = %v, want ErrMalformed", in, err)
		}
	}
}

func TestShort(t *testing.T) {
	if s := (Container{ID: ctr}).Short(); s != "3f4e0a1c2b5d" {
		t.Errorf("Short = %q", s)
	}
}
