// actrun runs a command under a seccomp filter loaded with
// SECCOMP_FILTER_FLAG_LOG (SCMP_FLTATR_CTL_LOG): the default action is LOG,
// and one named system call gets a denying action, so that the kernel logs
// the denial too.
//
//	actrun errno|trap|kill_process|kill_thread SYSCALL CMD [ARG...]
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int action(const char *name, uint32_t *act)
{
	if (strcmp(name, "errno") == 0)
		*act = SCMP_ACT_ERRNO(EPERM);
	else if (strcmp(name, "trap") == 0)
		*act = SCMP_ACT_TRAP;
	else if (strcmp(name, "kill_process") == 0)
		*act = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "kill_thread") == 0)
		*act = SCMP_ACT_KILL_THREAD;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t act;
	if (argc < 4 || action(argv[1], &act) < 0) {
		fprintf(stderr, "usage: actrun errno|trap|kill_process|kill_thread SYSCALL CMD [ARG...]\n");
		return 2;
	}
	int nr = seccomp_syscall_resolve_name(argv[2]);
	if (nr == __NR_SCMP_ERROR) {
		fprintf(stderr, "actrun: unknown syscall %s\n", argv[2]);
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_LOG);
	if (ctx == NULL) {
		fprintf(stderr, "actrun: seccomp_init failed\n");
		return 1;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, act, nr, 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0) {
		fprintf(stderr, "actrun: seccomp: %d\n", rc);
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[3], argv + 3);
	perror("actrun: execvp");
	return 127;
}
