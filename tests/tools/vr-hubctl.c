// SPDX-License-Identifier: GPL-2.0
/*
 * vr-hubctl: send a command to the Ethernet hub of the test VMs
 * (qemu/hub.py) from inside a VM, for the cluster tests.
 *
 *   vr-hubctl [-t TIMEOUT_MS] DEV COMMAND...
 *
 * COMMAND (the remaining arguments joined by spaces) is one of
 *   cut A,B C,D	drop every frame between a port of the first list and
 *			a port of the second (port i: the VM of node i)
 *   isolate N		cut N from every other port
 *   heal		remove every cut
 * It goes on DEV as an Ethernet frame from DEV's MAC address to
 * 02:00:00:00:00:ff, EtherType 0x88B5, payload "VRHUB1 COMMAND" (zero
 * padded to 60 bytes), which the hub consumes whatever the cuts (so an
 * isolated node can still heal). The hub answers with a frame from
 * 02:00:00:00:00:ff to DEV's MAC, EtherType 0x88B5, payload
 * "VRHUB1 ok COMMAND" or "VRHUB1 error WHY: COMMAND". The command is sent
 * again every 200 ms until its answer comes (the commands are idempotent),
 * for TIMEOUT_MS milliseconds at most (default 2000). The answer, without
 * "VRHUB1 ", is printed on stdout.
 * Exit: 0 "ok", 1 "error", no answer in time or another error, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HUB_ETH_P 0x88B5
#define HUB_MAGIC "VRHUB1 "
#define HUB_MAGIC_LEN (sizeof(HUB_MAGIC) - 1)
#define RESEND_MS 200
/* room for the command in one frame, and for its answer */
#define MAX_CMD 1000

static const unsigned char hub_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0xff };

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: vr-hubctl [-t TIMEOUT_MS] DEV COMMAND...\n"
		"COMMAND: cut A,B C,D | isolate N | heal\n");
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

/*
 * Is the frame @buf of @n bytes the hub's answer to @cmd, sent to @mac?
 * Returns the answer (NUL-terminated in place, "VRHUB1 " skipped) or NULL.
 */
static char *answer_to(unsigned char *buf, size_t n, const unsigned char *mac,
		       const char *cmd)
{
	size_t cmdlen = strlen(cmd), len;
	char *text;

	if (n < ETH_HLEN + HUB_MAGIC_LEN || memcmp(buf, mac, ETH_ALEN) ||
	    memcmp(buf + ETH_ALEN, hub_mac, ETH_ALEN) ||
	    ntohs(*(unsigned short *)(buf + 12)) != HUB_ETH_P ||
	    memcmp(buf + ETH_HLEN, HUB_MAGIC, HUB_MAGIC_LEN))
		return NULL;
	/* the text ends at the first NUL (padding) or at the frame's end */
	text = (char *)buf + ETH_HLEN + HUB_MAGIC_LEN;
	len = strnlen(text, n - ETH_HLEN - HUB_MAGIC_LEN);
	text[len] = '\0';
	/* "ok CMD" or "error WHY: CMD" */
	if (!strncmp(text, "ok ", 3) && !strcmp(text + 3, cmd))
		return text;
	if (!strncmp(text, "error ", 6) && len >= 6 + 2 + cmdlen &&
	    !memcmp(text + len - cmdlen - 2, ": ", 2) &&
	    !strcmp(text + len - cmdlen, cmd))
		return text;
	return NULL;
}

int main(int argc, char **argv)
{
	/* one spare byte: answer_to() terminates the text in place */
	unsigned char frame[ETH_HLEN + HUB_MAGIC_LEN + MAX_CMD], buf[2048 + 1];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	char cmd[MAX_CMD + 1] = "";
	long timeout = 2000, start, next_send;
	unsigned char mac[ETH_ALEN];
	struct ifreq ifr = { 0 };
	size_t cmdlen = 0, flen;
	int opt, fd, i, sends = 0;
	const char *dev;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			usage();
		timeout = parse_ms(optarg);
		if (timeout < 0)
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	dev = argv[0];
	if (strlen(dev) >= IFNAMSIZ)
		usage();
	for (i = 1; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (cmdlen + len + 1 > MAX_CMD) {
			fprintf(stderr, "vr-hubctl: command too long\n");
			return 2;
		}
		if (cmdlen)
			cmd[cmdlen++] = ' ';
		memcpy(cmd + cmdlen, argv[i], len + 1);
		cmdlen += len;
	}
	/* printable ASCII without blanks around it: the hub echoes it so */
	for (i = 0; cmd[i]; i++) {
		if (cmd[i] < 0x20 || cmd[i] > 0x7e) {
			fprintf(stderr, "vr-hubctl: the command must be printable ASCII\n");
			return 2;
		}
	}
	while (cmdlen && cmd[cmdlen - 1] == ' ')
		cmd[--cmdlen] = '\0';
	for (i = 0; cmd[i] == ' '; i++)
		;
	memmove(cmd, cmd + i, cmdlen - i + 1);
	cmdlen -= i;
	if (!cmdlen)
		usage();

	fd = socket(AF_PACKET, SOCK_RAW, htons(HUB_ETH_P));
	if (fd < 0) {
		perror("vr-hubctl: socket");
		return 1;
	}
	sll.sll_protocol = htons(HUB_ETH_P);
	sll.sll_ifindex = if_nametoindex(dev);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "vr-hubctl: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "vr-hubctl: %s: SIOCGIFHWADDR: %s\n", dev, strerror(errno));
		return 1;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		fprintf(stderr, "vr-hubctl: %s is not an Ethernet device\n", dev);
		return 1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);

	memset(frame, 0, sizeof(frame));
	memcpy(frame, hub_mac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, mac, ETH_ALEN);
	*(unsigned short *)(frame + 12) = htons(HUB_ETH_P);
	memcpy(frame + ETH_HLEN, HUB_MAGIC, HUB_MAGIC_LEN);
	memcpy(frame + ETH_HLEN + HUB_MAGIC_LEN, cmd, cmdlen);
	flen = ETH_HLEN + HUB_MAGIC_LEN + cmdlen;
	if (flen < ETH_ZLEN)
		flen = ETH_ZLEN;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, hub_mac, ETH_ALEN);

	start = now_ms();
	next_send = start;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		long now = now_ms(), wait;
		char *text;
		ssize_t n;

		if (now - start >= timeout)
			break;
		if (now >= next_send) {
			if (sendto(fd, frame, flen, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
				/* a full queue: next time; anything else: give up */
				if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
					fprintf(stderr, "vr-hubctl: send on %s: %s\n", dev,
						strerror(errno));
					return 1;
				}
			} else {
				sends++;
			}
			next_send += RESEND_MS;
			if (next_send <= now)
				next_send = now + RESEND_MS;
		}
		wait = next_send - now;
		if (wait > start + timeout - now)
			wait = start + timeout - now;
		if (poll(&pfd, 1, wait) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "vr-hubctl: receive on %s: %s\n", dev, strerror(errno));
			return 1;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		text = answer_to(buf, n, mac, cmd);
		if (!text)
			continue;
		printf("%s\n", text);
		if (!strncmp(text, "ok ", 3))
			return 0;
		fprintf(stderr, "vr-hubctl: the hub refused \"%s\"\n", cmd);
		return 1;
	}
	fprintf(stderr, "vr-hubctl: no answer from the hub to \"%s\" on %s in %ld ms (%d sent)\n",
		cmd, dev, timeout, sends);
	return 1;
}
