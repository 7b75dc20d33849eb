// storm makes N getppid calls (default 200000): under a LOG filter it floods
// the kernel log and trips the printk rate limit.
//
//	storm [N]
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
