package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrMalformed: a line of the file is not "ID:CONTROLLERS:PATH".
var ErrMalformed = errors.New("malformed cgroup line")

// Runtime is the container runtime a cgroup path names.
type Runtime string

// The runtimes whose layouts Parse knows. Unknown is a container whose path
// does not name its runtime: the kubelet's cgroupfs layout
// ".../pod<UID>/<ID>" is the same for containerd and cri-dockerd, and
// ctr's "/<namespace>/<ID>" names none.
const (
	Unknown    Runtime = ""
	Containerd Runtime = "containerd"
	CRIO       Runtime = "cri-o"
	Docker     Runtime = "docker"
	Podman     Runtime = "podman"
)

// Driver is the cgroup driver that made a path.
type Driver string

// The cgroup drivers: systemd makes "<unit>.slice/<prefix>-<ID>.scope"
// names, cgroupfs plain directories.
const (
	Cgroupfs Driver = "cgroupfs"
	Systemd  Driver = "systemd"
)

// QoS is a Kubernetes pod's QoS class, as the kubelet names its cgroup.
type QoS string

// The kubelet's QoS classes.
const (
	Guaranteed QoS = "guaranteed"
	Burstable  QoS = "burstable"
	BestEffort QoS = "besteffort"
)

// Container is what a cgroup path tells of the container a process is in.
type Container struct {
	ID      string  // 64 lowercase hex digits
	Runtime Runtime // Unknown when the path does not name it
	Driver  Driver
	PodUID  string // the Kubernetes pod's UID, with dashes; "" outside a pod
	QoS     QoS    // the pod's QoS class; "" outside a pod
	Outer   int    // 1 for a pod's container in a node container (kind), else 0
}

// Short is the first 12 hex digits of the ID, as docker, crictl and
// kubectl show it.
func (c Container) Short() string { return c.ID[:min(len(c.ID), 12)] }

// Parse reads the text of a /proc/PID/cgroup file and returns the container
// the process is in, and false when it is in none. A path's container is
// the one ParsePath says owns it. When the hierarchies disagree, the one that shows the
// most nesting wins; between equals, the v2 hierarchy, then name=systemd,
// then the first line. A line that is not "ID:CONTROLLERS:PATH" is an error
// wrapping ErrMalformed, naming the line; an empty file is in no container.
func Parse(data []byte) (Container, bool, error) {
	var best Container
	found, bestRank := false, -1
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 {
			continue
		}
		id, rest, ok1 := bytes.Cut(line, []byte{':'})
		ctrl, path, ok2 := bytes.Cut(rest, []byte{':'})
		if !ok1 || !ok2 || !digits(id) || len(path) == 0 || path[0] != '/' {
			return Container{}, false, fmt.Errorf("%w: line %d: %q", ErrMalformed, n, cut(line))
		}
		c, ok := ParsePath(string(path))
		if !ok {
			continue
		}
		rank := c.Outer * 4
		switch {
		case string(id) == "0" && len(ctrl) == 0:
			rank += 3
		case string(ctrl) == "name=systemd":
			rank += 2
		}
		if rank > bestRank {
			best, bestRank, found = c, rank, true
		}
	}
	return best, found, nil
}

// ParsePath returns the container that owns a process of one cgroup path,
// with the pod that encloses it, and false when the path holds none. The
// outermost container the runtime made owns the process: a process that
// can make cgroups under its own container's (delegation, a privileged
// container, systemd in a container) can name one after another
// container, and must not write into that container's profile. Only a
// node container's own Kubernetes layout nests (see nodeRoot): a kind
// node, itself a Docker or podman container in no pod, holds its pods'
// containers under "kubelet", "kubepods", "kubelet.slice" or
// "kubepods.slice"; there the pod's container wins, one level deep, and
// nothing nests in it. Nothing at or below a user's slice
// (user.slice, user-UID.slice, user@UID.service) is a container: the user
// names the cgroups there.
func ParsePath(path string) (Container, bool) {
	var out Container
	found := false
	var pod string
	var qos QoS
	parent, parentPod := "", false
	depth := 0      // components read, ".." included
	below := 0      // components read below the outer container
	rooted := false // a node's kubelet root read below it
	for rest := path; rest != ""; {
		var comp string
		comp, rest, _ = strings.Cut(rest, "/")
		if comp == "" || comp == "." {
			continue
		}
		depth++
		if userOwned(comp) {
			break
		}
		if found {
			below++
			if !nests(out, comp, below, &rooted) {
				break
			}
		}
		isPod := false
		if c, ok := container(comp, parent, parentPod, depth); ok {
			c.PodUID, c.QoS = pod, qos
			if found && pod == "" {
				break // a node holds only its pods' containers
			}
			if found {
				c.Outer = 1
				return c, true // nothing nests in a pod's container
			}
			out, found = c, true
			pod, qos = "", "" // a pod of a container nested in this one is its own
		} else if uid, q, ok := podOf(comp, parent); ok {
			pod, qos, isPod = uid, q, !strings.HasSuffix(comp, ".slice")
		}
		parent, parentPod = comp, isPod
	}
	return out, found
}

// nests reports whether comp, the below-th component under the outer
// container outer, keeps the path in a node container's Kubernetes layout,
// and whether that layout's root has been reached (rooted, updated). A
// node container is in no pod. Its first component is the kubelet's
// cgroup root (kind's "kubelet" or "kubelet.slice"; "kubepods" or
// "kubepods.slice" by default), after podman's own "container" sub-cgroup
// when there is one.
func nests(outer Container, comp string, below int, rooted *bool) bool {
	switch {
	case *rooted:
		return true
	case outer.PodUID != "":
		return false
	case below == 1 && comp == "container" && outer.Runtime == Podman:
		return true
	}
	*rooted = nodeRoot(comp)
	return *rooted
}

// nodeRoot reports whether comp is the kubelet's cgroup root inside a node
// container: kind's "kubelet" (cgroupfs) and "kubelet.slice" (systemd), or
// the kubelet's default "kubepods" and "kubepods.slice".
func nodeRoot(comp string) bool {
	switch comp {
	case "kubelet", "kubelet.slice", "kubepods", "kubepods.slice":
		return true
	}
	return false
}

// userOwned reports whether comp is a user's slice or the service of a
// user's systemd instance, under which that user may make and name
// cgroups (delegation): one named after a container's ID, or laid out as
// the kubelet's, says nothing of a container.
func userOwned(comp string) bool {
	return comp == "user.slice" ||
		strings.HasPrefix(comp, "user-") && strings.HasSuffix(comp, ".slice") ||
		strings.HasPrefix(comp, "user@") && strings.HasSuffix(comp, ".service")
}

// scopes are the systemd scope prefixes of container runtimes.
var scopes = []struct {
	prefix  string
	runtime Runtime
}{
	{"cri-containerd-", Containerd},
	{"crio-", CRIO},
	{"docker-", Docker},
	{"libpod-", Podman},
}

// container reports whether the path component comp is a container's own
// cgroup: its parent, whether that parent is a pod's cgroupfs directory,
// and its depth in the path (1: the first component, ".." counted) tell
// where a bare 64-hex ID is one.
func container(comp, parent string, parentPod bool, depth int) (Container, bool) {
	if name, ok := strings.CutSuffix(comp, ".scope"); ok {
		for _, s := range scopes {
			if id, ok := strings.CutPrefix(name, s.prefix); ok && isID(id) {
				return Container{ID: id, Runtime: s.runtime, Driver: Systemd}, true
			}
		}
		return Container{}, false // crio-conmon-ID, libpod-conmon-ID: the runtime's monitor
	}
	if isID(comp) {
		switch {
		case parent == "docker": // Docker's cgroupfs "/docker/<ID>" (a kind node's too)
			return Container{ID: comp, Runtime: Docker, Driver: Cgroupfs}, true
		case parentPod: // the kubelet's cgroupfs ".../pod<UID>/<ID>"
			return Container{ID: comp, Driver: Cgroupfs}, true
		case depth == 2 && parent != "..": // ctr's "/<namespace>/<ID>"
			return Container{ID: comp, Driver: Cgroupfs}, true
		}
		return Container{}, false
	}
	if id, ok := strings.CutPrefix(comp, "crio-"); ok && isID(id) {
		return Container{ID: id, Runtime: CRIO, Driver: Cgroupfs}, true
	}
	if id, ok := strings.CutPrefix(comp, "libpod-"); ok && isID(id) {
		return Container{ID: id, Runtime: Podman, Driver: Cgroupfs}, true
	}
	return Container{}, false
}

// podOf reports whether comp, under parent, is the cgroup of a Kubernetes
// pod: "pod<UID>" under the cgroupfs driver (in "kubepods" for the
// Guaranteed class, else in "kubepods/burstable" or "kubepods/besteffort"),
// "kubepods[-QOS]-pod<UID with underscores>.slice" under systemd (kind
// prefixes it with "kubelet-").
func podOf(comp, parent string) (uid string, qos QoS, ok bool) {
	if name, ok := strings.CutSuffix(comp, ".slice"); ok {
		i := strings.LastIndex(name, "-pod")
		if i < 0 {
			return "", "", false
		}
		uid = strings.ReplaceAll(name[i+len("-pod"):], "_", "-")
		if !isUID(uid) {
			return "", "", false
		}
		switch head := name[:i]; {
		case strings.HasSuffix(head, "kubepods-besteffort"):
			return uid, BestEffort, true
		case strings.HasSuffix(head, "kubepods-burstable"):
			return uid, Burstable, true
		case strings.HasSuffix(head, "kubepods"):
			return uid, Guaranteed, true
		}
		return "", "", false
	}
	uid, ok = strings.CutPrefix(comp, "pod")
	if !ok || !isUID(uid) {
		return "", "", false
	}
	switch parent {
	case "besteffort":
		return uid, BestEffort, true
	case "burstable":
		return uid, Burstable, true
	case "kubepods":
		return uid, Guaranteed, true
	}
	// Read from inside a cgroup namespace the parents may be cut off
	// ("/../pod<UID>/<ID>"): the pod, of a class unknown.
	return uid, "", true
}

// isID: 64 lowercase hex digits, the IDs of containerd, CRI-O, Docker and
// podman.
func isID(s string) bool { return len(s) == 64 && hex(s) }

// isUID: a pod UID, a UUID ("8-4-4-4-12" hex digits), or 32 hex digits
// (a static pod's, the hash of its manifest).
func isUID(s string) bool {
	if len(s) == 32 {
		return hex(s)
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !hex(s[i : i+1]) {
			return false
		}
	}
	return true
}

func hex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func digits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cut shortens a bad line for an error message.
func cut(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
