package syscalls_test

import (
	"fmt"

	"github.com/recorder-dev/recorder/syscalls"
)

func ExampleABI() {
	for _, rec := range []struct {
		arch uint32
		nr   int64
	}{{0xc000003e, 17}, {0x40000003, 180}, {0xc000003e, 0x40000000 | 17}, {0xc00000b7, 67}} {
		a, nr, _ := syscalls.ABI(rec.arch, rec.nr)
		name, _ := syscalls.Name(a, nr)
		fmt.Printf("arch=%08x syscall=%d: %s %s\n", rec.arch, rec.nr, a.OCI, name)
	}
	// Output:
	// arch=c000003e syscall=17: SCMP_ARCH_X86_64 pread64
	// arch=40000003 syscall=180: SCMP_ARCH_X86 pread64
	// arch=c000003e syscall=1073741841: SCMP_ARCH_X32 pread64
	// arch=c00000b7 syscall=67: SCMP_ARCH_AARCH64 pread64
}
