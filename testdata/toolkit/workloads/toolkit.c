/*
 * toolkit: the workload of the toolkit's kernel tests. Each argument is an
 * action, done in order; each prints one line.
 *
 *   clone3      start a child as glibc >= 2.34 does (sysdeps/unix/sysv/linux/
 *               clone-internal.c): clone3 first, and clone only when clone3
 *               fails with ENOSYS; any other error is a failure (exit 1).
 *   clone-only  start a child as glibc < 2.34 does: clone alone.
 *   keyctl      ask for the session keyring's id (the runtime default
 *               profile denies keyctl).
 *   unshare     unshare the UTS namespace (denied without CAP_SYS_ADMIN by
 *               the runtime default profile).
 *   late        sleep 1.2 s, then getppid: a call made after startup.
 *
 * Build: gcc -O2 -o toolkit toolkit.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* child waits for a child started fork-like and reports how it went. */
static int child(long pid, const char *how) {
	int st;
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st)) {
		printf("%s: %s\n", how, strerror(errno));
		return 1;
	}
	printf("%s: child exited %d\n", how, WEXITSTATUS(st));
	return 0;
}

static int do_clone(void) {
	return child(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0), "clone");
}

static int do_clone3(void) {
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		_exit(0);
	if (pid < 0 && errno == ENOSYS) {
		printf("clone3: ENOSYS, falling back to clone\n");
		return do_clone();
	}
	if (pid < 0) {
		printf("clone3: %s\n", strerror(errno));
		return 1;
	}
	return child(pid, "clone3");
}

int main(int argc, char **argv) {
	int failed = 0;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "clone3") == 0) {
			failed |= do_clone3();
		} else if (strcmp(a, "clone-only") == 0) {
			failed |= do_clone();
		} else if (strcmp(a, "keyctl") == 0) {
			/* KEYCTL_GET_KEYRING_ID 0, KEY_SPEC_SESSION_KEYRING -3 */
			long r = syscall(SYS_keyctl, 0, -3, 0);
			printf("keyctl: %s\n", r < 0 ? strerror(errno) : "ok");
		} else if (strcmp(a, "unshare") == 0) {
			printf("unshare: %s\n", unshare(CLONE_NEWUTS) < 0 ? strerror(errno) : "ok");
		} else if (strcmp(a, "late") == 0) {
			struct timespec ts = {1, 200000000};
			nanosleep(&ts, NULL);
			printf("late: getppid %s\n", syscall(SYS_getppid) > 0 ? "ok" : strerror(errno));
		} else {
			fprintf(stderr, "toolkit: unknown action %s\n", a);
			return 2;
		}
	}
	return failed;
}
