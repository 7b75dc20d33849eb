package audit

import "github.com/recorder-dev/recorder/internal/abi"

// Arch is one system-call ABI: the value the kernel prints as a record's
// arch= (Audit), libseccomp's name for it (Name, such as "amd64", "x86",
// "x32", "arm64": what libseccomp-golang's GetArchFromString takes), its
// name in OCI profiles (OCI, such as "SCMP_ARCH_X86_64"), Go's name when a
// native build runs it (GOARCH), and the first number of its calls as the
// kernel prints syscall= (SyscallBase: MIPS 4000/5000/6000, x32's
// X32SyscallBit). Arch values are comparable. The table holds every ABI of
// libseccomp's syscall table and of the OCI runtime-spec; it is shared with
// the recorder's sandbox, hence its home in an internal package.
type Arch = abi.Arch

// X32SyscallBit is __X32_SYSCALL_BIT: x32 calls come in with arch=c000003e,
// as x86_64 calls do, and this bit set in the syscall number.
const X32SyscallBit = abi.X32SyscallBit

// Arches returns every ABI of the table, in a new slice.
func Arches() []Arch { return abi.All() }

// ArchByAudit returns the ABI whose arch= value is v. For c000003e it is
// x86_64: x32 calls print the same arch= and are told by their number (see
// ABI). ok is false for 0 (a record of a kernel before 3.16) and for values
// not in the table.
func ArchByAudit(v uint32) (Arch, bool) { return abi.ByAudit(v) }

// ArchByOCI returns the ABI of an OCI architecture name such as
// "SCMP_ARCH_X86_64".
func ArchByOCI(oci string) (Arch, bool) { return abi.ByOCI(oci) }

// ArchByName returns the ABI of a libseccomp name such as "amd64" or "x86"
// (libseccomp's aliases, such as "x86_64", are not taken).
func ArchByName(name string) (Arch, bool) { return abi.ByName(name) }

// ArchByGOARCH returns the ABI that a Go build for goarch runs, such as
// x86_64 for "amd64".
func ArchByGOARCH(goarch string) (Arch, bool) { return abi.ByGOARCH(goarch) }

// NativeArch returns the ABI of this build (runtime.GOARCH). ok is false for
// a GOARCH with no seccomp ABI in the table (wasm, sparc64, ...).
func NativeArch() (Arch, bool) { return abi.Native() }

// ABI resolves arch= and syscall= to the ABI that made the call and the
// number within that ABI's table. An x32 call (arch=c000003e with
// X32SyscallBit set) keeps the bit: the kernel prints it, libseccomp's x32
// numbers hold it, and it is what a filter sees. An i386 call under a 64-bit
// kernel carries its own arch= (40000003), so the compat= flag is not
// needed. ok is false for an arch= not in the table, including 0 (records
// from kernels before 3.16 have no arch=).
func ABI(arch uint32, nr int64) (a Arch, sysnr int64, ok bool) { return abi.Of(arch, nr) }

// ABI is the package's ABI of the record's Arch and Syscall.
func (r *Record) ABI() (a Arch, nr int64, ok bool) { return ABI(r.Arch, r.Syscall) }
