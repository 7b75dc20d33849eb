package profiletool

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/syscalls"
)

// dockerDefault is moby/profiles' seccomp/default.json (see
// runtimedefault/README.md for its origin and how it is read).
//
//go:embed runtimedefault/docker-default.json
var dockerDefault []byte

// RuntimeDefaultSource names the profile RuntimeDefault reads.
const RuntimeDefaultSource = "Docker's default profile (moby/profiles seccomp/default.json, cd3bed80)"

// defaultCaps are the capabilities Docker and containerd give a container
// unless told otherwise: moby's oci/caps DefaultCapabilities and
// containerd's oci defaultUnixCaps, the same 14.
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// dockerProfile is Docker's extended profile format.
type dockerProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch string   `json:"architecture"`
		Subs []string `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		specs.LinuxSyscall
		Includes dockerFilter `json:"includes"`
		Excludes dockerFilter `json:"excludes"`
	} `json:"syscalls"`
}

type dockerFilter struct {
	Arches    []string `json:"arches"`
	Caps      []string `json:"caps"`
	MinKernel string   `json:"minKernel"`
}

// RuntimeDefault returns Docker's default profile as the plain OCI profile
// a container gets on a host of the ABI a, with the runtime's default
// capabilities, on a kernel that meets every minKernel (see
// runtimedefault/README.md): the ABIs of a's archMap entry, and the rules
// whose includes and excludes that container meets, without them.
func RuntimeDefault(a syscalls.Arch) (*specs.LinuxSeccomp, error) {
	var d dockerProfile
	if err := json.Unmarshal(dockerDefault, &d); err != nil {
		return nil, fmt.Errorf("runtime default profile: %w", err)
	}
	p := &specs.LinuxSeccomp{DefaultAction: d.DefaultAction, DefaultErrnoRet: d.DefaultErrnoRet,
		Architectures: []specs.Arch{specs.Arch(a.OCI)}}
	for _, m := range d.ArchMap {
		if m.Arch == a.OCI {
			for _, s := range m.Subs {
				p.Architectures = append(p.Architectures, specs.Arch(s))
			}
		}
	}
	for _, r := range d.Syscalls {
		in, ex := r.Includes, r.Excludes
		if len(in.Arches) > 0 && !slices.Contains(in.Arches, a.Name) || slices.Contains(ex.Arches, a.Name) {
			continue
		}
		if !subset(in.Caps, defaultCaps) || slices.ContainsFunc(ex.Caps, func(c string) bool { return slices.Contains(defaultCaps, c) }) {
			continue
		}
		rule := r.LinuxSyscall
		rule.Names = slices.Clone(rule.Names)
		p.Syscalls = append(p.Syscalls, rule)
	}
	return p, nil
}

func subset(s, of []string) bool {
	for _, x := range s {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}
