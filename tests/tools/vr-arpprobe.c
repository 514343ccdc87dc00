// SPDX-License-Identifier: GPL-2.0
/*
 * vr-arpprobe: ask for an IPv4 address's MAC address every few
 * milliseconds and record who answers each request, for the
 * distributed-host fail-over tests (which member answers, how long there is
 * no answer, never two answers to one request).
 *
 *   vr-arpprobe [-i INTERVAL_MS] [-d DURATION_MS] [-w WATCH_MAC] DEV TARGET
 *
 * Sends an ARP request for the IPv4 address TARGET on DEV (sender: DEV's
 * MAC and IPv4 address) every INTERVAL ms (default 50) during DURATION ms
 * (default 5000); a request is never sent early, and when the program was
 * late the slots it missed are skipped (no bursts). It listens on an
 * AF_PACKET socket until DURATION and at least INTERVAL ms after the last
 * request. An ARP reply whose sender address is TARGET, sent to DEV's MAC
 * and IPv4 address, counts for the latest request sent before it was read
 * (so do the replies to the kernel's own requests for TARGET); its MAC is
 * the reply's sender hardware address. With -w, it also notes the time of
 * the last frame received whose Ethernet source is WATCH_MAC (e.g. the
 * lead's, before it is cut off).
 *
 * Output: when a request's time is over, one line
 *   req N t=MS replies=K macs=MAC[,MAC...]
 * (N from 1, MS its time in ms since the start, CLOCK_MONOTONIC; K the
 * replies, MAC each distinct sender in the order of their first reply, or
 * "-" without a reply), then one line
 *   summary requests=R answered=A multi=M last_watch_ms=T first_other_ms=F failover_ms=X
 * A: requests with a reply; M: requests with replies from 2 MACs or more;
 * T: the time of the last frame from WATCH_MAC (-1 if none or no -w);
 * F: the time of the first reply from another MAC than WATCH_MAC read after
 * that frame (after the start if none; -1 if no such reply or no -w);
 * X: F - T, or -1 if either is -1.
 * Exit: 0 success, 1 error, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The distinct MACs kept per request (more are counted in replies only). */
#define MAX_MACS 8
/* An Ethernet/IPv4 ARP packet: header, then sha, spa, tha, tpa. */
#define ARP_LEN 28
#define ARP_SHA 8
#define ARP_SPA 14
#define ARP_THA 18
#define ARP_TPA 24

struct request {
	long t;
	unsigned long replies;
	int nmacs;
	unsigned char macs[MAX_MACS][ETH_ALEN];
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: vr-arpprobe [-i INTERVAL_MS] [-d DURATION_MS] [-w WATCH_MAC] DEV TARGET_IPV4\n");
	exit(2);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A decimal number in 1..INT_MAX, or -1. */
static long parse_ms(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > INT_MAX)
		return -1;
	return v;
}

/* xx:xx:xx:xx:xx:xx, hex digits in either case; 0 or -1. */
static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[ETH_ALEN];
	int i, len = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &len) != ETH_ALEN || len != 17 || s[len])
		return -1;
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = b[i];
	return 0;
}

static void print_mac(const unsigned char *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void print_request(const struct request *r, long n)
{
	int i;

	printf("req %ld t=%ld replies=%lu macs=", n, r->t, r->replies);
	if (!r->nmacs)
		printf("-");
	for (i = 0; i < r->nmacs; i++) {
		if (i)
			printf(",");
		print_mac(r->macs[i]);
	}
	printf("\n");
	fflush(stdout);
}

static void add_reply(struct request *r, const unsigned char *mac)
{
	int i;

	r->replies++;
	for (i = 0; i < r->nmacs; i++)
		if (!memcmp(r->macs[i], mac, ETH_ALEN))
			return;
	if (r->nmacs < MAX_MACS)
		memcpy(r->macs[r->nmacs++], mac, ETH_ALEN);
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned char mac[ETH_ALEN], watch[ETH_ALEN], req[ETH_ZLEN] = { 0 };
	long interval = 50, duration = 5000, start, end, next_send, maxreq;
	long nreq = 0, answered = 0, multi = 0, last_watch = -1, first_other = -1;
	struct in_addr target, self;
	struct request *reqs;
	struct ifreq ifr;
	int opt, fd, have_watch = 0, rcvbuf = 1 << 20;
	const char *dev;
	long i;

	while ((opt = getopt(argc, argv, "i:d:w:")) != -1) {
		switch (opt) {
		case 'i':
			interval = parse_ms(optarg);
			break;
		case 'd':
			duration = parse_ms(optarg);
			break;
		case 'w':
			if (parse_mac(optarg, watch))
				usage();
			have_watch = 1;
			break;
		default:
			usage();
		}
		if (interval < 0 || duration < 0)
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || strlen(argv[0]) >= IFNAMSIZ ||
	    inet_pton(AF_INET, argv[1], &target) != 1)
		usage();
	dev = argv[0];
	/* one request per slot of INTERVAL in [0, DURATION) */
	maxreq = (duration + interval - 1) / interval;
	if (maxreq > 1000000) {
		fprintf(stderr, "vr-arpprobe: more than 1000000 requests\n");
		return 2;
	}
	reqs = calloc(maxreq, sizeof(*reqs));
	if (!reqs) {
		perror("vr-arpprobe");
		return 1;
	}

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("vr-arpprobe: socket");
		return 1;
	}
	/*
	 * A flood (tcp_rr next to the probe) must not make replies drop:
	 * past net.core.rmem_max if allowed (CAP_NET_ADMIN).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(dev);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "vr-arpprobe: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "vr-arpprobe: %s: SIOCGIFHWADDR: %s\n", dev, strerror(errno));
		return 1;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		fprintf(stderr, "vr-arpprobe: %s is not an Ethernet device\n", dev);
		return 1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(fd, SIOCGIFADDR, &ifr)) {
		fprintf(stderr, "vr-arpprobe: %s: no IPv4 address (SIOCGIFADDR: %s)\n", dev,
			strerror(errno));
		return 1;
	}
	self = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;

	/* broadcast, from us, ARP: request, who has TARGET, tell self */
	memset(req, 0xff, ETH_ALEN);
	memcpy(req + ETH_ALEN, mac, ETH_ALEN);
	*(unsigned short *)(req + 12) = htons(ETH_P_ARP);
	*(unsigned short *)(req + ETH_HLEN) = htons(ARPHRD_ETHER);
	*(unsigned short *)(req + ETH_HLEN + 2) = htons(ETH_P_IP);
	req[ETH_HLEN + 4] = ETH_ALEN;
	req[ETH_HLEN + 5] = 4;
	*(unsigned short *)(req + ETH_HLEN + 6) = htons(ARPOP_REQUEST);
	memcpy(req + ETH_HLEN + ARP_SHA, mac, ETH_ALEN);
	memcpy(req + ETH_HLEN + ARP_SPA, &self, 4);
	memcpy(req + ETH_HLEN + ARP_TPA, &target, 4);
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);

	start = now_ms();
	end = start + duration;
	next_send = start;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long now = now_ms(), wait;

		/*
		 * Until the next request, or after the last one until the end
		 * and the last one's interval. The frames that came before a
		 * request are all read before it is sent.
		 */
		if (next_send < end) {
			wait = next_send;
		} else {
			wait = end;
			if (nreq && wait < start + reqs[nreq - 1].t + interval)
				wait = start + reqs[nreq - 1].t + interval;
		}
		wait -= now;
		if (poll(&pfd, 1, wait > 0 ? wait : 0) < 0 && errno != EINTR) {
			perror("vr-arpprobe: poll");
			return 1;
		}
		for (;;) {
			unsigned char buf[256];
			const unsigned char *arp = buf + ETH_HLEN;
			struct sockaddr_ll from;
			socklen_t fromlen = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fromlen);
			long t = now_ms() - start;

			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				fprintf(stderr, "vr-arpprobe: receive on %s: %s\n", dev,
					strerror(errno));
				return 1;
			}
			/* truncated to buf: the headers are what matters */
			if (n < ETH_HLEN || from.sll_pkttype == PACKET_OUTGOING)
				continue;
			if (have_watch && !memcmp(buf + ETH_ALEN, watch, ETH_ALEN)) {
				last_watch = t;
				first_other = -1;
			}
			if (n < ETH_HLEN + ARP_LEN || !nreq ||
			    ntohs(*(unsigned short *)(buf + 12)) != ETH_P_ARP ||
			    ntohs(*(unsigned short *)arp) != ARPHRD_ETHER ||
			    ntohs(*(unsigned short *)(arp + 2)) != ETH_P_IP ||
			    arp[4] != ETH_ALEN || arp[5] != 4 ||
			    ntohs(*(unsigned short *)(arp + 6)) != ARPOP_REPLY ||
			    memcmp(buf, mac, ETH_ALEN) ||
			    memcmp(arp + ARP_SPA, &target, 4) ||
			    memcmp(arp + ARP_TPA, &self, 4))
				continue;
			add_reply(&reqs[nreq - 1], arp + ARP_SHA);
			if (have_watch && first_other < 0 &&
			    memcmp(arp + ARP_SHA, watch, ETH_ALEN))
				first_other = t;
		}

		now = now_ms();
		if (next_send < end && now >= next_send) {
			if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&sll,
				   sizeof(sll)) < 0) {
				if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
					fprintf(stderr, "vr-arpprobe: send on %s: %s\n", dev,
						strerror(errno));
					return 1;
				}
			} else {
				if (nreq)
					print_request(&reqs[nreq - 1], nreq);
				reqs[nreq++].t = now - start;
			}
			/* the next slot after now: late, skip what was missed */
			next_send = start + ((now - start) / interval + 1) * interval;
			if (nreq == maxreq)
				next_send = end;
		}
		if (next_send >= end && now >= end &&
		    (!nreq || now >= start + reqs[nreq - 1].t + interval))
			break;
	}
	if (nreq)
		print_request(&reqs[nreq - 1], nreq);
	for (i = 0; i < nreq; i++) {
		answered += reqs[i].replies > 0;
		multi += reqs[i].nmacs > 1;
	}
	printf("summary requests=%ld answered=%ld multi=%ld ",
	       nreq, answered, multi);
	printf("last_watch_ms=%ld first_other_ms=%ld failover_ms=%ld\n",
	       last_watch, first_other,
	       last_watch >= 0 && first_other >= 0 ? first_other - last_watch : -1);
	return 0;
}
