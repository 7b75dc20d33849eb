// oddsys makes system calls with numbers that no x86_64 table names: 999
// (beyond every table), -1, and last 0x40000001 (x32's write). The first
// two fail with ENOSYS, but the seccomp filter sees them first, so a LOG
// filter records them. libseccomp's x86_64 filter sends a number with the
// x32 bit to its bad-arch action (KILL_THREAD): the last call kills it.
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	syscall(999);
	syscall(-1);
	syscall(0x40000001);
	return 0;
}
