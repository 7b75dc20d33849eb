package sandbox

import (
	"encoding/binary"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// seccompDataLen is the size of struct seccomp_data: nr, arch,
// instruction_pointer, args[6].
const seccompDataLen = 16 + 8*maxArgs

// seccompData is struct seccomp_data as a BPF program sees it: each 32-bit
// word with its native value. The words are stored big-endian, the byte
// order of x/net/bpf's loads (the kernel loads seccomp_data natively).
func seccompData(nr int32, arch uint32, args [maxArgs]uint64) []byte {
	b := make([]byte, seccompDataLen)
	binary.NativeEndian.PutUint32(b[0:], uint32(nr))
	binary.NativeEndian.PutUint32(b[4:], arch)
	for i, a := range args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	for off := 0; off < len(b); off += 4 {
		binary.BigEndian.PutUint32(b[off:], binary.NativeEndian.Uint32(b[off:]))
	}
	return b
}

// runBPF runs a seccomp program over data with x/net/bpf's VM and returns
// the SECCOMP_RET_* value. ok is false for a program the kernel's seccomp
// checker would refuse, or that x/net/bpf cannot run.
func runBPF(prog []unix.SockFilter, data []byte) (ret uint32, ok bool) {
	raw := make([]bpf.RawInstruction, len(prog))
	for i, in := range prog {
		if !seccompLoad(in) {
			return 0, false
		}
		raw[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	insts, decoded := bpf.Disassemble(raw)
	if !decoded {
		return 0, false
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		return 0, false
	}
	out, err := vm.Run(data)
	if err != nil {
		return 0, false
	}
	return uint32(out), true
}

// seccompLoad applies the kernel's rule for loads (seccomp_check_filter):
// of the packet-style loads only aligned 32-bit words of seccomp_data.
func seccompLoad(in unix.SockFilter) bool {
	switch in.Code & 0x07 {
	case unix.BPF_LD:
		switch in.Code & 0xe0 {
		case unix.BPF_ABS:
			return in.Code&0x18 == unix.BPF_W && in.K%4 == 0 && in.K < seccompDataLen
		case unix.BPF_IND, unix.BPF_MSH:
			return false
		}
	case unix.BPF_LDX:
		return in.Code&0xe0 != unix.BPF_MSH
	}
	return true
}
