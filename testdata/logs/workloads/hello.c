// hello writes one line and exits: a small, deterministic workload. Built
// static (and with -m32 for the i386 fixture) it makes only a handful of
// system calls.
#include <unistd.h>

int main(void)
{
	static const char msg[] = "hello\n";
	write(1, msg, sizeof(msg) - 1);
	return 0;
}
