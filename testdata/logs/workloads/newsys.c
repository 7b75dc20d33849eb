// newsys makes the x86_64 system calls numbered 457 to 467, which Linux
// added from 6.8 to 6.16 (statmount, listmount, lsm_get_self_attr,
// lsm_set_self_attr, lsm_list_modules, mseal, setxattrat, getxattrat,
// listxattrat, removexattrat, open_tree_attr) and which Debian 12's
// libseccomp 2.5.4 cannot name. Their arguments are bogus: each call fails
// (EFAULT, EINVAL, ...), but the seccomp filter sees it first, so a LOG
// filter records it.
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	for (long nr = 457; nr <= 467; nr++)
		syscall(nr, -1L, 0L, 0L, 0L, 0L, 0L);
	return 0;
}
