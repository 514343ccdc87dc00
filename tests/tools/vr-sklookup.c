// SPDX-License-Identifier: GPL-2.0
/*
 * vr-sklookup: steer socket lookups with a BPF sk_lookup program, or
 * assign a socket to packets with a tc program.
 *
 *   vr-sklookup [-v VR] [-i IFNAME [-r REDIR_IF]] tcp|udp ADDR PORT STEER_PORT REPLY
 *	Bind a socket to ADDR:PORT (with SO_VR VR set first, if given; TCP:
 *	listening; an AF_INET6 socket, dual-stack, if ADDR is IPv6), put it
 *	in a one-entry SOCKMAP and attach to this network namespace an
 *	sk_lookup program that assigns it to every lookup for
 *	local port STEER_PORT of its protocol, whatever the lookup's VR. Print
 *	"ready", then answer every TCP connection or UDP datagram with REPLY
 *	and print "from ADDR:PORT" (its peer), until killed (which detaches
 *	the program). If bpf_sk_assign() fails,
 *	the program lets the regular lookup run (SK_PASS).
 *
 *	With -i (UDP only), attach instead a tc program to IFNAME's ingress
 *	(tcx) that bpf_sk_assign()s the socket to every IPv4 datagram for
 *	port STEER_PORT, and sets the packet's mark to 1 if the assign
 *	succeeded, else to its -errno. With -r, the program then redirects
 *	the datagram to the ingress of REDIR_IF (bpf_redirect()).
 *
 * No libbpf: raw bpf(2), the programs' instructions written out here (the
 * sk_lookup one as clang -O2 -target bpf gives it for sk_lookup.c; the tc
 * one by hand).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_VR
#define SO_VR 85
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define STX_W(d, s, o)	INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define LDX_W(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define LD_ABS_B(o)	INSN(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, o)
#define LD_ABS_H(o)	INSN(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, o)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define LD_MAP_FD(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
			 INSN(0, 0, 0, 0, 0)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define INSN_CNT 20

/* The sk_lookup program (sk_lookup.c), for STEER and SOCKMAP fd MAP. */
static void prog_insns(struct bpf_insn *out, int steer, int map)
{
	const struct bpf_insn insns[INSN_CNT] = {
		MOV64_REG(6, 1),			/* r6 = ctx */
		MOV64_IMM(1, 0),
		STX_W(10, 1, -4),			/* key = 0 */
		LDX_W(1, 6, offsetof(struct bpf_sk_lookup, local_port)),
		JNE_IMM(1, steer, 13),			/* -> return SK_PASS */
		MOV64_REG(2, 10),
		ADD64_IMM(2, -4),			/* r2 = &key */
		LD_MAP_FD(1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(0, 0, 7),			/* no socket -> SK_PASS */
		MOV64_REG(1, 6),
		MOV64_REG(2, 0),
		MOV64_IMM(3, 0),
		MOV64_REG(6, 0),
		CALL(BPF_FUNC_sk_assign),		/* result ignored */
		MOV64_REG(1, 6),
		CALL(BPF_FUNC_sk_release),
		MOV64_IMM(0, SK_PASS),
		EXIT(),
	};

	memcpy(out, insns, sizeof(insns));
}

/* BPF_TCX_INGRESS, in the uapi of Linux 6.6 and later */
#define VR_BPF_TCX_INGRESS 46
#define TC_INSN_CNT 34

/*
 * The tc program, for STEER, SOCKMAP fd MAP and, if REDIR is not 0, a
 * redirect to the ingress of ifindex REDIR; returns its length. tcx runs
 * it with the Ethernet header pushed, so LD_ABS offsets start there.
 */
static int tc_insns(struct bpf_insn *out, int steer, int map, int redir)
{
	int o = redir ? 4 : 0;	/* jumps to "out" skip the redirect */
	const struct bpf_insn insns[] = {
		MOV64_REG(6, 1),			/* r6 = skb (LD_ABS) */
		MOV64_IMM(1, 0),
		STX_W(10, 1, -4),			/* key = 0 */
		LDX_W(1, 6, offsetof(struct __sk_buff, protocol)),
		JNE_IMM(1, htons(0x0800), 23 + o),	/* not IPv4 -> out */
		LD_ABS_B(14),				/* version, IHL 5 */
		JNE_IMM(0, 0x45, 21 + o),
		LD_ABS_B(14 + 9),			/* protocol */
		JNE_IMM(0, IPPROTO_UDP, 19 + o),
		LD_ABS_H(14 + 20 + 2),			/* UDP dport */
		JNE_IMM(0, steer, 17 + o),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -4),			/* r2 = &key */
		LD_MAP_FD(1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(0, 0, 11 + o),			/* empty -> out */
		MOV64_REG(1, 6),
		MOV64_REG(2, 0),
		MOV64_IMM(3, 0),
		MOV64_REG(7, 0),
		CALL(BPF_FUNC_sk_assign),
		MOV64_REG(8, 0),			/* 0 or -errno */
		MOV64_REG(1, 7),
		CALL(BPF_FUNC_sk_release),
		JNE_IMM(8, 0, 1),
		MOV64_IMM(8, 1),			/* assigned: mark 1 */
		STX_W(6, 8, offsetof(struct __sk_buff, mark)),
		MOV64_IMM(0, -1),			/* out: TCX_NEXT */
		EXIT(),
	};
	const struct bpf_insn redirect[4] = {
		MOV64_IMM(1, redir),
		MOV64_IMM(2, BPF_F_INGRESS),
		CALL(BPF_FUNC_redirect),
		EXIT(),
	};

	_Static_assert(ARRAY_SIZE(insns) == 30, "out is at 28");
	memcpy(out, insns, 28 * sizeof(*out));
	if (redir)
		memcpy(out + 28, redirect, sizeof(redirect));
	memcpy(out + 28 + o, insns + 28, 2 * sizeof(*out));
	return 30 + o;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static void die(const char *what)
{
	fprintf(stderr, "vr-sklookup: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Print "from ADDR:PORT" for an IPv4 or IPv6 peer. */
static void print_peer(const struct sockaddr_storage *peer)
{
	const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)peer;
	const struct sockaddr_in *p4 = (const struct sockaddr_in *)peer;
	char addr[INET6_ADDRSTRLEN] = "?";

	if (peer->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &p6->sin6_addr, addr, sizeof(addr));
		printf("from %s:%d\n", addr, ntohs(p6->sin6_port));
	} else {
		inet_ntop(AF_INET, &p4->sin_addr, addr, sizeof(addr));
		printf("from %s:%d\n", addr, ntohs(p4->sin_port));
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int vr = -1, opt, tcp, fd, map, prog, target, link, one = 1;
	int ifindex = 0, redir = 0, cnt;
	static char log[65536];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr *sa = (struct sockaddr *)&sin;
	socklen_t salen = sizeof(sin);
	union bpf_attr a;
	__u32 key = 0;
	__u64 val;

#ifdef DUMP_INSNS
	struct bpf_insn d[INSN_CNT];

	prog_insns(d, 7777, 0);
	fwrite(d, sizeof(d), 1, stdout);
	return 0;
#endif
	while ((opt = getopt(argc, argv, "v:i:r:")) != -1) {
		if (opt == 'v') {
			vr = atoi(optarg);
		} else if (opt == 'i') {
			ifindex = if_nametoindex(optarg);
			if (!ifindex)
				die(optarg);
		} else if (opt == 'r') {
			redir = if_nametoindex(optarg);
			if (!redir)
				die(optarg);
		} else {
			goto usage;
		}
	}
	if (argc - optind != 5)
		goto usage;
	tcp = !strcmp(argv[optind], "tcp");
	if (!tcp && strcmp(argv[optind], "udp"))
		goto usage;
	if ((tcp && ifindex) || (redir && !ifindex))
		goto usage;
	if (inet_pton(AF_INET6, argv[optind + 1], &sin6.sin6_addr) == 1) {
		sin6.sin6_port = htons(atoi(argv[optind + 2]));
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else if (inet_pton(AF_INET, argv[optind + 1], &sin.sin_addr) == 1) {
		sin.sin_port = htons(atoi(argv[optind + 2]));
	} else {
		goto usage;
	}
	int steer = atoi(argv[optind + 3]);
	const char *reply = argv[optind + 4];

	fd = socket(sa->sa_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (vr >= 0 && setsockopt(fd, SOL_SOCKET, SO_VR, &vr, sizeof(vr)))
		die("SO_VR");
	if (bind(fd, sa, salen))
		die("bind");
	if (tcp && listen(fd, 16))
		die("listen");

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_SOCKMAP;
	a.key_size = sizeof(key);
	a.value_size = sizeof(val);
	a.max_entries = 1;
	map = sys_bpf(BPF_MAP_CREATE, &a);
	if (map < 0)
		die("BPF_MAP_CREATE SOCKMAP");
	val = fd;
	memset(&a, 0, sizeof(a));
	a.map_fd = map;
	a.key = (unsigned long)&key;
	a.value = (unsigned long)&val;
	a.flags = BPF_ANY;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a))
		die("BPF_MAP_UPDATE_ELEM (socket into SOCKMAP)");

	struct bpf_insn insns[TC_INSN_CNT];

	memset(&a, 0, sizeof(a));
	if (ifindex) {
		cnt = tc_insns(insns, steer, map, redir);
		a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	} else {
		prog_insns(insns, steer, map);
		cnt = INSN_CNT;
		a.prog_type = BPF_PROG_TYPE_SK_LOOKUP;
		a.expected_attach_type = BPF_SK_LOOKUP;
	}
	a.insns = (unsigned long)insns;
	a.insn_cnt = cnt;
	a.license = (unsigned long)"GPL";
	prog = sys_bpf(BPF_PROG_LOAD, &a);
	if (prog < 0) {			/* again, for the verifier's log */
		int err = errno;

		a.log_buf = (unsigned long)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		sys_bpf(BPF_PROG_LOAD, &a);
		fprintf(stderr, "%s", log);
		errno = err;
		die("BPF_PROG_LOAD");
	}

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog;
	if (ifindex) {
		/* tcx: the program goes when the link (this process) does */
		a.link_create.target_ifindex = ifindex;
		a.link_create.attach_type = VR_BPF_TCX_INGRESS;
	} else {
		target = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (target < 0)
			die("/proc/self/ns/net");
		a.link_create.target_fd = target;
		a.link_create.attach_type = BPF_SK_LOOKUP;
	}
	link = sys_bpf(BPF_LINK_CREATE, &a);
	if (link < 0)
		die("BPF_LINK_CREATE");

	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char buf[512];
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);

		if (tcp) {
			int c = accept(fd, (struct sockaddr *)&peer, &plen);

			if (c < 0)
				die("accept");
			print_peer(&peer);
			if (write(c, reply, strlen(reply)) < 0)
				perror("vr-sklookup: write");
			close(c);
		} else {
			if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen) < 0)
				die("recvfrom");
			print_peer(&peer);
			if (sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)&peer, plen) < 0)
				perror("vr-sklookup: sendto");
		}
	}
usage:
	fprintf(stderr,
		"usage: vr-sklookup [-v VR] [-i IFNAME [-r REDIR_IF]] tcp|udp ADDR PORT STEER_PORT REPLY\n");
	return 2;
}
