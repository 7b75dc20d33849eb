//go:build !linux || !cgo

package profilegen

import (
	"errors"
	"testing"
)

func TestNameWithoutLibseccomp(t *testing.T) {
	a, nr, _ := ABI(0xc000003e, 0)
	if _, err := Name(a, nr); !errors.Is(err, ErrUnknownSyscall) || !errors.Is(err, errNoLibseccomp) {
		t.Errorf("Name without libseccomp: %v; want ErrUnknownSyscall", err)
	}
}
