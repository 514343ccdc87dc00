// SPDX-License-Identifier: GPL-2.0
/*
 * vr-claimd: a scripted stand-in for the ownership daemon of a distributed
 * host, to test the kernel's claim protocol on its own. It joins the "dhost"
 * group of the "vr" family, prints "ready", then one line per sock-ntf:
 *
 *   bind cookie=C [addr=A] [addr6=A6] vr=V proto=P port=N answer=E|none
 *   close|listen|accept|connect [addr=A] [addr6=A6] vr=V proto=P port=N [remote=R:RP]
 *
 * (addr6: the address of an IPv6 socket, which a dual-stack one on :: has
 * with addr; addr is left out only when addr6 came alone; R is [R6] for the
 * IPv6 peer of remote6) and answers each bind with claim-answer: errno E for
 * a port given as PORT=E (a number), no answer for PORT=none, else 0
 * (granted). The answer to claim-answer itself is printed as
 * "answer-ack errno=E".
 *
 *   vr-claimd [-t MS] [PORT=E|PORT=none]...
 *
 * It stops after MS milliseconds (default 30000) or when killed.
 *
 * Exit: 0, 1 on error, 2 on usage error.
 *
 * Build: gcc -static -O2 -Wall -Wextra -o vr-claimd vr-claimd.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* From include/uapi/linux/vr.h (generated from the YNL spec). */
enum { EV_BIND = 1, EV_CLOSE, EV_LISTEN, EV_ACCEPT, EV_CONNECT };
enum {
	A_EVENT = 1, A_COOKIE, A_ADDR, A_VR, A_PROTO, A_PORT, A_ERRNO,
	A_REMOTE, A_REMOTE_PORT, A_ADDR6, A_REMOTE6, A_MAX = A_REMOTE6
};

static const char *const event_names[] = {
	[EV_CLOSE] = "close", [EV_LISTEN] = "listen",
	[EV_ACCEPT] = "accept", [EV_CONNECT] = "connect",
};
enum { CMD_SOCK_NTF = 14, CMD_CLAIM_ANSWER = 15 };

#define MAX_RULES 64
#define NO_ANSWER -1

static struct { unsigned int port; int answer; } rules[MAX_RULES];
static int n_rules;

static void __attribute__((noreturn)) die(int rc, const char *what)
{
	fprintf(stderr, "vr-claimd: %s: %s\n", what, strerror(errno));
	exit(rc);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: vr-claimd [-t MS] [PORT=ERRNO|PORT=none]...\n");
	exit(2);
}

struct req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[256];
};

static void put_attr(struct req *r, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void send_req(int fd, uint16_t type, uint8_t cmd, struct req *r)
{
	static uint32_t seq;

	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->nh.nlmsg_seq = ++seq;
	r->gh.cmd = cmd;
	r->gh.version = 1;
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		die(1, "send");
}

static void init_req(struct req *r)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
}

/* A nest of nests of (id, name): the id of the group "dhost" in *group. */
static void find_dhost(struct nlattr *a, uint32_t *group)
{
	int glen = a->nla_len - NLA_HDRLEN;
	struct nlattr *g;

	for (g = (void *)((char *)a + NLA_HDRLEN);
	     glen >= NLA_HDRLEN && g->nla_len >= NLA_HDRLEN &&
	     g->nla_len <= glen;
	     glen -= NLA_ALIGN(g->nla_len),
	     g = (void *)((char *)g + NLA_ALIGN(g->nla_len))) {
		struct nlattr *f = (void *)((char *)g + NLA_HDRLEN);
		int flen = g->nla_len - NLA_HDRLEN;
		uint32_t id = 0;
		int is_dhost = 0;

		for (; flen >= NLA_HDRLEN && f->nla_len >= NLA_HDRLEN &&
		     f->nla_len <= flen;
		     flen -= NLA_ALIGN(f->nla_len),
		     f = (void *)((char *)f + NLA_ALIGN(f->nla_len))) {
			if (f->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				id = *(uint32_t *)((char *)f + NLA_HDRLEN);
			if (f->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				is_dhost = !strcmp((char *)f + NLA_HDRLEN, "dhost");
		}
		if (is_dhost)
			*group = id;
	}
}

/* Resolves the family id and the id of its group "dhost". */
static void resolve(int fd, uint16_t *family, uint32_t *group)
{
	static char buf[8192];
	struct req r;
	ssize_t n;

	init_req(&r);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, "vr", 3);
	send_req(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, &r);
	*family = 0;
	*group = 0;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *nh;

		for (nh = (void *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			struct nlattr *a;
			int len;

			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (e->error) {
					errno = -e->error;
					die(1, "resolving family vr");
				}
				if (*family && *group)
					return;
				errno = ENOENT;
				die(1, "family vr without group dhost");
			}
			len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			for (a = (void *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
			     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			     a->nla_len <= len;
			     len -= NLA_ALIGN(a->nla_len),
			     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
				if (a->nla_type == CTRL_ATTR_FAMILY_ID)
					*family = *(uint16_t *)((char *)a + NLA_HDRLEN);
				if (a->nla_type == CTRL_ATTR_MCAST_GROUPS)
					find_dhost(a, group);
			}
		}
	}
	die(1, "recv");
}

static int answer_for(unsigned int port)
{
	int i;

	for (i = 0; i < n_rules; i++)
		if (rules[i].port == port)
			return rules[i].answer;
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void handle(int fd, uint16_t family, struct nlmsghdr *nh)
{
	uint32_t v[A_MAX + 1] = { 0 };
	struct in6_addr addr6 = IN6ADDR_ANY_INIT, remote6 = IN6ADDR_ANY_INIT;
	unsigned int have = 0;	/* bit N: attribute N came */
	int len, ans;
	struct genlmsghdr *gh = NLMSG_DATA(nh);
	struct nlattr *a;
	char addr[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], r6[INET6_ADDRSTRLEN];
	char addrs[sizeof(" addr= addr6=") + INET_ADDRSTRLEN + INET6_ADDRSTRLEN];
	char remote[INET6_ADDRSTRLEN + 2], *p = addrs;
	struct req r;

	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		printf("answer-ack errno=%d\n", -e->error);
		return;
	}
	if (nh->nlmsg_type != family || gh->cmd != CMD_SOCK_NTF)
		return;
	len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (void *)((char *)gh + GENL_HDRLEN);
	     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		void *data = (char *)a + NLA_HDRLEN;

		if (a->nla_type == A_ADDR6 || a->nla_type == A_REMOTE6) {
			if (a->nla_len != NLA_HDRLEN + sizeof(addr6))
				continue;
			memcpy(a->nla_type == A_ADDR6 ? &addr6 : &remote6, data,
			       sizeof(addr6));
		} else if (a->nla_type > A_MAX || a->nla_len != NLA_HDRLEN + 4) {
			continue;
		} else {
			v[a->nla_type] = *(uint32_t *)data;
		}
		have |= 1u << a->nla_type;
	}
	/* " addr=A" as before addr6 existed (also if neither came), " addr6=A6" */
	inet_ntop(AF_INET, &v[A_ADDR], addr, sizeof(addr));
	inet_ntop(AF_INET6, &addr6, a6, sizeof(a6));
	*p = 0;
	if (have & (1u << A_ADDR) || !(have & (1u << A_ADDR6)))
		p += sprintf(p, " addr=%s", addr);
	if (have & (1u << A_ADDR6))
		sprintf(p, " addr6=%s", a6);
	/* R or [R6] */
	if (have & (1u << A_REMOTE6))
		snprintf(remote, sizeof(remote), "[%s]",
			 inet_ntop(AF_INET6, &remote6, r6, sizeof(r6)));
	else
		inet_ntop(AF_INET, &v[A_REMOTE], remote, sizeof(remote));
	if (v[A_EVENT] >= EV_CLOSE && v[A_EVENT] <= EV_CONNECT) {
		printf("%s%s%s vr=%u proto=%u port=%u", event_names[v[A_EVENT]],
		       have & (1u << A_COOKIE) ? " cookie=?" : "", addrs, v[A_VR],
		       v[A_PROTO], v[A_PORT]);
		if (have & (1u << A_REMOTE_PORT))
			printf(" remote=%s:%u", remote, v[A_REMOTE_PORT]);
		printf("\n");
		return;
	}
	if (v[A_EVENT] != EV_BIND) {
		printf("unknown event=%u\n", v[A_EVENT]);
		return;
	}
	ans = answer_for(v[A_PORT]);
	if (ans == NO_ANSWER)
		printf("bind cookie=%u%s vr=%u proto=%u port=%u answer=none\n",
		       v[A_COOKIE], addrs, v[A_VR], v[A_PROTO], v[A_PORT]);
	else
		printf("bind cookie=%u%s vr=%u proto=%u port=%u answer=%d\n",
		       v[A_COOKIE], addrs, v[A_VR], v[A_PROTO], v[A_PORT], ans);
	if (ans == NO_ANSWER)
		return;
	init_req(&r);
	put_attr(&r, A_COOKIE, &v[A_COOKIE], 4);
	put_attr(&r, A_ERRNO, &ans, 4);
	send_req(fd, family, CMD_CLAIM_ANSWER, &r);
}

int main(int argc, char **argv)
{
	static char buf[16384];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	long timeout = 30000, deadline;
	uint16_t family;
	uint32_t group;
	int fd, i;

	for (i = 1; i < argc; i++) {
		char *eq, *end;

		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			timeout = strtol(argv[++i], &end, 10);
			if (*end || timeout <= 0)
				usage();
			continue;
		}
		eq = strchr(argv[i], '=');
		if (!eq || n_rules == MAX_RULES)
			usage();
		rules[n_rules].port = strtoul(argv[i], &end, 10);
		if (end != eq)
			usage();
		if (!strcmp(eq + 1, "none")) {
			rules[n_rules].answer = NO_ANSWER;
		} else {
			rules[n_rules].answer = strtol(eq + 1, &end, 10);
			if (*end || rules[n_rules].answer < 0)
				usage();
		}
		n_rules++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(1, "netlink socket");
	resolve(fd, &family, &group);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0)
		die(1, "joining group dhost");
	printf("ready\n");
	deadline = now_ms() + timeout;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		struct nlmsghdr *nh;
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				printf("overrun\n");
				continue;
			}
			die(1, "recv");
		}
		for (nh = (void *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n))
			handle(fd, family, nh);
	}
}
