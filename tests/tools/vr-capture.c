// SPDX-License-Identifier: GPL-2.0
/*
 * vr-capture: count the frames of one kind an interface receives, per
 * source MAC address, for the distributed-host cluster selftests.
 *
 *   vr-capture [-t MS] DEV KIND ADDR [PORT]
 *
 * Opens an AF_PACKET socket on DEV, prints "ready", counts the frames of
 * KIND during MS milliseconds (default 3000), then prints one line
 * "MAC COUNT" per sender and a last line "total COUNT". KIND is one of
 *   arp-reply ADDR		ARP replies whose sender address is ADDR
 *   echo-reply ADDR		ICMP echo replies from ADDR
 *   tcp-rst ADDR PORT		TCP segments with RST from ADDR:PORT
 *   tcp-synack ADDR PORT	TCP SYN-ACKs from ADDR:PORT
 *   port-unreach ADDR PORT	ICMP port unreachable from ADDR about a
 *				datagram sent to ADDR:PORT
 *   udp ADDR PORT		UDP datagrams from ADDR:PORT
 * Exit: 0 success, 1 error, 2 usage.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
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

#define MAX_SENDERS 16

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
		"       vr-capture [-t MS] DEV tcp-rst|tcp-synack|port-unreach|udp ADDR PORT\n");
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

enum kind { ARP_REPLY, ECHO_REPLY, TCP_RST, TCP_SYNACK, PORT_UNREACH, UDP };

/* Does the IPv4 packet @ip of @len bytes match? */
static int match_ip(enum kind kind, const unsigned char *ip, size_t len,
		    struct in_addr addr, unsigned short port)
{
	const struct iphdr *iph = (const void *)ip;
	size_t ihl;

	if (len < sizeof(*iph) || iph->version != 4 || iph->saddr != addr.s_addr)
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
	default:
		return 0;
	}
}

int main(int argc, char **argv)
{
	long timeout = 3000, end;
	unsigned short port = 0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct in_addr addr;
	enum kind kind;
	int opt, fd, i;
	unsigned long total = 0;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			usage();
		timeout = atol(optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "arp-reply"))
		kind = ARP_REPLY;
	else if (!strcmp(argv[1], "echo-reply"))
		kind = ECHO_REPLY;
	else if (!strcmp(argv[1], "tcp-rst"))
		kind = TCP_RST;
	else if (!strcmp(argv[1], "tcp-synack"))
		kind = TCP_SYNACK;
	else if (!strcmp(argv[1], "port-unreach"))
		kind = PORT_UNREACH;
	else if (!strcmp(argv[1], "udp"))
		kind = UDP;
	else
		usage();
	if (argc != (kind == ARP_REPLY || kind == ECHO_REPLY ? 3 : 4))
		usage();
	if (inet_pton(AF_INET, argv[2], &addr) != 1)
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
		if (kind == ARP_REPLY) {
			/* Ethernet/IPv4 ARP: op at 6, sender address at 14. */
			if (n >= ETH_HLEN + 28 &&
			    ntohs(*(unsigned short *)(buf + 12)) == ETH_P_ARP &&
			    ntohs(*(unsigned short *)(buf + ETH_HLEN + 6)) == 2 &&
			    !memcmp(buf + ETH_HLEN + 14, &addr, 4))
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
