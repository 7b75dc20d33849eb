/* storm: a fork storm in a container, as "for i in $(seq N); do /bin/true; done"
 * in a shell would make it: it runs itself N times as "storm" with no
 * argument (which exits at once), one after the other, and prints "N ran".
 * Built static by the tests (gcc -static): the container's root holds it
 * alone.
 * "storm sync" loads a filter that logs every call (SECCOMP_RET_LOG), calls
 * sync(2) and exits: a host process whose records show sync. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 0;
	if (strcmp(argv[1], "sync") == 0) {
		struct sock_filter log_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG)};
		struct sock_fprog prog = {.len = 1, .filter = log_all};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
			perror("seccomp");
			return 1;
		}
		sync();
		return 0;
	}
	int n = atoi(argv[1]);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			char *args[] = {argv[0], NULL};
			execv(argv[0], args);
			_exit(127);
		}
		int status;
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "run %d failed\n", i);
			return 1;
		}
	}
	printf("%d ran\n", n);
	return 0;
}
