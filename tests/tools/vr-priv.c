// SPDX-License-Identifier: GPL-2.0
/*
 * vr-priv: what an unprivileged or careless user would try, for the
 * hardening selftests (tests/vr/hardening.sh).
 *
 *   vr-priv as UID [-n|-k] -- CMD [ARG...]
 *	Become UID (and GID UID, no supplementary groups), then exec CMD.
 *	With -n, then also unshare a user and a network namespace, in which
 *	UID is root (uid_map "0 UID 1"), and bring lo up: what any user may
 *	do on a kernel with unprivileged user namespaces. With -k, keep the
 *	permitted capabilities (and run CMD with them ambient): a process of
 *	UID that others of UID may not ptrace.
 *   vr-priv bind6 udp|tcp ADDR[%IF] PORT
 *	Bind an AF_INET6 socket to ADDR (e.g. ::ffff:127.0.0.1) and PORT.
 *   vr-priv deputy UID VR
 *	A child becomes UID and opens its own /proc/self/vr for writing, then
 *	hands the descriptor (SCM_RIGHTS) to this process, which is privileged
 *	and writes VR to it. Prints the write's result, then the child's VR.
 *   vr-priv netns VR OTHER
 *	Write VR to /proc/self/vr and print it, and a forked child's; then,
 *	each time from VR VR of the first namespace: unshare(CLONE_NEWNET);
 *	setns() to the network namespace OTHER (a path such as
 *	/run/netns/NAME); a child made by clone(CLONE_NEWNET): each prints its
 *	VR.
 *   vr-priv write PATH VALUE
 *	open(PATH, O_WRONLY) and write VALUE to it, as one write(2).
 *   vr-priv enter PID -- CMD [ARG...]
 *	Enter the user and then the network namespace of PID (setns(2), no
 *	setgroups(2), unlike nsenter) and exec CMD.
 *   vr-priv vrs N
 *	Create VRs 1, 2, ... N through one generic netlink socket, stopping
 *	at the first refusal; print how many were created and the refusal.
 *   vr-priv hold udp|tcp [-s VR] [-0]
 *	Create a socket and leave it unbound; with -s, move it to VR with
 *	SO_VR; with -0, then move this task to VR 0 (/proc/self/vr). Print
 *	"ready" (or the step that failed) and wait to be killed.
 *
 * Results are printed as "ok" or "error: <errno name>" (one line per step
 * for deputy and netns, prefixed by the step's name).
 *
 * Exit: 0 when every step succeeded, 1 when one failed with an errno, 2 on
 * usage error, 3 on a failure of the set-up (fork, socketpair, ...).
 *
 * Build: gcc -static -O2 -Wall -Wextra -o vr-priv vr-priv.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <net/if.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vr.h>

static const char *prog = "vr-priv";

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s as UID [-n] -- CMD [ARG...]\n"
		"       %s bind6 udp|tcp ADDR[%%IF] PORT\n"
		"       %s deputy UID VR\n"
		"       %s netns VR OTHER\n"
		"       %s write PATH VALUE\n"
		"       %s enter PID -- CMD [ARG...]\n"
		"       %s vrs N\n"
		"       %s hold udp|tcp [-s VR] [-0]\n",
		prog, prog, prog, prog, prog, prog, prog, prog);
	exit(2);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(3);
}

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ENONET: return "ENONET";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EISCONN: return "EISCONN";
	case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST";
	default: return "E?";
	}
}

/* Prints "[STEP: ]ok" or "[STEP: ]error: EXXX"; returns 0 or 1. */
static int report(const char *step, int err)
{
	if (step)
		printf("%s: ", step);
	if (err)
		printf("error: %s\n", errname(err));
	else
		printf("ok\n");
	fflush(stdout);
	return err ? 1 : 0;
}

static int parse_num(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0 || v > max)
		usage();
	return (int)v;
}

static void become_dumpable(void)
{
	/* The change of credentials made the task undumpable, which would
	 * leave its /proc files (uid_map, vr) to root.
	 */
	if (prctl(PR_SET_DUMPABLE, 1))
		die("PR_SET_DUMPABLE");
}

static void become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		die("dropping to the user");
	become_dumpable();
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("lo up");
	close(fd);
}

/* Keeps the permitted capabilities across the change to @uid, and makes them
 * effective, inheritable and ambient so that they survive the exec.
 */
static void become_keeping_caps(uid_t uid)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	unsigned int cap;

	if (prctl(PR_SET_KEEPCAPS, 1))
		die("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		die("dropping to the user");
	if (syscall(SYS_capget, &hdr, data))
		die("capget");
	data[0].effective = data[0].inheritable = data[0].permitted;
	data[1].effective = data[1].inheritable = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data))
		die("capset");
	for (cap = 0; cap < 64; cap++)
		if (data[cap / 32].permitted & (1U << (cap % 32)))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	become_dumpable();
}

static int cmd_as(int argc, char **argv)
{
	int userns = 0, keep = 0, i = 1;
	char map[64];
	uid_t uid;

	if (argc < 2)
		usage();
	uid = parse_num(argv[i++], 65535);
	if (i < argc && !strcmp(argv[i], "-n")) {
		userns = 1;
		i++;
	} else if (i < argc && !strcmp(argv[i], "-k")) {
		keep = 1;
		i++;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc)
		usage();
	i++;
	if (keep)
		become_keeping_caps(uid);
	else
		become(uid);
	if (userns) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			die("unshare(CLONE_NEWUSER | CLONE_NEWNET)");
		snprintf(map, sizeof(map), "0 %u 1\n", uid);
		write_file("/proc/self/uid_map", map);
		write_file("/proc/self/setgroups", "deny\n");
		write_file("/proc/self/gid_map", map);
		lo_up();
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[i], strerror(errno));
	return 127;
}

/* "udp" or "tcp": the socket type. */
static int sock_type(const char *name)
{
	if (!strcmp(name, "udp"))
		return SOCK_DGRAM;
	if (!strcmp(name, "tcp"))
		return SOCK_STREAM;
	usage();
}

/* ADDR may name its interface, as in fe80::1%eth0 (the scope id). */
static int cmd_bind6(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	char *scope;
	int fd, type;

	if (argc != 4 || strlen(argv[2]) >= sizeof(addr))
		usage();
	type = sock_type(argv[1]);
	strcpy(addr, argv[2]);
	scope = strchr(addr, '%');
	if (scope) {
		*scope++ = '\0';
		sa.sin6_scope_id = if_nametoindex(scope);
		if (!sa.sin6_scope_id)
			return report(NULL, errno);
	}
	if (inet_pton(AF_INET6, addr, &sa.sin6_addr) != 1)
		usage();
	sa.sin6_port = htons(parse_num(argv[3], 65535));
	fd = socket(AF_INET6, type, 0);
	if (fd < 0)
		return report(NULL, errno);
	return report(NULL, bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0);
}

static int send_fd(int sock, int fd)
{
	char data = 'f';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static int read_vr(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/vr", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cmd_deputy(int argc, char **argv)
{
	char vr[16], now[16];
	int sv[2], fd, rc;
	pid_t child;
	uid_t uid;

	if (argc != 3)
		usage();
	uid = parse_num(argv[1], 65535);
	snprintf(vr, sizeof(vr), "%d\n", parse_num(argv[2], 65535));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		close(sv[0]);
		become(uid);
		fd = open("/proc/self/vr", O_WRONLY);
		if (fd < 0) {
			report("open", errno);
			_exit(1);
		}
		if (send_fd(sv[1], fd))
			_exit(3);
		/* Hold until the parent is done. */
		if (read(sv[1], &rc, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	if (fd < 0) {
		waitpid(child, &rc, 0);
		return 1;
	}
	rc = report("write", write(fd, vr, strlen(vr)) < 0 ? errno : 0);
	if (read_vr(child, now, sizeof(now)))
		die("reading the child's vr");
	printf("child vr: %s\n", now);
	close(sv[0]);
	waitpid(child, NULL, 0);
	return rc;
}

static int print_own_vr(const char *step)
{
	char now[16];

	if (read_vr(getpid(), now, sizeof(now)))
		return report(step, errno);
	printf("%s: vr %s\n", step, now);
	fflush(stdout);
	return 0;
}

static int set_own_vr(const char *vr)
{
	int fd = open("/proc/self/vr", O_WRONLY);

	if (fd < 0 || write(fd, vr, strlen(vr)) < 0)
		return report("set", errno);
	close(fd);
	return 0;
}

static int child_in_new_netns(void *arg)
{
	(void)arg;
	return print_own_vr("clone");
}

static int cmd_netns(int argc, char **argv)
{
	static char stack[64 * 1024];
	int home, other, rc = 0;
	char vr[16];
	pid_t child;

	if (argc != 3)
		usage();
	snprintf(vr, sizeof(vr), "%d\n", parse_num(argv[1], 65535));
	home = open("/proc/self/ns/net", O_RDONLY);
	other = open(argv[2], O_RDONLY);
	if (home < 0 || other < 0)
		die("opening the network namespaces");
	if (set_own_vr(vr))
		return 1;
	rc |= print_own_vr("before");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		_exit(print_own_vr("fork"));
	waitpid(child, NULL, 0);

	if (unshare(CLONE_NEWNET))
		return report("unshare", errno);
	rc |= print_own_vr("unshare");

	if (setns(home, CLONE_NEWNET) || set_own_vr(vr))
		return report("back", errno);
	if (setns(other, CLONE_NEWNET))
		return report("setns", errno);
	rc |= print_own_vr("setns");

	if (setns(home, CLONE_NEWNET) || set_own_vr(vr))
		return report("back", errno);
	child = clone(child_in_new_netns, stack + sizeof(stack),
		      CLONE_NEWNET | SIGCHLD, NULL);
	if (child < 0)
		return report("clone", errno);
	waitpid(child, NULL, 0);
	rc |= print_own_vr("after");
	return rc;
}

static int cmd_write(int argc, char **argv)
{
	int fd;

	if (argc != 3)
		usage();
	fd = open(argv[1], O_WRONLY);
	if (fd < 0)
		return report("open", errno);
	return report("write", write(fd, argv[2], strlen(argv[2])) < 0 ? errno : 0);
}

static int cmd_enter(int argc, char **argv)
{
	static const char * const kinds[] = { "user", "net" };
	char path[64];
	unsigned int i;
	int fd;

	if (argc < 4 || strcmp(argv[2], "--"))
		usage();
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s",
			 parse_num(argv[1], 1 << 22), kinds[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0 || setns(fd, 0))
			die(path);
		close(fd);
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[3], strerror(errno));
	return 127;
}

struct nlreq {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void put_attr(struct nlreq *r, unsigned short type, const void *data,
		     unsigned short len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Sends @r and returns the errno of its ack (0 for success), or -1. */
static int transact(int fd, struct nlreq *r, int *family)
{
	static char buf[8192];
	struct nlmsghdr *nh;
	ssize_t n;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -1;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -1;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct nlattr *a;
			int left;

			if (nh->nlmsg_type == NLMSG_ERROR)
				return -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (!family || nh->nlmsg_type != GENL_ID_CTRL)
				continue;
			a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
			left = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= left) {
				if (a->nla_type == CTRL_ATTR_FAMILY_ID)
					*family = *(unsigned short *)((char *)a + NLA_HDRLEN);
				left -= NLA_ALIGN(a->nla_len);
				a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
			}
		}
	}
}

static void req_init(struct nlreq *r, int type, int cmd)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->gh.cmd = cmd;
	r->gh.version = 1;
}

static int cmd_vrs(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, family = 0, n, i, err = 0;
	struct nlreq r;
	uint32_t id;

	if (argc != 2)
		usage();
	n = parse_num(argv[1], VR_ID_MAX);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("netlink socket");
	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, VR_FAMILY_NAME, sizeof(VR_FAMILY_NAME));
	if (transact(fd, &r, &family) || !family)
		die("resolving family " VR_FAMILY_NAME);
	for (i = 1; i <= n; i++) {
		req_init(&r, family, VR_CMD_CREATE);
		id = i;
		put_attr(&r, VR_A_ID, &id, sizeof(id));
		err = transact(fd, &r, NULL);
		if (err)
			break;
	}
	printf("created %d\n", i - 1);
	if (err < 0)
		die("netlink");
	return report("then", err);
}

#ifndef SO_VR
#define SO_VR 85
#endif

static int cmd_hold(int argc, char **argv)
{
	int type, fd, vr = -1, to0 = 0, i;

	if (argc < 2)
		usage();
	type = sock_type(argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			vr = parse_num(argv[++i], 65535);
		else if (!strcmp(argv[i], "-0"))
			to0 = 1;
		else
			usage();
	}
	fd = socket(AF_INET, type, 0);
	if (fd < 0)
		return report("socket", errno);
	if (vr >= 0 && setsockopt(fd, SOL_SOCKET, SO_VR, &vr, sizeof(vr)))
		return report("SO_VR", errno);
	if (to0) {
		int pfd = open("/proc/self/vr", O_WRONLY);

		if (pfd < 0)
			return report("/proc/self/vr", errno);
		if (write(pfd, "0", 1) < 0)
			return report("/proc/self/vr", errno);
		close(pfd);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "as"))
		return cmd_as(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bind6"))
		return cmd_bind6(argc - 1, argv + 1);
	if (!strcmp(argv[1], "deputy"))
		return cmd_deputy(argc - 1, argv + 1);
	if (!strcmp(argv[1], "netns"))
		return cmd_netns(argc - 1, argv + 1);
	if (!strcmp(argv[1], "write"))
		return cmd_write(argc - 1, argv + 1);
	if (!strcmp(argv[1], "enter"))
		return cmd_enter(argc - 1, argv + 1);
	if (!strcmp(argv[1], "vrs"))
		return cmd_vrs(argc - 1, argv + 1);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc - 1, argv + 1);
	usage();
}
