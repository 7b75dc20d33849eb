package procev

// procev_bpfel.o is committed: a build needs no clang. Regenerate it after
// changing bpf/procev.c with Debian's clang-14 and llvm-strip-14 (make
// generate-check checks that it is current). -fdebug-compilation-dir=.
// keeps the checkout's path out of the object's BTF, so that any checkout
// makes the same bytes.
//go:generate clang-14 -O2 -g -target bpfel -Wall -fdebug-compilation-dir=. -c bpf/procev.c -o procev_bpfel.o
//go:generate llvm-strip-14 -g procev_bpfel.o
