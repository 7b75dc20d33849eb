// storm makes N getppid calls (default 200000): under a LOG filter it floods
// the kernel log and trips the printk rate limit. With -t it prints the
// seconds the calls took on stdout (make bench's workload time: the
// program's own, without what starts it).
//
//	storm [N [-t]]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int timed = argc > 2 && strcmp(argv[2], "-t") == 0;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (timed)
		printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
