// nullreader is the live storm's floor: an audit daemon that does nothing.
// It registers as the audit daemon (turning auditing on, backlog limit 8192,
// a 128 MiB socket buffer as recorder watch asks), receives every message
// with recv and discards it, and on SIGTERM or SIGINT unregisters, puts the
// enabled flag and the backlog limit back as it found them, and prints the
// records it received on stdout.
//
// With -m it receives as recorder watch does (source/netlink_linux.go): once
// poll says the socket is readable it sleeps 1 ms, then takes what waits
// with recvmmsg, 64 messages a call, until the socket is empty. Its CPU per
// record is then the floor of watch's: the kernel's cost of handing a
// record to a reader that receives that way, and nothing done with it.
//
//	nullreader [-m]
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

// request sends one audit control message and waits for its answer (an
// AUDIT_GET status or the ack); records read meanwhile are discarded.
static int request(int fd, int type, const void *data, size_t len, struct audit_status *st)
{
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	static unsigned seq;
	memset(buf, 0, NLMSG_SPACE(len));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++seq;
	memcpy(NLMSG_DATA(h), data, len);
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	if (sendto(fd, buf, h->nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error) {
					errno = -e->error;
					return -1;
				}
				if (!st)
					return 0;
			} else if (h->nlmsg_type == AUDIT_GET && st) {
				memcpy(st, NLMSG_DATA(h), sizeof *st);
				return 0;
			}
		}
	}
}

// receive_many receives as recorder watch does (-m); it returns the
// records it received.
static unsigned long long receive_many(int fd)
{
	enum { slots = 64, slot_bytes = 16 << 10 };
	static char buf[slots][slot_bytes];
	static struct iovec iov[slots];
	static struct mmsghdr hdrs[slots];
	unsigned long long records = 0;
	for (int i = 0; i < slots; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = slot_bytes;
		hdrs[i].msg_hdr.msg_iov = &iov[i];
		hdrs[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec gather = {0, 1000000};
	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0)
			continue;
		nanosleep(&gather, NULL);
		for (;;) {
			int n = recvmmsg(fd, hdrs, slots, MSG_DONTWAIT, NULL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++)
				if (hdrs[i].msg_len >= NLMSG_HDRLEN && ((struct nlmsghdr *)buf[i])->nlmsg_type >= 1100)
					records++;
			if (n < slots)
				break;
		}
	}
	return records;
}

int main(int argc, char **argv)
{
	int many = argc > 1 && strcmp(argv[1], "-m") == 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	struct sockaddr_nl me = {.nl_family = AF_NETLINK};
	int rcvbuf = 128 << 20;
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
		perror("nullreader: audit socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
	struct audit_status prev, set;
	if (request(fd, AUDIT_GET, "", 0, &prev) < 0) {
		perror("nullreader: audit status");
		return 1;
	}
	if (prev.pid && (kill(prev.pid, 0) == 0 || errno == EPERM)) { // a daemon that is gone is replaced
		fprintf(stderr, "nullreader: an audit daemon (pid %u) is registered\n", prev.pid);
		return 1;
	}
	memset(&set, 0, sizeof set);
	set.mask = AUDIT_STATUS_PID | AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_LIMIT;
	set.pid = getpid();
	set.enabled = 1;
	set.backlog_limit = 8192;
	if (request(fd, AUDIT_SET, &set, sizeof set, NULL) < 0) {
		perror("nullreader: register");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal}; // no SA_RESTART: recv returns EINTR
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	static char buf[1 << 16];
	unsigned long long records = 0;
	if (many)
		records = receive_many(fd);
	while (!stop && !many) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n >= (ssize_t)NLMSG_HDRLEN && ((struct nlmsghdr *)buf)->nlmsg_type >= 1100)
			records++;
		else if (n < 0 && errno != EINTR && errno != ENOBUFS)
			break;
	}
	memset(&set, 0, sizeof set);
	set.mask = AUDIT_STATUS_PID | AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_LIMIT;
	set.pid = 0;
	set.enabled = prev.enabled;
	set.backlog_limit = prev.backlog_limit;
	int err = request(fd, AUDIT_SET, &set, sizeof set, NULL);
	printf("%llu\n", records);
	return err < 0;
}
