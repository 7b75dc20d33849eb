package sandbox

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// seccompData is struct seccomp_data in host byte order: nr, arch,
// instruction_pointer, args[6].
func seccompData(nr int32, arch uint32, args [maxArgs]uint64) []byte {
	b := make([]byte, 16+8*maxArgs)
	binary.NativeEndian.PutUint32(b[0:], uint32(nr))
	binary.NativeEndian.PutUint32(b[4:], arch)
	for i, a := range args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// runBPF runs a classic BPF seccomp program over data as the kernel does
// and returns the SECCOMP_RET_* value. ok is false for an instruction the
// kernel's seccomp checker would refuse or a fault (a load out of data, a
// jump out of the program, a division by zero: the kernel kills for those).
// Classic BPF jumps only forward, so it runs at most len(prog) steps.
func runBPF(prog []unix.SockFilter, data []byte) (ret uint32, ok bool) {
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code & 0x07 {
		case unix.BPF_LD, unix.BPF_LDX:
			v, ok := bpfLoad(in, data, &mem, x)
			if !ok {
				return 0, false
			}
			if in.Code&0x07 == unix.BPF_LD {
				a = v
			} else {
				x = v
			}
		case unix.BPF_ST, unix.BPF_STX:
			if in.K >= uint32(len(mem)) {
				return 0, false
			}
			mem[in.K] = x
			if in.Code&0x07 == unix.BPF_ST {
				mem[in.K] = a
			}
		case unix.BPF_ALU:
			if a, ok = bpfALU(in, a, x); !ok {
				return 0, false
			}
		case unix.BPF_JMP:
			if pc, ok = bpfJump(in, pc, a, x); !ok || pc+1 >= len(prog) {
				return 0, false
			}
		case unix.BPF_RET:
			if in.Code&0x18 == unix.BPF_A {
				return a, true
			}
			return in.K, true
		case unix.BPF_MISC:
			if in.Code&0xf8 == unix.BPF_TXA {
				a = x
			} else {
				x = a
			}
		}
	}
	return 0, false
}

func bpfLoad(in unix.SockFilter, data []byte, mem *[16]uint32, x uint32) (uint32, bool) {
	if in.Code&0x18 != unix.BPF_W {
		return 0, false
	}
	switch in.Code & 0xe0 {
	case unix.BPF_IMM:
		return in.K, true
	case unix.BPF_MEM:
		if in.K >= uint32(len(mem)) {
			return 0, false
		}
		return mem[in.K], true
	case unix.BPF_LEN:
		return uint32(len(data)), true
	case unix.BPF_ABS:
		if in.K%4 != 0 || uint64(in.K)+4 > uint64(len(data)) {
			return 0, false
		}
		return binary.NativeEndian.Uint32(data[in.K:]), true
	}
	return 0, false
}

func bpfALU(in unix.SockFilter, a, x uint32) (uint32, bool) {
	v := in.K
	if in.Code&0x08 == unix.BPF_X {
		v = x
	}
	switch in.Code & 0xf0 {
	case unix.BPF_ADD:
		return a + v, true
	case unix.BPF_SUB:
		return a - v, true
	case unix.BPF_MUL:
		return a * v, true
	case unix.BPF_DIV:
		return a / max(v, 1), v != 0
	case unix.BPF_MOD:
		return a % max(v, 1), v != 0
	case unix.BPF_OR:
		return a | v, true
	case unix.BPF_AND:
		return a & v, true
	case unix.BPF_XOR:
		return a ^ v, true
	case unix.BPF_LSH:
		return a << (v & 31), true
	case unix.BPF_RSH:
		return a >> (v & 31), true
	case unix.BPF_NEG:
		return -a, true
	}
	return 0, false
}

// bpfJump returns the index of the instruction before the next one to run.
func bpfJump(in unix.SockFilter, pc int, a, x uint32) (int, bool) {
	v := in.K
	if in.Code&0x08 == unix.BPF_X {
		v = x
	}
	var taken bool
	switch in.Code & 0xf0 {
	case unix.BPF_JA:
		return pc + int(in.K), true
	case unix.BPF_JEQ:
		taken = a == v
	case unix.BPF_JGT:
		taken = a > v
	case unix.BPF_JGE:
		taken = a >= v
	case unix.BPF_JSET:
		taken = a&v != 0
	default:
		return 0, false
	}
	if taken {
		return pc + int(in.Jt), true
	}
	return pc + int(in.Jf), true
}
