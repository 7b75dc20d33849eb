package profilegen

import "github.com/recorder-dev/recorder/audit"

// Arch is one system-call ABI of audit's table: the value the kernel prints
// as a record's arch=, libseccomp's name for it, and its name in OCI
// profiles.
type Arch = audit.Arch

// ABI resolves a record's arch= and syscall= to the ABI that made the call
// and the number within that ABI's table, as audit.ABI does: an x32 call
// (arch=c000003e with bit 0x40000000 set) keeps the bit. ok is false for an
// arch= not in the table, including 0 (records from kernels before 3.16
// have no arch=).
func ABI(auditArch uint32, nr int64) (a Arch, sysnr int64, ok bool) {
	return audit.ABI(auditArch, nr)
}

// ArchByOCI returns the ABI of an OCI architecture name such as
// "SCMP_ARCH_X86_64".
func ArchByOCI(oci string) (Arch, bool) { return audit.ArchByOCI(oci) }

// Companions returns the OCI names of the ABIs usually allowed next to the
// OCI architecture oci (see audit.Arch.Companions), so that a profile
// recorded on one ABI also loads its compat ABIs (the names are resolved per
// ABI by the runtime). It returns a new slice, nil when oci has none.
func Companions(oci string) []string {
	a, ok := audit.ArchByOCI(oci)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range a.Companions() {
		out = append(out, c.OCI)
	}
	return out
}

// hasCompanions reports whether the OCI architecture oci has companions.
func hasCompanions(oci string) bool {
	a, ok := audit.ArchByOCI(oci)
	return ok && len(a.Companions()) > 0
}
