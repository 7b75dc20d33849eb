/* storm: a fork storm in a container, as "for i in $(seq N); do /bin/true; done"
 * in a shell would make it: it runs itself N times as "storm" with no
 * argument (which exits at once), one after the other, and prints "N ran".
 * Built static by the tests (gcc -static): the container's root holds it
 * alone. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 0;
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
