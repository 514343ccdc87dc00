// SPDX-License-Identifier: GPL-2.0
/*
 * vr-sysfuzz: random syscall sequences against the VR data plane, racing
 * with each other, for the in-VM selftest tests/vr/sysfuzz.sh.
 *
 *   vr-sysfuzz [-w WORKERS] [-t SECONDS] [-n OPS] [-s SEED] [-g GRACE]
 *              [-M] [-T] [-x] [-K]
 *
 * Run it in a network namespace made for the test (ip netns exec NS
 * vr-sysfuzz), its "home" namespace. WORKERS processes (default 4, at most
 * 16) each run random operations until SECONDS (default 30) have passed or
 * they made OPS operations (default 1000000):
 *
 *  - sockets: socket (AF_INET, AF_INET6; TCP, UDP, ping and raw ICMP),
 *    setsockopt(SO_VR) with existing, deleted and out-of-range VRs,
 *    getsockopt(SO_VR), a few other options (SO_REUSEADDR, SO_REUSEPORT,
 *    IPV6_V6ONLY, SO_BINDTODEVICE, IP_BIND_ADDRESS_NO_PORT), bind (wildcard,
 *    loopback, the universe's interface addresses, configured in several
 *    VRs at once, v4-mapped addresses; ports from a set of four), connect,
 *    listen, accept, send, recv, shutdown, close; all nonblocking; and
 *    whole TCP connections (socket, bind, listen, connect, accept in one
 *    operation). Half of the socket operations work on the socket the
 *    previous one did, so that sequences such as socket, SO_VR, bind,
 *    listen happen;
 *  - tasks: writes to /proc/self/vr, /proc/thread-self/vr, /proc/<pid>/vr of
 *    another worker and of the worker's own children; fork (the child makes
 *    1 to 8 operations and exits; one child in four first opens its
 *    parent's /proc/<pid>/vr, then drops its privileges to nobody);
 *    unshare(CLONE_NEWNET) and setns() back to the home namespace or to the
 *    worker's last private one;
 *  - VRs (generic netlink, family "vr"): create, delete, assign, get, dump,
 *    with ids 0 to 5 and 65536 (VRs 1 to 4 are created; 5 never is);
 *  - interfaces (rtnetlink): add (dummy, or a veth pair), delete, up, down,
 *    MTU (below and above the IPv4 and IPv6 minimums), move between the home
 *    and the private namespace, add and delete IPv4 and IPv6 addresses.
 *
 * The universe is small so that operations collide and race: VR ids 0-5,
 * ports 7001-7003 (and 0), interfaces lo fz0 fz1 fz2 fzd0 fzd1 (dummy),
 * fzv0/fzv1 and fzva/fzvb (veth pairs), addresses 127.0.0.1, 10.77.0.1,
 * 10.78.0.1, 10.78.0.2, 10.79.0.1, fd77::1, fd78::1, fd78::2. Packets are only
 * ever sent to those addresses (and 127.0.0.2), in the home namespace or in
 * the workers' private ones; binds also try 192.0.2.1, which is never
 * configured.
 *
 * TIME_WAIT: a TCP socket made in the home namespace gets SO_LINGER 0 (its
 * close resets; accepted sockets inherit it) and its shutdown() does not
 * send a FIN (SHUT_RD), so no TIME_WAIT or orphan outlives the run there and
 * every VR stays deletable; -T lifts that. Sockets of private namespaces
 * close either way, and those namespaces get tcp_fin_timeout 1 and
 * tcp_orphan_retries 1.
 *
 * Replay: the PRNG of worker i is seeded from SEED and i, and every
 * operation draws the same number of values whatever the outcome of the
 * previous ones, so a seed always gives each worker the same sequence of
 * operations and arguments (only the interleaving, and so the results,
 * differ). -n bounds the sequences, -x prints every operation on stderr
 * before it runs (slow, for finding the last one before a crash).
 *
 * Output on stdout: the seed, then at the end the operation counts, per
 * operation with their results (ok or the errno name) and the longest one,
 * and per errno; and how many sockets were bound in a VR that does not
 * exist, checked right after each bind in the home namespace (a bound
 * socket pins its VR: such a socket took its VR from SO_VR or its task
 * while the VR was being deleted, or from a task whose VR was deleted
 * before; a re-created VR adopts it). Reported, not a failure.
 * Workers that have not exited GRACE seconds (default 20) after the end are
 * reported as stuck (state, wchan, kernel stack) and killed.
 *
 * -M skips binds to v4-mapped addresses (for development on a kernel that
 * still Oopses on them). -K starts every line of output with "# ", making
 * it KTAP diagnostics.
 *
 * Exit: 0 when every worker and every child exited normally in time, 1 when
 * one was stuck or died of a signal, 2 on usage error, 3 on setup failure.
 *
 * Build: gcc -static -O2 -Wall -Wextra -o vr-sysfuzz vr-sysfuzz.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_VR
#define SO_VR 85
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* The "vr" generic netlink family (include/uapi/linux/vr.h). */
#define VR_FAMILY_NAME "vr"
enum {
	VR_CMD_CREATE = 1,
	VR_CMD_DELETE,
	VR_CMD_GET,
	VR_CMD_ASSIGN,
};
enum {
	VR_A_ID = 1,
	VR_A_NAME,
	VR_A_TABLE,
	VR_A_IFINDEX,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The go and stop flags are polled by other processes (MAP_SHARED): every
 * access is a real load or store, as the kernel's READ_ONCE()/WRITE_ONCE().
 */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val) __atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

#define MAX_WORKERS 16
#define NSLOTS 12		/* sockets per worker */
#define MAX_CHILDREN 8		/* forked children alive per worker */
#define NERR 140		/* errno buckets; the last one is "larger" */
#define NL_TIMEOUT_S 3		/* a netlink answer later than that: ETIMEDOUT */
#define UID_NOBODY 65534

/* --- the universe -------------------------------------------------------- */

static const char *const ifnames[] = {
	"lo", "fz0", "fz1", "fz2", "fzd0", "fzd1", "fzv0", "fzv1", "fzva", "fzvb",
};

/* The other end of a veth pair, or NULL for a dummy (or lo). */
static const char *veth_peer(const char *name)
{
	static const char *const pairs[][2] = {
		{ "fzv0", "fzv1" }, { "fzva", "fzvb" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		if (!strcmp(name, pairs[i][0]))
			return pairs[i][1];
		if (!strcmp(name, pairs[i][1]))
			return pairs[i][0];
	}
	return NULL;
}

static const char *const bind4[] = {
	"0.0.0.0", "127.0.0.1", "10.77.0.1", "10.77.0.1", "10.78.0.1",
	"10.78.0.2", "10.79.0.1", "127.0.0.2", "192.0.2.1",
};
static const char *const bind6[] = {
	"::", "::1", "fd77::1", "fd78::1", "fd78::2", "::ffff:127.0.0.1",
	"::ffff:10.77.0.1", "::ffff:10.78.0.2", "::ffff:0.0.0.0",
};
/* Destinations: only addresses of the universe. */
static const char *const dest4[] = {
	"127.0.0.1", "10.77.0.1", "10.78.0.1", "10.78.0.2", "10.79.0.1",
	"127.0.0.2",
};
static const char *const dest6[] = {
	"::1", "fd77::1", "fd78::1", "fd78::2", "::ffff:127.0.0.1",
	"::ffff:10.77.0.1", "::ffff:10.78.0.2",
};
static const uint16_t bind_ports[] = { 0, 7001, 7002, 7003 };
static const uint16_t dest_ports[] = { 7001, 7002, 7003 };

/* Addresses the "addr" operation adds and deletes, "address/prefix". */
static const char *const ifaddrs[] = {
	"10.77.0.1/24", "10.77.0.1/24", "10.78.0.1/24", "10.78.0.2/24",
	"10.79.0.1/24", "127.0.0.1/8", "fd77::1/64", "fd78::1/64", "fd78::2/64",
};

static const int sovr_vals[] = {
	0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 65535, 65536, -1,
};
static const char *const proc_vals[] = {
	"0", "1", "2", "3", "4", "0\n", "1\n", "2\n", "3\n", "4\n", "5",
	"65535", "65536", "-1", "x", "",
};
static const unsigned int create_ids[] = { 1, 2, 3, 4, 1, 2, 3, 4, 0, 65536 };
static const unsigned int delete_ids[] = {
	1, 2, 3, 4, 1, 2, 3, 4, 0, 5, 65536,
};
static const unsigned int assign_ids[] = { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5 };
static const char *const vr_names[] = { "fa", "fb", "fz-x" };
static const int mtus[] = { 0, 67, 68, 576, 1279, 1280, 1500, 9000, 65535 };

/* Socket kinds, with weights by repetition. */
struct kind {
	int family, type, proto;
	const char *name;
};

static const struct kind kinds[] = {
	{ AF_INET, SOCK_STREAM, 0, "tcp4" },
	{ AF_INET, SOCK_STREAM, 0, "tcp4" },
	{ AF_INET, SOCK_STREAM, 0, "tcp4" },
	{ AF_INET, SOCK_DGRAM, 0, "udp4" },
	{ AF_INET, SOCK_DGRAM, 0, "udp4" },
	{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "ping4" },
	{ AF_INET, SOCK_RAW, IPPROTO_ICMP, "raw4" },
	{ AF_INET6, SOCK_STREAM, 0, "tcp6" },
	{ AF_INET6, SOCK_STREAM, 0, "tcp6" },
	{ AF_INET6, SOCK_DGRAM, 0, "udp6" },
	{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, "ping6" },
	{ AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "raw6" },
};

/* --- operations ---------------------------------------------------------- */

#define FOR_EACH_OP(X)							\
	X(socket, 12) X(so_vr, 8) X(get_vr, 1) X(sockopt, 3) X(bind, 12)	\
	X(connect, 7) X(listen, 4) X(accept, 5) X(send, 7) X(recv, 5)	\
	X(shutdown, 1) X(close, 4) X(tcp_pair, 3) X(proc_vr, 6)		\
	X(fork, 1) X(unshare, 1)					\
	X(setns, 2) X(vr_create, 3) X(vr_delete, 3) X(vr_assign, 4)	\
	X(vr_get, 1) X(link_add, 2) X(link_del, 1) X(link_updown, 2)	\
	X(link_mtu, 1) X(link_netns, 1) X(addr, 2)

#define OP_ENUM(name, ...) OP_##name,
enum op { FOR_EACH_OP(OP_ENUM) NOPS };
#define OP_NAME(name, ...) #name,
static const char *const op_names[] = { FOR_EACH_OP(OP_NAME) };
#define OP_WEIGHT(name, weight) \
	[OP_##name] = weight,
static const unsigned int op_weights[] = { FOR_EACH_OP(OP_WEIGHT) };

/* Shared by every process of the run (MAP_SHARED). */
struct shared {
	int go, stop;		/* READ_ONCE(), WRITE_ONCE() */
	pid_t pids[MAX_WORKERS];
	unsigned long counts[MAX_WORKERS][NOPS][NERR];
	unsigned long max_ms[MAX_WORKERS][NOPS];	/* longest operation */
	unsigned long forks, child_crashes, child_killed;
	unsigned long orphan_binds;	/* bound sockets of a missing VR */
	unsigned long orphan_by_kind[8];	/* tcp4 udp4 ping4 raw4 tcp6... */
	char orphan_bind_first[200];
};

static struct shared *sh;

/* Options. */
static int nworkers = 4;
static long run_seconds = 30;
static unsigned long max_ops = 1000000;
static long grace_seconds = 20;
static uint64_t seed;
static int no_mapped, allow_tw, tracing;
static uint16_t genl_family;
static long long end_ms;

struct slot {
	int fd;
	const struct kind *kind;
	int home;		/* made in the home namespace */
};

enum { NS_HOME, NS_PRIV };

struct worker {
	int id;
	uint64_t rng;
	unsigned long nops;
	struct slot slots[NSLOTS];
	int last_slot;		/* of the last socket operation */
	int listen_slot;	/* of the last listen */
	int home_fd;		/* the home netns */
	int priv_fd;		/* the last private netns made, or -1 */
	int in_home;		/* else in priv_fd's netns */
	int nl[2][2];		/* [NS_HOME/NS_PRIV][genl/rtnl], or -1 */
	pid_t children[MAX_CHILDREN];
	int nchildren;
	int is_child;
	int priv_vr_fd;		/* child: parent's /proc/<pid>/vr opened first */
	char desc[200];
};

/* --- small helpers ------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t worker_seed(uint64_t s, int id)
{
	uint64_t x = s ^ (0x5851f42d4c957f2dULL * (uint64_t)(id + 1));

	return splitmix64(&x);
}

static const char *errname(int e)
{
	static char buf[16];
	const char *n;

	if (e == 0)
		return "ok";
	if (e >= NERR - 1)
		return "E>=139";
	n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static const char *out_prefix = "";

/* A line (or more) on stdout, each with the -K prefix. */
static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	char buf[4200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%s%s", out_prefix, buf);
}

static void trace_line(struct worker *w, const char *what)
{
	char line[300];
	int n;

	n = snprintf(line, sizeof(line), "%sw%d%s #%lu %s\n", out_prefix, w->id,
		     w->is_child ? "c" : "", w->nops, what);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (n > 0 && write(2, line, n) < 0)
		tracing = 0;
}

static void __attribute__((format(printf, 2, 3)))
tr(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	vsnprintf(w->desc, sizeof(w->desc), fmt, ap);
	va_end(ap);
	trace_line(w, w->desc);
}

static int xwrite_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* A sockaddr for @text (family from the text), port @port. */
static socklen_t make_addr(struct sockaddr_storage *ss, const char *text,
			   uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, text, &s6->sin6_addr);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	inet_pton(AF_INET, text, &s4->sin_addr);
	return sizeof(*s4);
}

/* --- netlink ------------------------------------------------------------- */

struct nlmsg {
	union {
		struct nlmsghdr nh;
		unsigned char buf[1024];
	};
	size_t len;
};

static uint32_t nl_seq;

/* Starts a message; returns its family header of @hdrlen bytes. */
static void *nl_start(struct nlmsg *m, uint16_t type, uint16_t flags,
		      size_t hdrlen)
{
	memset(m->buf, 0, sizeof(m->buf));
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	return m->buf + NLMSG_HDRLEN;
}

static struct nlattr *nl_put(struct nlmsg *m, uint16_t type, const void *data,
			     size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	if (m->len + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(m->buf))
		abort();
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

static void nl_put_u32(struct nlmsg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

static void nl_put_str(struct nlmsg *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1);
}

static struct nlattr *nl_nest(struct nlmsg *m, uint16_t type)
{
	return nl_put(m, type, NULL, 0);
}

static void nl_nest_end(struct nlmsg *m, struct nlattr *a)
{
	a->nla_len = m->buf + m->len - (unsigned char *)a;
}

static int nl_open(int proto)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* What an answer carried besides its errno. */
struct nl_answer {
	int ifindex;		/* RTM_NEWLINK reply */
	uint16_t family_id;	/* CTRL_CMD_NEWFAMILY reply */
	unsigned int entries;
};

/* A reply to a request of type @req (RTM_NEWLINK and GENL_ID_CTRL are one). */
static void nl_parse_reply(uint16_t req, const struct nlmsghdr *nh,
			   struct nl_answer *a)
{
	const unsigned char *p;
	size_t len;

	a->entries++;
	if (req == RTM_GETLINK && nh->nlmsg_type == RTM_NEWLINK &&
	    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
		a->ifindex = ((const struct ifinfomsg *)NLMSG_DATA(nh))->ifi_index;
		return;
	}
	if (req != GENL_ID_CTRL || nh->nlmsg_type != GENL_ID_CTRL ||
	    nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return;
	p = (const unsigned char *)NLMSG_DATA(nh) + GENL_HDRLEN;
	len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const struct nlattr *)p;

		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len)
			break;
		if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
		    nla->nla_len >= NLA_HDRLEN + 2)
			memcpy(&a->family_id, p + NLA_HDRLEN, 2);
		if ((size_t)NLA_ALIGN(nla->nla_len) >= len)
			break;
		len -= NLA_ALIGN(nla->nla_len);
		p += NLA_ALIGN(nla->nla_len);
	}
}

/*
 * Sends @m on @fd and reads until its ack (or NLMSG_DONE of a dump). Returns
 * 0 or a positive errno (ETIMEDOUT without an answer in NL_TIMEOUT_S).
 */
static int nl_talk(int fd, struct nlmsg *m, struct nl_answer *a)
{
	static unsigned char buf[32768];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nl_answer dummy;
	uint32_t seq = ++nl_seq;

	if (fd < 0)
		return -fd;
	if (!a)
		a = &dummy;
	memset(a, 0, sizeof(*a));
	m->nh.nlmsg_len = m->len;
	m->nh.nlmsg_seq = seq;
	if (sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? ETIMEDOUT : errno;
		}
		len = n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;	/* late answer to a timed-out request */
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				return -e->error;
			}
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			nl_parse_reply(m->nh.nlmsg_type, nh, a);
		}
	}
}

static int genl_resolve(void)
{
	struct genlmsghdr *g;
	struct nl_answer a;
	struct nlmsg m;
	int fd = nl_open(NETLINK_GENERIC), err;

	if (fd < 0)
		return -fd;
	g = nl_start(&m, GENL_ID_CTRL, NLM_F_ACK, GENL_HDRLEN);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	nl_put_str(&m, CTRL_ATTR_FAMILY_NAME, VR_FAMILY_NAME);
	err = nl_talk(fd, &m, &a);
	close(fd);
	if (!err && !a.family_id)
		err = ENOENT;
	genl_family = a.family_id;
	return err;
}

/* --- netlink sockets per namespace --------------------------------------- */

static int ns_fd(struct worker *w, int ns)
{
	return ns == NS_HOME ? w->home_fd : w->priv_fd;
}

static int cur_ns(struct worker *w)
{
	return w->in_home ? NS_HOME : NS_PRIV;
}

static void nl_close_ns(struct worker *w, int ns)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (w->nl[ns][i] >= 0)
			close(w->nl[ns][i]);
		w->nl[ns][i] = -1;
	}
}

/*
 * The generic (which 0) or route (1) netlink socket of namespace @ns, opened
 * there on first use (setns() there and back if it is not the current one).
 * Returns the fd or -errno.
 */
static int nl_sock(struct worker *w, int ns, int which)
{
	int fd, err = 0;

	if (w->nl[ns][which] >= 0)
		return w->nl[ns][which];
	if (ns_fd(w, ns) < 0)
		return -EBADF;
	if (ns != cur_ns(w) && setns(ns_fd(w, ns), CLONE_NEWNET))
		return -errno;
	fd = nl_open(which ? NETLINK_ROUTE : NETLINK_GENERIC);
	if (fd < 0)
		err = fd;
	if (ns != cur_ns(w) && setns(ns_fd(w, cur_ns(w)), CLONE_NEWNET)) {
		/* cannot happen: setns there worked; stay consistent anyway */
		w->in_home = ns == NS_HOME;
	}
	if (err)
		return err;
	w->nl[ns][which] = fd;
	return fd;
}

/* The namespace an operation acts on: a quarter of the time the private one. */
static int pick_ns(struct worker *w, uint64_t r)
{
	return r % 4 == 0 && w->priv_fd >= 0 ? NS_PRIV : NS_HOME;
}

static int rt_ifindex(int fd, const char *name, int *ifindex)
{
	struct ifinfomsg *ifi;
	struct nl_answer a;
	struct nlmsg m;
	int err;

	ifi = nl_start(&m, RTM_GETLINK, NLM_F_ACK, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, name);
	err = nl_talk(fd, &m, &a);
	*ifindex = err ? 0 : a.ifindex;
	return err;
}

/* --- sockets ------------------------------------------------------------- */

static int slot_is_tcp(const struct slot *s)
{
	return s->kind && s->kind->type == SOCK_STREAM;
}

static void slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->kind = NULL;
}

static void slot_set(struct slot *s, int fd, const struct kind *k, int home)
{
	slot_close(s);
	s->fd = fd;
	s->kind = k;
	s->home = home;
}

/* May this socket end in TIME_WAIT or as an orphan? */
static int slot_tw_ok(const struct slot *s)
{
	return allow_tw || !s->home;
}

static void check_bound_vr(struct worker *w, const struct slot *s);

static unsigned short icmp_cksum(const void *data, size_t len)
{
	const unsigned short *p = data;
	unsigned long sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const unsigned char *)p;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

static const char *pick_addr(const struct slot *s, uint64_t r, int dest)
{
	int v6 = s->kind && s->kind->family == AF_INET6;

	if (dest)
		return v6 ? dest6[r % ARRAY_SIZE(dest6)] :
			    dest4[r % ARRAY_SIZE(dest4)];
	return v6 ? bind6[r % ARRAY_SIZE(bind6)] : bind4[r % ARRAY_SIZE(bind4)];
}

/*
 * The socket an operation works on: half of the time the one the previous
 * socket operation worked on, so that chains such as socket, bind, listen
 * or socket, connect, send happen; else any. From the draws only.
 */
static int pick_slot(struct worker *w, uint64_t r)
{
	if (r % 2)
		w->last_slot = (r >> 1) % NSLOTS;
	return w->last_slot;
}

static int op_socket(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	const struct kind *k = &kinds[r[1] % ARRAY_SIZE(kinds)];
	struct linger lg = { 1, 0 };
	int fd;

	tr(w, "socket s%d %s", si, k->name);
	fd = socket(k->family, k->type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    k->proto);
	if (fd < 0)
		return errno;
	slot_set(s, fd, k, w->in_home);
	/* No TIME_WAIT or orphan in the home netns; sometimes elsewhere. */
	if (k->type == SOCK_STREAM && (!slot_tw_ok(s) || r[2] % 2))
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return 0;
}

static int op_so_vr(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	int val = sovr_vals[r[1] % ARRAY_SIZE(sovr_vals)];
	socklen_t len = r[2] % 16 ? sizeof(val) : 2;

	tr(w, "so_vr s%d %d len %u", si, val, len);
	return setsockopt(s->fd, SOL_SOCKET, SO_VR, &val, len) ? errno : 0;
}

static int op_get_vr(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	socklen_t len = sizeof(int);
	int val;

	tr(w, "get_vr s%d", si);
	return getsockopt(s->fd, SOL_SOCKET, SO_VR, &val, &len) ? errno : 0;
}

static int op_sockopt(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	int on = r[2] % 2, level = SOL_SOCKET, opt;
	const void *val = &on;
	socklen_t len = sizeof(on);
	const char *dev;

	switch (r[1] % 5) {
	case 0:
		opt = SO_REUSEADDR;
		break;
	case 1:
		opt = SO_REUSEPORT;
		break;
	case 2:
		level = IPPROTO_IPV6;
		opt = IPV6_V6ONLY;
		break;
	case 3:
		opt = SO_BINDTODEVICE;
		dev = r[3] % 4 ? ifnames[r[4] % ARRAY_SIZE(ifnames)] : "";
		val = dev;
		len = strlen(dev) + 1;
		break;
	default:
		level = IPPROTO_IP;
		opt = IP_BIND_ADDRESS_NO_PORT;
		break;
	}
	tr(w, "sockopt s%d level %d opt %d %s", si, level,
	   opt, opt == SO_BINDTODEVICE ? (const char *)val : on ? "1" : "0");
	return setsockopt(s->fd, level, opt, val, len) ? errno : 0;
}

static int op_bind(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	const char *addr = pick_addr(s, r[1], 0);
	uint16_t port = bind_ports[r[2] % ARRAY_SIZE(bind_ports)];
	struct sockaddr_storage ss;
	socklen_t len;

	if (no_mapped && !strncmp(addr, "::ffff:", 7))
		addr = "::";
	/* Now and then the other family's address. */
	if (r[3] % 32 == 0)
		addr = strchr(addr, ':') ? "127.0.0.1" : "::1";
	tr(w, "bind s%d %s port %u", si, addr, port);
	len = make_addr(&ss, addr, port);
	if (bind(s->fd, (struct sockaddr *)&ss, len))
		return errno;
	check_bound_vr(w, s);
	return 0;
}

static int op_connect(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	const char *addr = pick_addr(s, r[1], 1);
	uint16_t port = dest_ports[r[2] % ARRAY_SIZE(dest_ports)];
	struct sockaddr_storage ss;
	socklen_t len;

	if (r[3] % 16 == 0) {
		/* dissolve the association */
		tr(w, "connect s%d AF_UNSPEC", si);
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_UNSPEC;
		len = sizeof(struct sockaddr_in);
	} else {
		tr(w, "connect s%d %s port %u", si, addr, port);
		len = make_addr(&ss, addr, port);
	}
	return connect(s->fd, (struct sockaddr *)&ss, len) ? errno : 0;
}

static int op_listen(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];

	w->listen_slot = si;
	tr(w, "listen s%d %d", si, (int)(r[1] % 8));
	return listen(s->fd, r[1] % 8) ? errno : 0;
}

static int op_accept(struct worker *w, const uint64_t *r)
{
	int si = r[0] % 2 ? w->listen_slot : (int)((r[0] >> 1) % NSLOTS);
	int ti = r[1] % NSLOTS;
	struct slot *s = &w->slots[si], *to = &w->slots[ti];
	const struct kind *k = s->kind;
	int fd, home = s->home;

	/* what follows works on the accepted socket */
	w->last_slot = ti;
	tr(w, "accept s%d into s%d", si, ti);
	fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno;
	/* The accepted socket inherits the listener's SO_LINGER. */
	slot_set(to, fd, k, home);
	return 0;
}

static int op_send(struct worker *w, const uint64_t *r)
{
	static const size_t lens[] = { 1, 64, 1400, 3000 };
	static unsigned char buf[3000];
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	const char *addr = pick_addr(s, r[1], 1);
	uint16_t port = dest_ports[r[2] % ARRAY_SIZE(dest_ports)];
	size_t len = lens[r[3] % ARRAY_SIZE(lens)];
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL, to = r[4] % 2;
	struct sockaddr_storage ss;
	socklen_t alen = 0;
	ssize_t n;

	if (s->kind && s->kind->proto) {
		/* an ICMP or ICMPv6 echo request */
		struct icmphdr *ih = (struct icmphdr *)buf;

		memset(buf, 0, 8);
		if (s->kind->family == AF_INET6) {
			ih->type = ICMP6_ECHO_REQUEST;
		} else {
			ih->type = ICMP_ECHO;
			ih->un.echo.id = htons(getpid());
		}
		ih->un.echo.sequence = htons(w->nops);
		if (len < 8)
			len = 8;
		if (s->kind->family == AF_INET)
			ih->checksum = icmp_cksum(buf, len);
	}
	if (to)
		alen = make_addr(&ss, addr, port);
	tr(w, "send s%d %zu bytes to %s port %u", si, len,
	   to ? addr : "(connected)", port);
	if (to)
		n = sendto(s->fd, buf, len, flags, (struct sockaddr *)&ss, alen);
	else
		n = send(s->fd, buf, len, flags);
	if (s->kind && s->kind->family == AF_INET && s->kind->proto)
		((struct icmphdr *)buf)->checksum = 0;
	return n < 0 ? errno : 0;
}

static int op_recv(struct worker *w, const uint64_t *r)
{
	static unsigned char buf[4096];
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	int flags = MSG_DONTWAIT | (r[1] % 4 ? 0 : MSG_PEEK);
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);

	tr(w, "recv s%d flags %#x", si, flags);
	return recvfrom(s->fd, buf, sizeof(buf), flags,
			(struct sockaddr *)&from, &len) < 0 ? errno : 0;
}

/*
 * A TCP connection in one go: listener, bind (wildcard or an address of the
 * universe; port 7001-7003), listen, client, connect (to loopback one time
 * in three), accept; both ends in the worker's VR, in VR 0 or in another
 * (SO_VR), one time in three each. The three sockets land in slots.
 * Returns the first error.
 */
static int op_tcp_pair(struct worker *w, const uint64_t *r)
{
	const struct kind *k = &kinds[r[1] % 2 ? 0 : 7];	/* tcp4, tcp6 */
	int v6 = k->family == AF_INET6, li = r[0] % NSLOTS;
	int ci = (li + 1 + r[2] % (NSLOTS - 1)) % NSLOTS;
	int ai = (ci + 1) % NSLOTS == li ? (ci + 2) % NSLOTS : (ci + 1) % NSLOTS;
	int set_vr = r[3] % 3 != 0;
	int vr = r[3] % 3 == 1 ? 0 : sovr_vals[(r[3] >> 8) % ARRAY_SIZE(sovr_vals)];
	const char *baddr, *daddr;
	uint16_t port = dest_ports[r[4] % ARRAY_SIZE(dest_ports)];
	struct slot *l = &w->slots[li], *c = &w->slots[ci], *a = &w->slots[ai];
	struct linger lg = { 1, 0 };
	struct sockaddr_storage ss;
	int one = 1, err = 0, fd;
	socklen_t len;

	daddr = v6 ? dest6[(r[5] >> 8) % ARRAY_SIZE(dest6)] :
		     dest4[(r[5] >> 8) % ARRAY_SIZE(dest4)];
	if ((r[5] >> 16) % 3 == 0)
		daddr = v6 ? "::1" : "127.0.0.1";
	baddr = r[5] % 2 ? (v6 ? "::" : "0.0.0.0") : daddr;
	if (no_mapped && !strncmp(baddr, "::ffff:", 7))
		baddr = "::";
	tr(w, "tcp_pair %s listen s%d %s port %u, connect s%d to %s, accept s%d%s%d",
	   k->name, li, baddr, port, ci, daddr, ai, set_vr ? ", so_vr " : "",
	   set_vr ? vr : 0);
	w->last_slot = ci;
	w->listen_slot = li;
	slot_close(l);
	slot_close(c);
	slot_close(a);
	fd = socket(k->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	slot_set(l, fd, k, w->in_home);
	fd = socket(k->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	slot_set(c, fd, k, w->in_home);
	if (!slot_tw_ok(l) || r[4] % 2) {
		setsockopt(l->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (set_vr &&
	    (setsockopt(l->fd, SOL_SOCKET, SO_VR, &vr, sizeof(vr)) ||
	     setsockopt(c->fd, SOL_SOCKET, SO_VR, &vr, sizeof(vr))))
		err = errno;
	len = make_addr(&ss, baddr, port);
	if (bind(l->fd, (struct sockaddr *)&ss, len)) {
		if (!err)
			err = errno;
	} else {
		check_bound_vr(w, l);
	}
	if (listen(l->fd, 8) && !err)
		err = errno;
	len = make_addr(&ss, daddr, port);
	if (connect(c->fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS &&
	    !err)
		err = errno;
	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (!err)
			err = errno;
	} else {
		slot_set(a, fd, k, l->home);
	}
	return err;
}

static int op_shutdown(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	int how = r[1] % 3;

	/* A FIN could leave a TIME_WAIT behind. */
	if (slot_is_tcp(s) && !slot_tw_ok(s))
		how = SHUT_RD;
	tr(w, "shutdown s%d %d", si, how);
	return shutdown(s->fd, how) ? errno : 0;
}

static int op_close(struct worker *w, const uint64_t *r)
{
	int si = pick_slot(w, r[0]);
	struct slot *s = &w->slots[si];
	int err = s->fd < 0 ? EBADF : 0;

	tr(w, "close s%d", si);
	slot_close(s);
	return err;
}

/* --- tasks --------------------------------------------------------------- */

static int op_proc_vr(struct worker *w, const uint64_t *r)
{
	const char *val = proc_vals[r[2] % ARRAY_SIZE(proc_vals)];
	pid_t me = getpid(), pid = me;
	char path[64], rbuf[16];
	int fd, err = 0, own_fd = 1, nl;
	size_t vlen;

	switch (r[1] % 6) {
	case 0:
		snprintf(path, sizeof(path), "/proc/self/vr");
		break;
	case 1:
		snprintf(path, sizeof(path), "/proc/thread-self/vr");
		break;
	case 2:
	case 3:
		/* another worker (a zombie once it has exited: reaped last) */
		if (nworkers > 1)
			pid = sh->pids[(w->id + 1 + r[3] % (nworkers - 1)) %
				       nworkers];
		snprintf(path, sizeof(path), "/proc/%d/vr", pid);
		break;
	case 4:
		/* a child of ours, not yet reaped (so its pid is still its) */
		if (w->nchildren)
			pid = w->children[r[3] % w->nchildren];
		snprintf(path, sizeof(path), "/proc/%d/vr", pid);
		break;
	default:
		snprintf(path, sizeof(path), "/proc/%d/task/%d/vr", me, me);
		if (w->priv_vr_fd >= 0)
			own_fd = 0;	/* opened before dropping privileges */
		break;
	}
	vlen = strlen(val);
	nl = vlen && val[vlen - 1] == '\n';
	tr(w, "proc_vr %s '%.*s%s'",
	   own_fd ? path : "(parent's, opened as root)", (int)(vlen - nl), val,
	   nl ? "\\n" : "");
	fd = own_fd ? open(path, O_RDWR | O_CLOEXEC) : w->priv_vr_fd;
	if (fd < 0)
		return errno;
	if (pwrite(fd, val, vlen, 0) < 0)
		err = errno;
	if (r[4] % 4 == 0 && pread(fd, rbuf, sizeof(rbuf), 0) < 0 && !err)
		err = errno;
	if (own_fd)
		close(fd);
	return err;
}

static void run_ops(struct worker *w, unsigned long limit);

/* Reaps exited children; @block: wait up to 10 s, then kill the rest. */
static void reap_children(struct worker *w, int block)
{
	long long give_up = now_ms() + 10000;
	int i, status, killed = 0;

	for (i = 0; i < w->nchildren;) {
		pid_t p = waitpid(w->children[i], &status, WNOHANG);

		if (p == 0 && block) {
			if (now_ms() < give_up) {
				sleep_ms(10);
				continue;
			}
			if (!killed) {
				kill(w->children[i], SIGKILL);
				__atomic_fetch_add(&sh->child_killed, 1,
						   __ATOMIC_RELAXED);
				killed = 1;
			}
			sleep_ms(10);
			continue;
		}
		if (p == 0) {
			i++;
			continue;
		}
		if (p > 0 && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
			__atomic_fetch_add(&sh->child_crashes, 1, __ATOMIC_RELAXED);
			out("worker %d: child %d died of signal %d\n", w->id,
			       (int)p, WTERMSIG(status));
			fflush(stdout);
		}
		w->children[i] = w->children[--w->nchildren];
		killed = 0;
	}
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(UID_NOBODY, UID_NOBODY, UID_NOBODY) ||
	    setresuid(UID_NOBODY, UID_NOBODY, UID_NOBODY))
		_exit(3);
}

static int op_fork(struct worker *w, const uint64_t *r)
{
	unsigned long n = 1 + r[1] % 8;
	int drop = r[2] % 4 == 0, i;
	pid_t pid;

	tr(w, "fork %lu ops%s", n, drop ? " unprivileged" : "");
	if (w->nchildren >= MAX_CHILDREN)
		reap_children(w, 0);
	if (w->nchildren >= MAX_CHILDREN)
		return EAGAIN;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid > 0) {
		w->children[w->nchildren++] = pid;
		__atomic_fetch_add(&sh->forks, 1, __ATOMIC_RELAXED);
		return 0;
	}
	/* The child: its own netlink sockets, no children of its own. */
	w->is_child = 1;
	w->nchildren = 0;
	w->rng = r[5];
	for (i = 0; i < 2; i++) {
		w->nl[NS_HOME][i] = -1;	/* the parent's: closed on exit */
		w->nl[NS_PRIV][i] = -1;
	}
	if (drop) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/vr", (int)getppid());
		w->priv_vr_fd = open(path, O_RDWR | O_CLOEXEC);
		drop_privileges();
	}
	run_ops(w, n);
	_exit(0);
}

static void nl_close_all(struct worker *w)
{
	nl_close_ns(w, NS_HOME);
	nl_close_ns(w, NS_PRIV);
}

static int op_unshare(struct worker *w, const uint64_t *r)
{
	int fd, lo;

	tr(w, "unshare%s", r[1] % 2 ? " (lo up)" : "");
	if (unshare(CLONE_NEWNET))
		return errno;
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		abort();
	if (w->priv_fd >= 0)
		close(w->priv_fd);
	nl_close_ns(w, NS_PRIV);
	w->priv_fd = fd;
	w->in_home = 0;
	/* Orphans must not keep the namespace for minutes. */
	xwrite_file("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
	xwrite_file("/proc/sys/net/ipv4/tcp_fin_timeout", "1");
	xwrite_file("/proc/sys/net/ipv4/tcp_orphan_retries", "1");
	lo = nl_sock(w, NS_PRIV, 1);
	if (r[1] % 2 && lo >= 0) {
		struct ifinfomsg *ifi;
		struct nlmsg m;

		ifi = nl_start(&m, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = 1;
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		nl_talk(lo, &m, NULL);
	}
	return 0;
}

static int op_setns(struct worker *w, const uint64_t *r)
{
	int ns = r[1] % 2 && w->priv_fd >= 0 ? NS_PRIV : NS_HOME;

	tr(w, "setns %s", ns == NS_HOME ? "home" : "private");
	if (setns(ns_fd(w, ns), CLONE_NEWNET))
		return errno;
	w->in_home = ns == NS_HOME;
	return 0;
}

/* --- VRs ----------------------------------------------------------------- */

static int vr_request(struct worker *w, int ns, struct nlmsg *m)
{
	int fd = nl_sock(w, ns, 0);

	if (fd < 0)
		return -fd;
	return nl_talk(fd, m, NULL);
}

static struct genlmsghdr *vr_start(struct nlmsg *m, uint8_t cmd, int dump)
{
	struct genlmsghdr *g;

	g = nl_start(m, genl_family, dump ? NLM_F_DUMP : NLM_F_ACK, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = 1;
	return g;
}

static const char *ns_name(int ns)
{
	return ns == NS_HOME ? "home" : "private";
}

static int op_vr_create(struct worker *w, const uint64_t *r)
{
	unsigned int id = create_ids[r[2] % ARRAY_SIZE(create_ids)];
	const char *name = r[3] % 4 ? NULL : vr_names[r[4] % ARRAY_SIZE(vr_names)];
	int ns = pick_ns(w, r[1]);
	struct nlmsg m;

	tr(w, "vr_create %s %u%s%s", ns_name(ns), id, name ? " name " : "",
	   name ? name : "");
	vr_start(&m, VR_CMD_CREATE, 0);
	nl_put_u32(&m, VR_A_ID, id);
	if (name)
		nl_put_str(&m, VR_A_NAME, name);
	return vr_request(w, ns, &m);
}

static int op_vr_delete(struct worker *w, const uint64_t *r)
{
	unsigned int id = delete_ids[r[2] % ARRAY_SIZE(delete_ids)];
	int ns = pick_ns(w, r[1]);
	struct nlmsg m;

	tr(w, "vr_delete %s %u", ns_name(ns), id);
	vr_start(&m, VR_CMD_DELETE, 0);
	nl_put_u32(&m, VR_A_ID, id);
	return vr_request(w, ns, &m);
}

static int op_vr_assign(struct worker *w, const uint64_t *r)
{
	const char *ifname = ifnames[r[2] % ARRAY_SIZE(ifnames)];
	unsigned int id = assign_ids[r[3] % ARRAY_SIZE(assign_ids)];
	int ns = pick_ns(w, r[1]), fd = nl_sock(w, ns, 1), ifindex = 0;
	struct nlmsg m;

	tr(w, "vr_assign %s %s %u", ns_name(ns), ifname, id);
	if (fd >= 0)
		rt_ifindex(fd, ifname, &ifindex);
	vr_start(&m, VR_CMD_ASSIGN, 0);
	nl_put_u32(&m, VR_A_IFINDEX, ifindex ? ifindex : 99999);
	nl_put_u32(&m, VR_A_ID, id);
	return vr_request(w, ns, &m);
}

static int op_vr_get(struct worker *w, const uint64_t *r)
{
	unsigned int id = assign_ids[r[3] % ARRAY_SIZE(assign_ids)];
	int ns = pick_ns(w, r[1]), dump = r[2] % 2;
	struct nlmsg m;

	tr(w, "vr_get %s %s%u", ns_name(ns), dump ? "dump " : "", dump ? 0 : id);
	vr_start(&m, VR_CMD_GET, dump);
	if (!dump)
		nl_put_u32(&m, VR_A_ID, id);
	return vr_request(w, ns, &m);
}

/*
 * A bound socket pins its VR: deleting the VR is refused while it has
 * sockets (EBUSY). So the VR of a socket that was just bound in the home
 * namespace must exist; count it when it does not (SO_VR or a task's VR
 * that raced with a delete: the socket would join a VR re-created later).
 */
/* 0-7: tcp4 udp4 ping4 raw4 tcp6 udp6 ping6 raw6 */
static int kind_index(const struct kind *k)
{
	int i = k->type == SOCK_STREAM ? 0 : k->type == SOCK_RAW ? 3 :
		k->proto ? 2 : 1;

	return i + (k->family == AF_INET6 ? 4 : 0);
}

static void check_bound_vr(struct worker *w, const struct slot *s)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(int);
	struct nlmsg m;
	int vr, err;

	if (!s->home || !s->kind ||
	    getsockopt(s->fd, SOL_SOCKET, SO_VR, &vr, &len) || !vr)
		return;
	/* IP_BIND_ADDRESS_NO_PORT: no port yet, in no table yet */
	len = sizeof(sa);
	if (s->kind->type != SOCK_RAW &&
	    (getsockname(s->fd, (struct sockaddr *)&sa, &len) ||
	     !((struct sockaddr_in *)&sa)->sin_port))
		return;
	vr_start(&m, VR_CMD_GET, 0);
	nl_put_u32(&m, VR_A_ID, vr);
	err = vr_request(w, NS_HOME, &m);
	if (err != ENOENT)
		return;
	__atomic_fetch_add(&sh->orphan_by_kind[kind_index(s->kind)], 1,
			   __ATOMIC_RELAXED);
	if (!__atomic_fetch_add(&sh->orphan_binds, 1, __ATOMIC_RELAXED))
		snprintf(sh->orphan_bind_first, sizeof(sh->orphan_bind_first),
			 "worker %d%s op #%lu: %s socket bound in VR %d",
			 w->id, w->is_child ? " (child)" : "", w->nops,
			 s->kind->name, vr);
}

/* --- interfaces ---------------------------------------------------------- */

static struct ifinfomsg *link_start(struct nlmsg *m, uint16_t type,
				    uint16_t flags, const char *name)
{
	struct ifinfomsg *ifi = nl_start(m, type, NLM_F_ACK | flags,
					 sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(m, IFLA_IFNAME, name);
	return ifi;
}

static int op_link_add(struct worker *w, const uint64_t *r)
{
	/* not lo */
	const char *name = ifnames[1 + r[2] % (ARRAY_SIZE(ifnames) - 1)];
	const char *peer = veth_peer(name);
	int ns = pick_ns(w, r[1]), fd = nl_sock(w, ns, 1);
	struct nlattr *info, *data, *pa;
	struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC };
	struct nlmsg m;

	tr(w, "link_add %s %s%s%s", ns_name(ns), name, peer ? " peer " : "",
	   peer ? peer : "");
	if (fd < 0)
		return -fd;
	link_start(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	info = nl_nest(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, peer ? "veth" : "dummy");
	if (peer) {
		data = nl_nest(&m, IFLA_INFO_DATA);
		pa = nl_put(&m, VETH_INFO_PEER, &pifi, sizeof(pifi));
		nl_put_str(&m, IFLA_IFNAME, peer);
		nl_nest_end(&m, pa);
		nl_nest_end(&m, data);
	}
	nl_nest_end(&m, info);
	return nl_talk(fd, &m, NULL);
}

static int op_link_del(struct worker *w, const uint64_t *r)
{
	const char *name = ifnames[r[2] % ARRAY_SIZE(ifnames)];
	int ns = pick_ns(w, r[1]), fd = nl_sock(w, ns, 1);
	struct nlmsg m;

	tr(w, "link_del %s %s", ns_name(ns), name);
	if (fd < 0)
		return -fd;
	link_start(&m, RTM_DELLINK, 0, name);
	return nl_talk(fd, &m, NULL);
}

static int op_link_updown(struct worker *w, const uint64_t *r)
{
	const char *name = ifnames[r[2] % ARRAY_SIZE(ifnames)];
	int ns = pick_ns(w, r[1]), fd = nl_sock(w, ns, 1), up = r[3] % 3 != 0;
	struct ifinfomsg *ifi;

	/* lo goes down less often */
	if (!strcmp(name, "lo") && r[4] % 2)
		up = 1;
	struct nlmsg m;

	tr(w, "link_updown %s %s %s", ns_name(ns), name, up ? "up" : "down");
	if (fd < 0)
		return -fd;
	ifi = link_start(&m, RTM_NEWLINK, 0, name);
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return nl_talk(fd, &m, NULL);
}

static int op_link_mtu(struct worker *w, const uint64_t *r)
{
	const char *name = ifnames[r[2] % ARRAY_SIZE(ifnames)];
	int mtu = mtus[r[3] % ARRAY_SIZE(mtus)];
	int ns = pick_ns(w, r[1]), fd = nl_sock(w, ns, 1);
	struct nlmsg m;

	/* lo is restored to a usable MTU most of the time */
	if (!strcmp(name, "lo") && r[4] % 2)
		mtu = 65536;
	tr(w, "link_mtu %s %s %d", ns_name(ns), name, mtu);
	if (fd < 0)
		return -fd;
	link_start(&m, RTM_NEWLINK, 0, name);
	nl_put_u32(&m, IFLA_MTU, mtu);
	return nl_talk(fd, &m, NULL);
}

/* Moves an interface between the home and the private namespace. */
static int op_link_netns(struct worker *w, const uint64_t *r)
{
	const char *name = ifnames[r[2] % ARRAY_SIZE(ifnames)];
	int from = r[1] % 2 ? NS_PRIV : NS_HOME, to = !from, fd;
	struct nlmsg m;

	tr(w, "link_netns %s from %s to %s", name, ns_name(from), ns_name(to));
	if (w->priv_fd < 0)
		return EBADF;
	fd = nl_sock(w, from, 1);
	if (fd < 0)
		return -fd;
	link_start(&m, RTM_NEWLINK, 0, name);
	nl_put_u32(&m, IFLA_NET_NS_FD, ns_fd(w, to));
	return nl_talk(fd, &m, NULL);
}

static int op_addr(struct worker *w, const uint64_t *r)
{
	const char *ifname = ifnames[r[2] % ARRAY_SIZE(ifnames)];
	const char *spec = ifaddrs[r[3] % ARRAY_SIZE(ifaddrs)];
	int ns = pick_ns(w, r[1]), fd = nl_sock(w, ns, 1), add = r[4] % 3 != 0;
	int ifindex = 0, err, v6 = strchr(spec, ':') != NULL;
	unsigned char a[16];
	struct ifaddrmsg *ifa;
	char text[48], *slash;
	struct nlmsg m;

	tr(w, "addr %s %s %s %s", ns_name(ns), add ? "add" : "del", spec, ifname);
	if (fd < 0)
		return -fd;
	snprintf(text, sizeof(text), "%s", spec);
	slash = strchr(text, '/');
	*slash = 0;
	inet_pton(v6 ? AF_INET6 : AF_INET, text, a);
	err = rt_ifindex(fd, ifname, &ifindex);
	if (err)
		return err;
	ifa = nl_start(&m, add ? RTM_NEWADDR : RTM_DELADDR,
		       NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0),
		       sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = atoi(slash + 1);
	ifa->ifa_index = ifindex;
	nl_put(&m, IFA_LOCAL, a, v6 ? 16 : 4);
	nl_put(&m, IFA_ADDRESS, a, v6 ? 16 : 4);
	if (v6)
		nl_put_u32(&m, IFA_FLAGS, IFA_F_NODAD);
	return nl_talk(fd, &m, NULL);
}

/* --- the loop ------------------------------------------------------------ */

typedef int (*op_fn)(struct worker *, const uint64_t *);

#define OP_FN(name, ...) op_##name,
static const op_fn op_fns[] = { FOR_EACH_OP(OP_FN) };

static unsigned int total_weight;

static enum op pick_op(uint64_t x)
{
	unsigned int v = x % total_weight, i;

	for (i = 0; i < NOPS; i++) {
		if (v < op_weights[i])
			return i;
		v -= op_weights[i];
	}
	return OP_close;
}

static void run_ops(struct worker *w, unsigned long limit)
{
	unsigned long done;
	long long t0;
	uint64_t r[6];
	enum op op;
	int err, i;

	for (done = 0; done < limit; done++, w->nops++) {
		if (READ_ONCE(sh->stop) || now_ms() >= end_ms)
			break;
		if (!w->is_child && w->nchildren)
			reap_children(w, 0);
		/* A fixed number of draws per operation, whatever happens. */
		op = pick_op(splitmix64(&w->rng));
		for (i = 0; i < 6; i++)
			r[i] = splitmix64(&w->rng);
		if (w->is_child && op == OP_fork)
			op = OP_proc_vr;
		w->desc[0] = 0;
		t0 = now_ms();
		err = op_fns[op](w, r);
		t0 = now_ms() - t0;
		if ((unsigned long)t0 > sh->max_ms[w->id][op])
			sh->max_ms[w->id][op] = t0;
		if (err < 0)
			err = -err;
		if (err >= NERR)
			err = NERR - 1;
		if (tracing) {
			char res[32];

			snprintf(res, sizeof(res), "= %s", errname(err));
			trace_line(w, res);
		}
		__atomic_fetch_add(&sh->counts[w->id][op][err], 1,
				   __ATOMIC_RELAXED);
	}
}

static void __attribute__((noreturn)) worker_main(int id, int home_fd)
{
	struct worker *w = calloc(1, sizeof(*w));
	int i;

	if (!w)
		_exit(3);
	w->id = id;
	w->rng = worker_seed(seed, id);
	w->home_fd = home_fd;
	w->priv_fd = -1;
	w->in_home = 1;
	w->priv_vr_fd = -1;
	for (i = 0; i < NSLOTS; i++)
		w->slots[i].fd = -1;
	w->nl[0][0] = w->nl[0][1] = w->nl[1][0] = w->nl[1][1] = -1;
	while (!READ_ONCE(sh->go))
		sleep_ms(1);
	run_ops(w, max_ops);
	for (i = 0; i < NSLOTS; i++)
		slot_close(&w->slots[i]);
	nl_close_all(w);
	if (w->priv_fd >= 0)
		close(w->priv_fd);
	reap_children(w, 1);
	_exit(0);
}

/* --- the main process ---------------------------------------------------- */

static void print_file(const char *prefix, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		out("%s%s%s", prefix, line,
		       strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

/* State (field 3 of /proc/<pid>/stat) of a task, or 0. */
static char task_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void report_task(pid_t pid, const char *what)
{
	char path[64], wchan[64] = "?";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, wchan, sizeof(wchan) - 1);
		wchan[n > 0 ? n : 0] = 0;
		close(fd);
	}
	out("%s: pid %d state %c wchan %s\n", what, (int)pid,
	       task_state(pid) ? task_state(pid) : '?', wchan);
	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	print_file("  ", path);
}

/* Every task in D state, reported; returns their number. */
static int report_d_state(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pid_t pid = atoi(e->d_name);

		if (pid > 0 && task_state(pid) == 'D') {
			report_task(pid, "task in D state");
			n++;
		}
	}
	closedir(d);
	return n;
}

static unsigned long total_ops(void)
{
	unsigned long total = 0;
	int w, o, e;

	for (w = 0; w < nworkers; w++)
		for (o = 0; o < NOPS; o++)
			for (e = 0; e < NERR; e++)
				total += sh->counts[w][o][e];
	return total;
}

static int cmp_desc(const void *a, const void *b)
{
	const unsigned long *x = a, *y = b;

	return x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : (x[1] > y[1]) - (x[1] < y[1]);
}

static void print_stats(double secs)
{
	unsigned long per_err[NERR] = { 0 }, total = 0, per_worker[MAX_WORKERS];
	unsigned long pairs[NERR][2];
	int w, o, e, n;
	char line[4096];
	size_t len;

	for (w = 0; w < nworkers; w++) {
		per_worker[w] = 0;
		for (o = 0; o < NOPS; o++)
			for (e = 0; e < NERR; e++)
				per_worker[w] += sh->counts[w][o][e];
		total += per_worker[w];
	}
	out("ops: %lu in %.1f s (%.0f/s), forks %lu\n", total, secs,
	       secs > 0 ? total / secs : 0.0, sh->forks);
	len = snprintf(line, sizeof(line), "ops per worker (children included):");
	for (w = 0; w < nworkers; w++)
		len += snprintf(line + len, sizeof(line) - len, " %lu",
				per_worker[w]);
	out("%s\n", line);
	out("per operation: count (longest, ms): results\n");
	for (o = 0; o < NOPS; o++) {
		unsigned long op_total = 0, max = 0;

		for (w = 0; w < nworkers; w++)
			if (sh->max_ms[w][o] > max)
				max = sh->max_ms[w][o];
		for (e = 0; e < NERR; e++) {
			unsigned long c = 0;

			for (w = 0; w < nworkers; w++)
				c += sh->counts[w][o][e];
			pairs[e][0] = c;
			pairs[e][1] = e;
			op_total += c;
			per_err[e] += c;
		}
		qsort(pairs, NERR, sizeof(pairs[0]), cmp_desc);
		len = snprintf(line, sizeof(line), "op %-11s %7lu (%5lu):",
			       op_names[o], op_total, max);
		for (n = 0; n < NERR && pairs[n][0] && len < sizeof(line) - 40; n++)
			len += snprintf(line + len, sizeof(line) - len, " %s %lu",
					errname(pairs[n][1]), pairs[n][0]);
		out("%s\n", line);
	}
	for (e = 0; e < NERR; e++) {
		pairs[e][0] = per_err[e];
		pairs[e][1] = e;
	}
	qsort(pairs, NERR, sizeof(pairs[0]), cmp_desc);
	len = snprintf(line, sizeof(line), "all results:");
	for (n = 0; n < NERR && pairs[n][0] && len < sizeof(line) - 40; n++)
		len += snprintf(line + len, sizeof(line) - len, " %s %lu",
				errname(pairs[n][1]), pairs[n][0]);
	out("%s\n", line);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: vr-sysfuzz [-w WORKERS] [-t SECONDS] [-n OPS] [-s SEED] [-g GRACE]\n"
		"                  [-M] [-T] [-x] [-K]\n");
	exit(2);
}

static unsigned long long num_arg(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || v > max)
		usage();
	return v;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &s, sizeof(s)) != sizeof(s))
		s = (uint64_t)time(NULL) << 20 ^ getpid();
	if (fd >= 0)
		close(fd);
	return s;
}

int main(int argc, char **argv)
{
	int opt, home_fd, i, exited = 0, stuck = 0, crashed = 0, status;
	int done[MAX_WORKERS] = { 0 }, have_seed = 0, err;
	long long start, give_up, next_progress;

	while ((opt = getopt(argc, argv, "w:t:n:s:g:MTxK")) != -1) {
		switch (opt) {
		case 'w':
			nworkers = num_arg(optarg, MAX_WORKERS);
			if (nworkers < 1)
				usage();
			break;
		case 't':
			run_seconds = num_arg(optarg, 86400);
			break;
		case 'n':
			max_ops = num_arg(optarg, ULONG_MAX);
			break;
		case 's':
			seed = num_arg(optarg, UINT64_MAX);
			have_seed = 1;
			break;
		case 'g':
			grace_seconds = num_arg(optarg, 3600);
			break;
		case 'M':
			no_mapped = 1;
			break;
		case 'T':
			allow_tw = 1;
			break;
		case 'x':
			tracing = 1;
			break;
		case 'K':
			out_prefix = "# ";
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!have_seed)
		seed = random_seed();
	for (i = 0; i < NOPS; i++)
		total_weight += op_weights[i];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	out("seed %" PRIu64 " workers %d seconds %ld max-ops %lu%s%s "
	       "(replay: vr-sysfuzz -s %" PRIu64 " -w %d -t %ld%s%s)\n",
	       seed, nworkers, run_seconds, max_ops,
	       no_mapped ? " no-v4-mapped-binds" : "",
	       allow_tw ? " time-wait" : "", seed, nworkers, run_seconds,
	       no_mapped ? " -M" : "", allow_tw ? " -T" : "");
	for (i = 0; i < nworkers; i++)
		out("worker %d: seed %" PRIu64 "\n", i, worker_seed(seed, i));

	err = genl_resolve();
	if (err) {
		out("error: generic netlink family \"vr\": %s\n", strerror(err));
		return 3;
	}
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_fd < 0) {
		out("error: /proc/self/ns/net: %s\n", strerror(errno));
		return 3;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		out("error: mmap: %s\n", strerror(errno));
		return 3;
	}
	/* Children of workers that exit first are reparented to us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	end_ms = now_ms() + run_seconds * 1000 + 1000;	/* corrected at go */
	for (i = 0; i < nworkers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			out("error: fork: %s\n", strerror(errno));
			WRITE_ONCE(sh->stop, 1);
			WRITE_ONCE(sh->go, 1);
			return 3;
		}
		if (pid == 0)
			worker_main(i, home_fd);
		sh->pids[i] = pid;
	}
	start = now_ms();
	end_ms = start + run_seconds * 1000;
	WRITE_ONCE(sh->go, 1);

	/*
	 * Workers are only reaped once all have exited (or given up on), so
	 * that their pids stay theirs while others write /proc/<pid>/vr.
	 */
	give_up = end_ms + grace_seconds * 1000;
	next_progress = start + 10000;
	while (exited < nworkers && now_ms() < give_up) {
		if (now_ms() >= next_progress && now_ms() < end_ms) {
			out("%lld s: %lu ops\n", (now_ms() - start) / 1000,
			       total_ops());
			next_progress += 10000;
		}
		for (i = 0; i < nworkers; i++) {
			siginfo_t si = { 0 };

			if (done[i])
				continue;
			if (waitid(P_PID, sh->pids[i], &si,
				   WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
				continue;
			done[i] = 1;
			exited++;
			if (now_ms() < end_ms - 500)
				out("worker %d (pid %d) exited early\n", i,
				       (int)sh->pids[i]);
		}
		sleep_ms(50);
	}
	WRITE_ONCE(sh->stop, 1);
	for (i = 0; i < nworkers; i++) {
		if (done[i])
			continue;
		stuck++;
		out("FAIL: worker %d did not exit within %ld s of the end\n", i,
		       grace_seconds);
		report_task(sh->pids[i], "stuck worker");
	}
	if (stuck) {
		report_d_state();
		for (i = 0; i < nworkers; i++)
			if (!done[i])
				kill(sh->pids[i], SIGKILL);
	}
	/* Reap the workers and whatever children were reparented to us. */
	give_up = now_ms() + 10000;
	for (;;) {
		pid_t p = waitpid(-1, &status, WNOHANG);
		int is_worker = 0;

		if (p < 0)
			break;
		if (p == 0) {
			if (now_ms() >= give_up) {
				out("FAIL: tasks of the run still there after SIGKILL\n");
				report_d_state();
				stuck++;
				break;
			}
			sleep_ms(20);
			continue;
		}
		for (i = 0; i < nworkers; i++)
			if (sh->pids[i] == p)
				is_worker = 1;
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
			out("FAIL: %s %d died of signal %d\n",
			       is_worker ? "worker" : "child", (int)p,
			       WTERMSIG(status));
			crashed++;
		} else if (is_worker && WIFEXITED(status) && WEXITSTATUS(status)) {
			out("FAIL: worker %d exited with %d\n", (int)p,
			       WEXITSTATUS(status));
			crashed++;
		}
	}
	print_stats((now_ms() - start) / 1000.0);
	crashed += sh->child_crashes;
	if (sh->child_killed)
		out("children killed after 10 s: %lu\n", sh->child_killed);
	if (sh->orphan_binds) {
		static const char *const names[] = {
			"tcp4", "udp4", "ping4", "raw4",
			"tcp6", "udp6", "ping6", "raw6",
		};
		char line[256];
		size_t len = 0;

		for (i = 0; i < 8; i++)
			if (sh->orphan_by_kind[i])
				len += snprintf(line + len, sizeof(line) - len,
						" %s %lu", names[i],
						sh->orphan_by_kind[i]);
		out("anomaly: %lu sockets bound in a VR that does not exist:%s (first: %s)\n",
		    sh->orphan_binds, line, sh->orphan_bind_first);
	}
	out("result: %s (%d stuck, %d crashed)\n",
	       stuck || crashed ? "FAIL" : "ok", stuck, crashed);
	return stuck || crashed ? 1 : 0;
}
