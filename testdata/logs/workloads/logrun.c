// logrun runs a command under a seccomp filter whose default action is
// SCMP_ACT_LOG, so that every system call the command makes (after the
// filter is loaded) leaves a type=1326 record in the kernel log. The filter
// covers the x86 (i386) ABI too: without it, a 32-bit program is killed on
// its first call by the filter's bad-arch action.
//
//	logrun CMD [ARG...]
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: logrun CMD [ARG...]\n");
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_LOG);
	if (ctx == NULL) {
		fprintf(stderr, "logrun: seccomp_init failed\n");
		return 1;
	}
	int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0) {
		fprintf(stderr, "logrun: seccomp_load: %d\n", rc);
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	perror("logrun: execvp");
	return 127;
}
