// SPDX-License-Identifier: GPL-2.0
/*
 * vr-capture: count the frames of one kind an interface receives, per
 * source MAC address, for the distributed-host cluster selftests.
 *
 *   vr-capture [-t MS] DEV KIND ADDR [PORT]
 *
 * Opens an AF_PACKET socket on DEV, prints "ready", counts the frames of
 * KIND during MS milliseconds (default 3000), then prints one line
 * "MAC COUNT" per sender and a last line "total COUNT". ADDR is an IPv4 or
 * an IPv6 address (marked [6]: IPv6 only, [4]: IPv4 only); an IPv6 one
 * counts IPv6 frames, whose extension headers are skipped (fragments other
 * than the first never match). KIND is one of
 *   arp-reply ADDR		ARP replies whose sender address is ADDR [4]
 *   echo-reply ADDR		ICMP (ICMPv6) echo replies from ADDR
 *   tcp-rst ADDR PORT		TCP segments with RST from ADDR:PORT
 *   tcp-synack ADDR PORT	TCP SYN-ACKs from ADDR:PORT
 *   port-unreach ADDR PORT	ICMP (ICMPv6) port unreachable from ADDR about
 *				a datagram sent to ADDR:PORT
 *   udp ADDR PORT		UDP datagrams from ADDR:PORT
 *   na ADDR			neighbour advertisements for target ADDR [6]
 *   unsol-na ADDR		the same, unsolicited: S clear, O set [6]
 *   ns ADDR			neighbour solicitations for target ADDR [6]
 *   ns-src ADDR		neighbour solicitations from ADDR [6]
 *   bridged ADDR PORT		frames to ff:ff:ff:ff:ff:ff carrying a TCP
 *				segment or UDP datagram to ADDR:PORT (a
 *				distributed host's lead bridging it)
 * Exit: 0 success, 1 error, 2 usage.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SENDERS 16

/*
 * The flags of a neighbour advertisement, in its first byte after the
 * ICMPv6 header (RFC 4861 4.4: R, S, O).
 */
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20

struct sender {
	unsigned char mac[ETH_ALEN];
	unsigned long count;
};

static struct sender senders[MAX_SENDERS];
static int nsenders;

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: vr-capture [-t MS] DEV arp-reply|echo-reply ADDR\n"
		"       vr-capture [-t MS] DEV na|unsol-na|ns|ns-src ADDR6\n"
		"       vr-capture [-t MS] DEV tcp-rst|tcp-synack|port-unreach|udp|bridged ADDR PORT\n"
		"ADDR is IPv4 or IPv6 (not for arp-reply), ADDR6 IPv6.\n");
	exit(2);
}

static void count(const unsigned char *mac)
{
	int i;

	for (i = 0; i < nsenders; i++) {
		if (!memcmp(senders[i].mac, mac, ETH_ALEN)) {
			senders[i].count++;
			return;
		}
	}
	if (nsenders < MAX_SENDERS) {
		memcpy(senders[nsenders].mac, mac, ETH_ALEN);
		senders[nsenders++].count = 1;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum kind {
	ARP_REPLY, ECHO_REPLY, TCP_RST, TCP_SYNACK, PORT_UNREACH, UDP,
	NA, UNSOL_NA, NS, NS_SRC, BRIDGED
};

/*
 * The kinds: their name, whether they take a PORT, and the family of their
 * ADDR (AF_UNSPEC: either).
 */
static const struct {
	const char *name;
	enum kind kind;
	int port;
	int family;
} kinds[] = {
	{ "arp-reply", ARP_REPLY, 0, AF_INET },
	{ "echo-reply", ECHO_REPLY, 0, AF_UNSPEC },
	{ "tcp-rst", TCP_RST, 1, AF_UNSPEC },
	{ "tcp-synack", TCP_SYNACK, 1, AF_UNSPEC },
	{ "port-unreach", PORT_UNREACH, 1, AF_UNSPEC },
	{ "udp", UDP, 1, AF_UNSPEC },
	{ "na", NA, 0, AF_INET6 },
	{ "unsol-na", UNSOL_NA, 0, AF_INET6 },
	{ "ns", NS, 0, AF_INET6 },
	{ "ns-src", NS_SRC, 0, AF_INET6 },
	{ "bridged", BRIDGED, 1, AF_UNSPEC },
};

/* The destination port of the TCP or UDP header at @l4 (4 bytes at least). */
static unsigned short dest_port(const unsigned char *l4)
{
	return l4[2] << 8 | l4[3];
}

/* Does the IPv4 packet @ip of @len bytes match? */
static int match_ip(enum kind kind, const unsigned char *ip, size_t len,
		    struct in_addr addr, unsigned short port)
{
	const struct iphdr *iph = (const void *)ip;
	size_t ihl;

	if (len < sizeof(*iph) || iph->version != 4)
		return 0;
	/* bridged: sent to ADDR, the others: sent from ADDR */
	if ((kind == BRIDGED ? iph->daddr : iph->saddr) != addr.s_addr)
		return 0;
	ihl = iph->ihl * 4;
	if (len < ihl + 8)
		return 0;
	ip += ihl;
	len -= ihl;
	switch (kind) {
	case ECHO_REPLY:
		return iph->protocol == IPPROTO_ICMP && ip[0] == ICMP_ECHOREPLY;
	case PORT_UNREACH: {
		const struct iphdr *in = (const void *)(ip + 8);

		if (iph->protocol != IPPROTO_ICMP || ip[0] != ICMP_DEST_UNREACH ||
		    ip[1] != ICMP_PORT_UNREACH || len < 8 + sizeof(*in))
			return 0;
		if (len < 8 + in->ihl * 4u + 4)
			return 0;
		return in->daddr == addr.s_addr &&
		       ntohs(*(const unsigned short *)(ip + 8 + in->ihl * 4 + 2)) == port;
	}
	case TCP_RST:
	case TCP_SYNACK: {
		const struct tcphdr *th = (const void *)ip;

		if (iph->protocol != IPPROTO_TCP || len < sizeof(*th) ||
		    ntohs(th->source) != port)
			return 0;
		return kind == TCP_RST ? th->rst : th->syn && th->ack;
	}
	case UDP:
		return iph->protocol == IPPROTO_UDP &&
		       ntohs(((const struct udphdr *)ip)->source) == port;
	case BRIDGED:
		/* the first fragment, or the whole datagram: the ports */
		return (iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP) &&
		       !(ntohs(iph->frag_off) & IP_OFFMASK) && dest_port(ip) == port;
	default:
		return 0;
	}
}

/*
 * The offset of the upper-layer header of the IPv6 packet @ip of @len bytes,
 * past its extension headers, with its protocol in *@proto; -1 if they are
 * cut short or if @ip is a fragment other than the first. The upper-layer
 * header itself may be missing or cut short: the caller checks its length.
 */
static long ip6_upper(const unsigned char *ip, size_t len, unsigned char *proto)
{
	size_t off = sizeof(struct ip6_hdr);
	unsigned char nh;

	if (len < off || (ip[0] >> 4) != 6)
		return -1;
	nh = ((const struct ip6_hdr *)ip)->ip6_nxt;
	for (;;) {
		const unsigned char *h = ip + off;

		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			*proto = nh;
			return off;
		}
		/* each has 8 bytes at least, the next header first */
		if (len < off + 8)
			return -1;
		if (nh == IPPROTO_FRAGMENT) {
			/* the offset: the high 13 bits of bytes 2 and 3 */
			if ((h[2] << 8 | h[3]) & ~7)
				return -1;
			off += 8;
		} else if (nh == IPPROTO_AH) {
			off += (h[1] + 2) * 4;
		} else {
			off += (h[1] + 1) * 8;
		}
		nh = h[0];
	}
}

/* Does the IPv6 packet @ip of @len bytes match? */
static int match_ip6(enum kind kind, const unsigned char *ip, size_t len,
		     const struct in6_addr *addr, unsigned short port)
{
	const struct ip6_hdr *ip6h = (const void *)ip;
	const unsigned char *l4;
	unsigned char proto;
	long off = ip6_upper(ip, len, &proto);

	if (off < 0 || len < (size_t)off + 8)
		return 0;
	/*
	 * bridged: sent to ADDR; na, unsol-na and ns: with target ADDR; the
	 * others: sent from ADDR.
	 */
	if (kind == BRIDGED) {
		if (memcmp(&ip6h->ip6_dst, addr, sizeof(*addr)))
			return 0;
	} else if (kind != NA && kind != UNSOL_NA && kind != NS &&
		   memcmp(&ip6h->ip6_src, addr, sizeof(*addr))) {
		return 0;
	}
	l4 = ip + off;
	len -= off;
	switch (kind) {
	case ECHO_REPLY:
		return proto == IPPROTO_ICMPV6 && l4[0] == ICMP6_ECHO_REPLY;
	case NA:
	case UNSOL_NA:
	case NS:
	case NS_SRC:
		/* ICMPv6 header, 4 bytes of flags or reserved, target */
		if (proto != IPPROTO_ICMPV6 || len < 8 + sizeof(*addr))
			return 0;
		if (kind == NS_SRC)
			return l4[0] == ND_NEIGHBOR_SOLICIT;
		if (memcmp(l4 + 8, addr, sizeof(*addr)))
			return 0;
		if (kind == NS)
			return l4[0] == ND_NEIGHBOR_SOLICIT;
		return l4[0] == ND_NEIGHBOR_ADVERT &&
		       (kind == NA ||
			(l4[4] & (NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE)) == NA_FLAG_OVERRIDE);
	case PORT_UNREACH: {
		/* the quoted packet: ours, sent to ADDR:PORT */
		const unsigned char *in = l4 + 8;
		unsigned char in_proto;
		long in_off;

		if (proto != IPPROTO_ICMPV6 || l4[0] != ICMP6_DST_UNREACH ||
		    l4[1] != ICMP6_DST_UNREACH_NOPORT)
			return 0;
		in_off = ip6_upper(in, len - 8, &in_proto);
		if (in_off < 0 || len - 8 < (size_t)in_off + 4)
			return 0;
		return !memcmp(&((const struct ip6_hdr *)in)->ip6_dst, addr, sizeof(*addr)) &&
		       dest_port(in + in_off) == port;
	}
	case TCP_RST:
	case TCP_SYNACK: {
		const struct tcphdr *th = (const void *)l4;

		if (proto != IPPROTO_TCP || len < sizeof(*th) ||
		    ntohs(th->source) != port)
			return 0;
		return kind == TCP_RST ? th->rst : th->syn && th->ack;
	}
	case UDP:
		return proto == IPPROTO_UDP &&
		       ntohs(((const struct udphdr *)l4)->source) == port;
	case BRIDGED:
		return (proto == IPPROTO_TCP || proto == IPPROTO_UDP) &&
		       dest_port(l4) == port;
	default:
		return 0;
	}
}

int main(int argc, char **argv)
{
	static const unsigned char bcast[ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	long timeout = 3000, end;
	unsigned short port = 0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct in_addr addr;
	struct in6_addr addr6;
	enum kind kind;
	int opt, fd, i, family;
	unsigned long total = 0;
	size_t k;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			usage();
		timeout = atol(optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		if (!strcmp(argv[1], kinds[k].name))
			break;
	if (k == ARRAY_SIZE(kinds) || argc != 3 + kinds[k].port)
		usage();
	kind = kinds[k].kind;
	if (kinds[k].family != AF_INET6 && inet_pton(AF_INET, argv[2], &addr) == 1)
		family = AF_INET;
	else if (kinds[k].family != AF_INET && inet_pton(AF_INET6, argv[2], &addr6) == 1)
		family = AF_INET6;
	else
		usage();
	if (argc == 4)
		port = atoi(argv[3]);

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(argv[0]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror(argv[0]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	end = now_ms() + timeout;
	for (;;) {
		unsigned char buf[2048];
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < ETH_HLEN || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		/* what a lead bridges goes to the broadcast address */
		if (kind == BRIDGED && memcmp(buf, bcast, ETH_ALEN))
			continue;
		if (kind == ARP_REPLY) {
			/* Ethernet/IPv4 ARP: op at 6, sender address at 14. */
			if (n >= ETH_HLEN + 28 &&
			    ntohs(*(unsigned short *)(buf + 12)) == ETH_P_ARP &&
			    ntohs(*(unsigned short *)(buf + ETH_HLEN + 6)) == 2 &&
			    !memcmp(buf + ETH_HLEN + 14, &addr, 4))
				count(buf + 6);
		} else if (family == AF_INET6) {
			if (ntohs(*(unsigned short *)(buf + 12)) == ETH_P_IPV6 &&
			    match_ip6(kind, buf + ETH_HLEN, n - ETH_HLEN, &addr6, port))
				count(buf + 6);
		} else if (ntohs(*(unsigned short *)(buf + 12)) == ETH_P_IP &&
			   match_ip(kind, buf + ETH_HLEN, n - ETH_HLEN, addr, port)) {
			count(buf + 6);
		}
	}
	for (i = 0; i < nsenders; i++) {
		const unsigned char *m = senders[i].mac;

		printf("%02x:%02x:%02x:%02x:%02x:%02x %lu\n", m[0], m[1], m[2], m[3],
		       m[4], m[5], senders[i].count);
		total += senders[i].count;
	}
	printf("total %lu\n", total);
	return 0;
}
