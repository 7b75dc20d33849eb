package procev

// procev_bpfel.o is committed: a build needs no clang. Regenerate it after
// changing bpf/procev.c with Debian's clang-14 and llvm-strip-14:
//go:generate clang-14 -O2 -g -target bpfel -Wall -c bpf/procev.c -o procev_bpfel.o
//go:generate llvm-strip-14 -g procev_bpfel.o
