//go:build linux && cgo

package profilegen

import (
	"fmt"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// resolve asks libseccomp for the name of call nr in its ABI arch.
func resolve(arch string, nr int32) (string, error) {
	sa, err := seccomp.GetArchFromString(arch)
	if err != nil {
		return "", err
	}
	name, err := seccomp.ScmpSyscall(nr).GetNameByArch(sa)
	if err != nil {
		major, minor, micro := seccomp.GetLibraryVersion()
		return "", fmt.Errorf("libseccomp %d.%d.%d: %w", major, minor, micro, err)
	}
	return name, nil
}
