package profilegen

import (
	"slices"
	"testing"
)

func TestCompanions(t *testing.T) {
	for _, tt := range []struct {
		oci  string
		want []string
	}{
		{"SCMP_ARCH_X86_64", []string{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
		{"SCMP_ARCH_AARCH64", []string{"SCMP_ARCH_ARM"}},
		{"SCMP_ARCH_MIPS64", []string{"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
		{"SCMP_ARCH_MIPSEL64", []string{"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
		{"SCMP_ARCH_S390X", []string{"SCMP_ARCH_S390"}},
		{"SCMP_ARCH_PPC64LE", nil},
		{"SCMP_ARCH_RISCV64", nil},
		{"SCMP_ARCH_X86", nil},
	} {
		got := companions(tt.oci)
		if !slices.Equal(got, tt.want) {
			t.Errorf("companions(%s) = %q; want %q", tt.oci, got, tt.want)
		}
	}
	c := companions("SCMP_ARCH_X86_64")
	c[0] = "changed"
	if companions("SCMP_ARCH_X86_64")[0] != "SCMP_ARCH_X86" {
		t.Error("Companions returned the shared table")
	}
}
