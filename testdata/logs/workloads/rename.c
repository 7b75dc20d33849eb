// rename gives itself each name in turn with prctl(PR_SET_NAME) and makes a
// getppid call under that name, so that the kernel logs a record whose comm=
// is the chosen name. With -u first, it unlinks its own executable before
// renaming, so exe= reads "... (deleted)".
//
//	rename [-u] NAME...
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1;
	if (argc > 1 && strcmp(argv[1], "-u") == 0) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0) {
			perror("rename: readlink");
			return 1;
		}
		self[n] = '\0';
		if (unlink(self) < 0) {
			perror("rename: unlink");
			return 1;
		}
		i = 2;
	}
	syscall(SYS_getppid);
	for (; i < argc; i++) {
		if (prctl(PR_SET_NAME, argv[i], 0, 0, 0) < 0) {
			perror("rename: prctl");
			return 1;
		}
		syscall(SYS_getppid);
	}
	return 0;
}
