// SPDX-License-Identifier: GPL-2.0
/*
 * vr-nlraw: send one hand-built generic netlink request to the "vr" family
 * and report the kernel's answer on one line, for selftests of malformed
 * input that a well-behaved client such as vrctl never sends.
 *
 *   vr-nlraw [options] CMD [ATTR...]
 *
 * CMD is the numeric genetlink command. Each ATTR is appended, in order, as
 * a top-level attribute:
 *
 *   u8:T=V  u16:T=V  u32:T=V  u64:T=V   integer (decimal or 0x hex) of that size
 *   str:T=S        string S with its terminating NUL
 *   strnonul:T=S   string S without the NUL
 *   bin:T=HEX      raw payload bytes, e.g. bin:1=0100 (empty allowed)
 *
 * Options:
 *   --dump          send NLM_F_DUMP instead of NLM_F_ACK
 *   --truncate N    send only the first N bytes of the built message
 *   --hdr-len N     put N in nlmsg_len (default: the built length)
 *   --family NAME   family to resolve (default "vr")
 *   --version V     genlmsghdr.version (default 1)
 *   --timeout S     seconds to wait for the answer (default 5)
 *   -v              also print each reply message, decoded, as "# " lines
 *   --repeat N      send the request N times, each after the answer to the
 *                   one before, adding 1 each time to the first attribute
 *                   with a 4-byte payload (a u32, or a 4-byte bin), e.g.
 *                   create VRs 1..N from one process; stops at the first
 *                   error, and prints its answer with
 *                   "repeated=<requests answered without error>"
 *   --max-time S    with --repeat: send no further request once S seconds
 *                   (CLOCK_MONOTONIC) have passed since the first; the
 *                   line then ends with "stopped=time" (make bench: a
 *                   load that must not run for ever)
 *   --time          print "usecs=<n>": the microseconds (CLOCK_MONOTONIC,
 *                   guest time in a VM with -icount) from the first send
 *                   to the last answer
 *
 * Output (stdout), one line:
 *   errno=<n> name=<EXXX|0> extack="<msg>" entries=<replies> [offs=<n>]
 *   [miss-type=<n>] [miss-nest=<n>] [repeated=<n>] [usecs=<n>]
 *   [stopped=time]
 * With no answer: errno=none name=NOREPLY extack="" entries=0, and
 * repeated= and usecs= as above.
 * errno is the positive errno of the ack (or of NLMSG_DONE for a dump),
 * entries the number of reply messages before it.
 *
 * Exit: 0 when the kernel answered (whatever the errno), 2 on usage error,
 * 3 on local failure (socket, unknown family, ...), 4 when no answer came
 * within the timeout (the kernel drops e.g. a message whose nlmsg_len is
 * larger than what was sent, without an ack).
 *
 * The socket has NETLINK_EXT_ACK and NETLINK_CAP_ACK set.
 *
 * Build: gcc -static -O2 -Wall -Wextra -o vr-nlraw vr-nlraw.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* enum nlmsgerr_attrs, spelled out for older headers. */
enum {
	ACK_ATTR_MSG = 1,
	ACK_ATTR_OFFS = 2,
	ACK_ATTR_MISS_TYPE = 5,
	ACK_ATTR_MISS_NEST = 6,
};

enum {
	EXIT_ANSWERED = 0,
	EXIT_USAGE = 2,
	EXIT_LOCAL = 3,
	EXIT_NOREPLY = 4,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MSG_MAX 65536
#define RCV_MAX (1 << 20)

static const char *prog = "vr-nlraw";

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void __attribute__((noreturn)) usage(const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", prog, why);
	fprintf(stderr,
		"usage: %s [--dump] [--truncate N] [--hdr-len N] [--family NAME]\n"
		"          [--version V] [--timeout S] [--repeat N] [--max-time S]\n"
		"          [--time] [-v] CMD [ATTR...]\n"
		"ATTR: u8:T=V u16:T=V u32:T=V u64:T=V str:T=S strnonul:T=S bin:T=HEX\n",
		prog);
	exit(EXIT_USAGE);
}

static unsigned long long parse_num(const char *s, unsigned long long max,
				    const char *what)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		usage(NULL);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (0..%llu)\n", prog, what, s, max);
		exit(EXIT_USAGE);
	}
	return v;
}

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
	{ EDOM, "EDOM" }, { ENOSYS, "ENOSYS" }, { EMSGSIZE, "EMSGSIZE" },
	{ EPROTO, "EPROTO" }, { EBADMSG, "EBADMSG" },
	{ EOVERFLOW, "EOVERFLOW" }, { ENOTSUP, "EOPNOTSUPP" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ENOBUFS, "ENOBUFS" },
	{ ENOTCONN, "ENOTCONN" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ EALREADY, "EALREADY" }, { EINPROGRESS, "EINPROGRESS" },
	{ ENOTEMPTY, "ENOTEMPTY" }, { ENOLINK, "ENOLINK" },
	{ ENODATA, "ENODATA" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ENETDOWN, "ENETDOWN" }, { ENETUNREACH, "ENETUNREACH" },
	{ EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { ELOOP, "ELOOP" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOTTY, "ENOTTY" },
	{ EXDEV, "EXDEV" }, { ESTALE, "ESTALE" }, { EDQUOT, "EDQUOT" },
};

static const char *errname(int e)
{
	static char buf[32];
	size_t i;

	if (e == 0)
		return "0";
	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* --- building messages ------------------------------------------------ */

struct msg {
	unsigned char buf[MSG_MAX];
	size_t len;
};

static void msg_init(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd,
		     uint8_t version, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g;

	memset(m->buf, 0, sizeof(m->buf));
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_len = m->len;
}

static void msg_put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla;
	size_t total = NLA_HDRLEN + len;

	if (total > UINT16_MAX || m->len + NLA_ALIGN(total) > sizeof(m->buf))
		die(EXIT_USAGE, "attribute %u too long", type);
	nla = (struct nlattr *)(m->buf + m->len);
	nla->nla_type = type;
	nla->nla_len = total;
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(total);
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One "kind:T=V" argument. */
static void put_arg(struct msg *m, const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *eq = colon ? strchr(colon, '=') : NULL;
	char kind[16], tstr[16];
	const char *val;
	uint16_t type;

	if (!colon || !eq || colon == arg || (size_t)(colon - arg) >= sizeof(kind) ||
	    eq == colon + 1 || (size_t)(eq - colon - 1) >= sizeof(tstr)) {
		fprintf(stderr, "%s: bad attribute '%s' (want KIND:TYPE=VALUE)\n",
			prog, arg);
		usage(NULL);
	}
	memcpy(kind, arg, colon - arg);
	kind[colon - arg] = 0;
	memcpy(tstr, colon + 1, eq - colon - 1);
	tstr[eq - colon - 1] = 0;
	type = parse_num(tstr, UINT16_MAX, "attribute type");
	val = eq + 1;

	if (!strcmp(kind, "u8")) {
		uint8_t v = parse_num(val, UINT8_MAX, "u8");

		msg_put(m, type, &v, sizeof(v));
	} else if (!strcmp(kind, "u16")) {
		uint16_t v = parse_num(val, UINT16_MAX, "u16");

		msg_put(m, type, &v, sizeof(v));
	} else if (!strcmp(kind, "u32")) {
		uint32_t v = parse_num(val, UINT32_MAX, "u32");

		msg_put(m, type, &v, sizeof(v));
	} else if (!strcmp(kind, "u64")) {
		uint64_t v = parse_num(val, UINT64_MAX, "u64");

		msg_put(m, type, &v, sizeof(v));
	} else if (!strcmp(kind, "str")) {
		msg_put(m, type, val, strlen(val) + 1);
	} else if (!strcmp(kind, "strnonul")) {
		msg_put(m, type, val, strlen(val));
	} else if (!strcmp(kind, "bin")) {
		unsigned char bytes[MSG_MAX / 2];
		size_t n = strlen(val), i;

		if (n % 2 || n / 2 > sizeof(bytes))
			die(EXIT_USAGE, "bad hex payload '%s'", val);
		for (i = 0; i < n / 2; i++) {
			int hi = hexval(val[2 * i]), lo = hexval(val[2 * i + 1]);

			if (hi < 0 || lo < 0)
				die(EXIT_USAGE, "bad hex payload '%s'", val);
			bytes[i] = hi << 4 | lo;
		}
		msg_put(m, type, bytes, n / 2);
	} else {
		fprintf(stderr, "%s: unknown attribute kind '%s'\n", prog, kind);
		usage(NULL);
	}
}

/* --- talking to the kernel -------------------------------------------- */

static int nl_open(int timeout)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = timeout };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die(EXIT_LOCAL, "socket(AF_NETLINK, NETLINK_GENERIC): %s",
		    strerror(errno));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		die(EXIT_LOCAL, "setsockopt(NETLINK_EXT_ACK): %s", strerror(errno));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		die(EXIT_LOCAL, "setsockopt(NETLINK_CAP_ACK): %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die(EXIT_LOCAL, "setsockopt(SO_RCVTIMEO): %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die(EXIT_LOCAL, "bind: %s", strerror(errno));
	return fd;
}

static void nl_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		die(EXIT_LOCAL, "sendto: %s", strerror(errno));
	if ((size_t)n != len)
		die(EXIT_LOCAL, "sendto: short write (%zd of %zu)", n, len);
}

/* What the kernel answered. */
struct answer {
	int got;		/* an ack, an error or NLMSG_DONE was received */
	int err;		/* positive errno, 0 for success */
	char extack[1024];
	long offs, miss_type, miss_nest;	/* -1 when absent */
	unsigned int entries;
	uint16_t family_id;	/* CTRL_ATTR_FAMILY_ID of a reply, when resolving */
};

/* Extended-ack TLVs starting at p, len bytes. */
static void parse_ack_tlvs(struct answer *a, const unsigned char *p, size_t len)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const struct nlattr *)p;
		size_t alen = nla->nla_len, plen;
		const unsigned char *data = p + NLA_HDRLEN;

		if (alen < NLA_HDRLEN || alen > len)
			break;
		plen = alen - NLA_HDRLEN;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case ACK_ATTR_MSG: {
			size_t n = strnlen((const char *)data, plen);

			if (n >= sizeof(a->extack))
				n = sizeof(a->extack) - 1;
			memcpy(a->extack, data, n);
			a->extack[n] = 0;
			break;
		}
		case ACK_ATTR_OFFS:
			if (plen == 4)
				a->offs = *(const uint32_t *)data;
			break;
		case ACK_ATTR_MISS_TYPE:
			if (plen == 4)
				a->miss_type = *(const uint32_t *)data;
			break;
		case ACK_ATTR_MISS_NEST:
			if (plen == 4)
				a->miss_nest = *(const uint32_t *)data;
			break;
		default:
			break;
		}
		if (NLA_ALIGN(alen) >= len)
			break;
		p += NLA_ALIGN(alen);
		len -= NLA_ALIGN(alen);
	}
}

static int printable(const unsigned char *d, size_t n)
{
	size_t i;

	if (n == 0 || d[n - 1] != 0)
		return 0;
	for (i = 0; i + 1 < n; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			return 0;
	return 1;
}

static int printable_nonul(const unsigned char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			return 0;
	return 1;
}

static int looks_nested(const unsigned char *d, size_t n)
{
	size_t off = 0;

	if (n < NLA_HDRLEN)
		return 0;
	while (off < n) {
		const struct nlattr *nla = (const struct nlattr *)(d + off);

		if (n - off < NLA_HDRLEN || nla->nla_len < NLA_HDRLEN ||
		    nla->nla_len > n - off)
			return 0;
		off += NLA_ALIGN(nla->nla_len);
	}
	return 1;
}

/* Attributes as "T=u32:V T=str:"S" T=nest[...] T=hex:..." on stdout. */
static void print_attrs(const unsigned char *p, size_t len, int depth)
{
	int first = 1;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const struct nlattr *)p;
		size_t alen = nla->nla_len, plen, i;
		const unsigned char *d = p + NLA_HDRLEN;

		if (alen < NLA_HDRLEN || alen > len) {
			printf("%s<malformed %zu bytes>", first ? "" : " ", len);
			return;
		}
		plen = alen - NLA_HDRLEN;
		printf("%s%u=", first ? "" : " ", nla->nla_type & NLA_TYPE_MASK);
		first = 0;
		if (printable(d, plen)) {
			printf("str:\"%s\"", (const char *)d);
		} else if (plen == 4) {
			printf("u32:%" PRIu32, *(const uint32_t *)d);
		} else if (plen && printable_nonul(d, plen)) {
			printf("strnonul:\"%.*s\"", (int)plen, (const char *)d);
		} else if (depth < 4 && looks_nested(d, plen)) {
			printf("nest[");
			print_attrs(d, plen, depth + 1);
			printf("]");
		} else {
			printf("hex:");
			for (i = 0; i < plen; i++)
				printf("%02x", d[i]);
		}
		if (NLA_ALIGN(alen) >= len)
			break;
		p += NLA_ALIGN(alen);
		len -= NLA_ALIGN(alen);
	}
}

/*
 * Reads messages answering seq until an NLMSG_ERROR (ack) or NLMSG_DONE.
 * Counts the other messages as entries. Returns 0, or -1 on timeout.
 */
static int nl_recv_answer(int fd, uint32_t seq, struct answer *a, int verbose,
			  int want_family_id)
{
	static unsigned char buf[RCV_MAX];

	memset(a, 0, sizeof(*a));
	a->offs = a->miss_type = a->miss_nest = -1;

	while (!a->got) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		struct nlmsghdr *nlh;
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -1;
			die(EXIT_LOCAL, "recv: %s", strerror(errno));
		}
		if ((size_t)n > sizeof(buf))
			die(EXIT_LOCAL, "recv: message of %zd bytes truncated", n);
		len = n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const unsigned char *pl = NLMSG_DATA(nlh);
			size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

			if (nlh->nlmsg_seq != seq)
				continue;	/* stale, not ours */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = (const void *)pl;
				size_t off = sizeof(*e);

				if (plen < sizeof(*e))
					die(EXIT_LOCAL, "short NLMSG_ERROR");
				a->got = 1;
				a->err = -e->error;
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && plen > off)
					parse_ack_tlvs(a, pl + off, plen - off);
				break;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				a->got = 1;
				if (plen >= sizeof(int)) {
					a->err = -*(const int *)pl;
					if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
					    plen > sizeof(int))
						parse_ack_tlvs(a, pl + sizeof(int),
							       plen - sizeof(int));
				}
				break;
			}
			if (nlh->nlmsg_type == NLMSG_NOOP)
				continue;
			a->entries++;
			if (plen < GENL_HDRLEN)
				continue;
			if (want_family_id) {
				const unsigned char *p = pl + GENL_HDRLEN;
				size_t l = plen - GENL_HDRLEN;

				while (l >= NLA_HDRLEN) {
					const struct nlattr *nla = (const void *)p;

					if (nla->nla_len < NLA_HDRLEN || nla->nla_len > l)
						break;
					if ((nla->nla_type & NLA_TYPE_MASK) ==
						    CTRL_ATTR_FAMILY_ID &&
					    nla->nla_len == NLA_HDRLEN + 2)
						a->family_id = *(const uint16_t *)(p + NLA_HDRLEN);
					if ((size_t)NLA_ALIGN(nla->nla_len) >= l)
						break;
					p += NLA_ALIGN(nla->nla_len);
					l -= NLA_ALIGN(nla->nla_len);
				}
			}
			if (verbose) {
				const struct genlmsghdr *g = (const void *)pl;

				printf("# reply type=%u cmd=%u version=%u attrs: ",
				       nlh->nlmsg_type, g->cmd, g->version);
				print_attrs(pl + GENL_HDRLEN, plen - GENL_HDRLEN, 0);
				printf("\n");
			}
		}
	}
	return 0;
}

static uint16_t resolve_family(int fd, const char *name, int timeout)
{
	static struct msg m;
	struct answer a;

	msg_init(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
		 CTRL_CMD_GETFAMILY, 1, 1);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	nl_send(fd, m.buf, m.len);
	if (nl_recv_answer(fd, 1, &a, 0, 1))
		die(EXIT_LOCAL, "no answer from nlctrl within %d s", timeout);
	if (a.err == ENOENT)
		die(EXIT_LOCAL,
		    "generic netlink family \"%s\" not found (module not loaded?)",
		    name);
	if (a.err)
		die(EXIT_LOCAL, "resolving family \"%s\": %s%s%s", name,
		    strerror(a.err), a.extack[0] ? ": " : "", a.extack);
	if (!a.family_id)
		die(EXIT_LOCAL, "resolving family \"%s\": no id in the reply", name);
	return a.family_id;
}

static void print_quoted(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* CLOCK_MONOTONIC in microseconds. */
static unsigned long long now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die(EXIT_LOCAL, "clock_gettime: %s", strerror(errno));
	return (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The fields that follow the answer with --repeat, --time, --max-time. */
static void print_counts(unsigned long repeat, unsigned long done, int timed,
			 unsigned long long usecs, int stopped)
{
	if (repeat)
		printf(" repeated=%lu", done);
	if (timed)
		printf(" usecs=%llu", usecs);
	if (stopped)
		printf(" stopped=time");
}

int main(int argc, char **argv)
{
	static struct msg m;
	const char *family = "vr";
	long truncate = -1, hdr_len = -1;
	int dump = 0, verbose = 0, timeout = 5, i, fd;
	unsigned int version = 1;
	uint16_t family_id;
	uint8_t cmd;
	size_t send_len;
	struct answer a;
	uint32_t seq = 2, *counter = NULL;
	unsigned long repeat = 0, done = 0;
	unsigned long long start, usecs, max_us = 0;
	int timed = 0, stopped = 0;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--dump")) {
			dump = 1;
		} else if (!strcmp(o, "-v")) {
			verbose = 1;
		} else if (!strcmp(o, "--time")) {
			timed = 1;
		} else if (!strcmp(o, "--truncate") || !strcmp(o, "--hdr-len") ||
			   !strcmp(o, "--family") || !strcmp(o, "--version") ||
			   !strcmp(o, "--timeout") || !strcmp(o, "--repeat") ||
			   !strcmp(o, "--max-time")) {
			if (i + 1 >= argc)
				usage("option needs a value");
			i++;
			if (!strcmp(o, "--truncate"))
				truncate = parse_num(argv[i], MSG_MAX, "length");
			else if (!strcmp(o, "--hdr-len"))
				hdr_len = parse_num(argv[i], UINT32_MAX, "length");
			else if (!strcmp(o, "--family"))
				family = argv[i];
			else if (!strcmp(o, "--version"))
				version = parse_num(argv[i], UINT8_MAX, "version");
			else if (!strcmp(o, "--repeat"))
				repeat = parse_num(argv[i], UINT32_MAX, "count");
			else if (!strcmp(o, "--max-time"))
				max_us = parse_num(argv[i], 86400, "seconds") * 1000000ULL;
			else
				timeout = parse_num(argv[i], 3600, "timeout");
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(NULL);
		} else if (!strcmp(o, "--")) {
			i++;
			break;
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, o);
			usage(NULL);
		} else {
			break;
		}
	}
	if (i >= argc)
		usage("missing CMD");
	if (timeout < 1)
		timeout = 1;
	if (max_us && !repeat)
		usage("--max-time needs --repeat");
	cmd = parse_num(argv[i++], UINT8_MAX, "command");

	fd = nl_open(timeout);
	family_id = resolve_family(fd, family, timeout);

	msg_init(&m, family_id,
		 NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK), cmd, version, seq);
	for (; i < argc; i++)
		put_arg(&m, argv[i]);

	if (hdr_len >= 0)
		((struct nlmsghdr *)m.buf)->nlmsg_len = hdr_len;
	send_len = m.len;
	if (truncate >= 0) {
		if ((size_t)truncate > m.len)
			die(EXIT_USAGE, "--truncate %ld: the message has only %zu bytes",
			    truncate, m.len);
		send_len = truncate;
	}
	if (repeat) {
		size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

		/* The first top-level attribute with a 4-byte payload. */
		while (off + NLA_HDRLEN <= m.len) {
			struct nlattr *nla = (struct nlattr *)(m.buf + off);

			if (nla->nla_len == NLA_HDRLEN + 4) {
				counter = (uint32_t *)(m.buf + off + NLA_HDRLEN);
				break;
			}
			off += NLA_ALIGN(nla->nla_len);
		}
		if (!counter)
			usage("--repeat needs a u32 attribute to count with");
	}
	start = now_us();
	for (;;) {
		nl_send(fd, m.buf, send_len);
		if (nl_recv_answer(fd, seq, &a, verbose, 0) || a.err ||
		    ++done >= repeat)
			break;
		if (max_us && now_us() - start >= max_us) {
			stopped = 1;
			break;
		}
		(*counter)++;
		((struct nlmsghdr *)m.buf)->nlmsg_seq = ++seq;
	}
	usecs = now_us() - start;
	if (!a.got) {
		printf("errno=none name=NOREPLY extack=\"\" entries=0");
		print_counts(repeat, done, timed, usecs, 0);
		printf("\n");
		fflush(stdout);
		fprintf(stderr, "%s: no answer within %d s\n", prog, timeout);
		return EXIT_NOREPLY;
	}
	printf("errno=%d name=%s extack=", a.err, errname(a.err));
	print_quoted(a.extack);
	printf(" entries=%u", a.entries);
	if (a.offs >= 0)
		printf(" offs=%ld", a.offs);
	if (a.miss_type >= 0)
		printf(" miss-type=%ld", a.miss_type);
	if (a.miss_nest >= 0)
		printf(" miss-nest=%ld", a.miss_nest);
	print_counts(repeat, done, timed, usecs, stopped);
	printf("\n");
	if (fflush(stdout))
		die(EXIT_LOCAL, "stdout: %s", strerror(errno));
	close(fd);
	return EXIT_ANSWERED;
}
