// SPDX-License-Identifier: GPL-2.0
/*
 * vr-sock: IPv4 and IPv6 sockets for the VR data-plane selftests.
 *
 * ADDR is an IPv4 address (a dotted quad) or, where marked [46], either an
 * IPv4 or an IPv6 address, IPv6 ones with an optional %SCOPE (an interface
 * name or index: fe80::1%eth0); the socket's family is the address's.
 * IPv4 addresses are printed as dotted quads, IPv6 ones as inet_ntop()
 * writes them (no scope).
 *
 *   vr-sock [-v VR] [-t MS] serve tcp|udp|sctp ADDR PORT REPLY		[46]
 *	Bind ADDR:PORT, print "ready", then answer every TCP connection or
 *	UDP datagram with REPLY, until killed. A TCP REPLY "origdst" answers
 *	with the connection's SO_ORIGINAL_DST ("origdst ADDR:PORT", IPv6:
 *	"origdst [ADDR]:PORT") or the name of the errno that getsockopt()
 *	gave ("origdst ENOENT").
 *   vr-sock [-v VR] [-t MS] request tcp|udp|sctp ADDR PORT		[46]
 *	Connect, send "hello", print the answer. With -b (UDP, IPv4 only),
 *	send to a broadcast ADDR from an unconnected socket instead. With -s
 *	SRC (of ADDR's family), from address SRC (bound with
 *	IP_BIND_ADDRESS_NO_PORT, so the port comes from ip_local_port_range
 *	at connect; printed as "from port N" on stderr).
 *   vr-sock [-v VR] [-t MS] ping ADDR					[46]
 *	ICMP echo through a ping socket (SOCK_DGRAM, IPPROTO_ICMP; IPv6:
 *	IPPROTO_ICMPV6); prints "reply from ADDR".
 *   vr-sock [-v VR] [-t MS] rawping ADDR				[46]
 *	ICMP echo through a raw socket (IPv6: a raw ICMPv6 socket, the
 *	kernel filling in the checksum).
 *   vr-sock [-v VR] [-t MS] tsping ADDR STAMPADDR
 *	ICMP echo through a raw socket with a timestamp option naming
 *	STAMPADDR (prespecified addresses, one slot): prints "stamped N", N
 *	the number of slots filled in the reply's echoed option (1 if the
 *	host at ADDR took STAMPADDR for one of its own).
 *   vr-sock [-v VR] [-t MS] probe ADDR IFNAME|IFADDR
 *	RFC 8335 PROBE of ADDR's own interface IFNAME, or the one with address
 *	IFADDR: prints "probe code C status 0xS" from the extended echo reply.
 *   vr-sock [-v VR] [-t MS] rawcount TYPE
 *	Open a raw ICMP socket, print "ready", count the ICMP messages of
 *	TYPE received during MS milliseconds, or until SIGUSR1 (then with
 *	those already queued), and print the count.
 *   vr-sock [-v VR] [-t MS] rawcount6 TYPE
 *	The same with a raw ICMPv6 socket, counting ICMPv6 messages of TYPE
 *	(128 echo request, 129 echo reply, 135 neighbour solicitation...).
 *   vr-sock [-v VR] bind tcp|udp ADDR PORT				[46]
 *	Bind (and listen, for TCP), print "ready" and hold until killed.
 *   vr-sock [-v VR] [-d DEV] echo tcp|udp ADDR PORT			[46]
 *	Bind ADDR:PORT, print "ready", echo every message back (TCP: one
 *	process per connection, for as long as it stays open).
 *   vr-sock run ADDR PORT CMD [ARG...]					[46]
 *	Listen on TCP ADDR:PORT, print "ready"; each connection gets the
 *	output of CMD (run for it, its stdout on the connection) and is
 *	closed: e.g. a member's ownership table for a test's other VMs.
 *   vr-sock [-v VR] [-t MS] [-w MS] bench udp_rr|tcp_rr|tcp_crr ADDR PORT SECONDS [46]
 *	Transactions per second against an echo server: one-byte request and
 *	response over UDP or one TCP connection, or a new TCP connection per
 *	transaction, each answered within -t, with a pause of -w ms after
 *	each (default none). Prints "<kind> <transactions per second>
 *	<transactions>".
 *   vr-sock [-v VR] bindlat tcp|udp ADDR FIRST N [SECONDS]		[46]
 *	Bind N sockets one after the other to ADDR, ports FIRST, FIRST+1,
 *	..., each listening (TCP) and closed before the next is made, and
 *	print "bindlat <proto> n=<binds> p50=<us> p99=<us> max=<us>
 *	mean=<us>": the time of each from bind() to the end of close(), in
 *	microseconds (CLOCK_MONOTONIC: guest time under -icount). On a
 *	distributed address each bind is a claim that waits for the
 *	ownership daemon's answer. Stops early after SECONDS (default 60)
 *	or at the first error, which it prints after that line.
 *   vr-sock [-v VR] send ADDR PORT					[46]
 *	Send one UDP datagram from an unconnected socket and print "sent";
 *	with -p IF, through IP_PKTINFO (IPv6: IPV6_PKTINFO) naming interface
 *	IF; with -s SRC (bound as for request) and -b as for request.
 *   vr-sock [-v VR] srcaddr ADDR					[46]
 *	Connect a UDP socket to ADDR port 9 and print the source address
 *	the kernel chose.
 *   vr-sock [-v VR] pmtu ADDR						[46]
 *	Connect a UDP socket to ADDR port 9 and print its path MTU (IP_MTU;
 *	IPv6: IPV6_MTU).
 *   vr-sock fragneeded TO MTU QSRC QSPORT QDST QDPORT
 *	Send TO an ICMP "fragmentation needed" error with next-hop MTU,
 *	quoting a UDP packet QSRC:QSPORT -> QDST:QDPORT (raw socket).
 *   vr-sock frag SRC DST PORT ID first|last CHAR
 *	Send one fragment of a 24-byte UDP datagram SRC -> DST:PORT (no
 *	checksum) with IP id ID, through a raw socket: "first" carries the UDP
 *	header and 8 bytes of CHAR (offset 0, more fragments), "last" the
 *	other 8 bytes of CHAR (offset 16).
 *   vr-sock [-v VR] [-t MS] racount PROTO
 *	Open a raw socket of PROTO with IP_ROUTER_ALERT, print "ready", count
 *	the packets it receives during MS milliseconds and print the count.
 *   vr-sock rasend SRC DST PROTO
 *	Send one packet of PROTO with the IP Router Alert option (raw socket).
 *   vr-sock [-v VR] mrt [IF [hold]]
 *	Make a raw IGMP socket the multicast routing socket (MRT_INIT) and,
 *	with IF, add a vif on that interface (MRT_ADD_VIF, by ifindex); print
 *	"vif added" or "init". With "hold", then print "ready" and keep the
 *	socket, and so the vif, until killed.
 *   vr-sock [-v VR] mrt6 [IF [hold]]
 *	The same for IPv6 multicast routing (a raw ICMPv6 socket, MRT6_INIT,
 *	MRT6_ADD_MIF); print "mif added" or "init".
 *   vr-sock [-v VR] udpencap TYPE [MOVE_TO]
 *	Set UDP_ENCAP to TYPE on a new UDP socket, then SO_VR to MOVE_TO if
 *	given; print "set".
 *   vr-sock [-v VR] ulp NAME [MOVE_TO]
 *	Set TCP_ULP to NAME on a new TCP socket, then SO_VR to MOVE_TO if
 *	given; print "set".
 *   vr-sock [-v VR] arpset ADDR MAC [pub]
 *	Add a permanent ARP entry for ADDR with hardware address MAC through
 *	SIOCSARP on a new UDP socket, naming no device (the kernel takes the
 *	one of the route to ADDR); with "pub", a proxy entry (ATF_PUBL) for
 *	ADDR, which without a device acts on every interface; print "set".
 *   vr-sock [-v VR] xfrmpol [MOVE_TO]
 *	Give a new UDP socket an IPsec policy of its own (IP_XFRM_POLICY: out,
 *	allow, no template), then SO_VR to MOVE_TO if given; print "set".
 *   vr-sock [-v VR] [-t MS] recv ADDR PORT				[46]
 *	Bind a UDP socket to ADDR:PORT, print "ready", then "got DATA" for
 *	the first datagram, or time out.
 *   vr-sock [-v VR] socket inet|inet6|packet|unix|netlink stream|dgram|seqpacket|raw PROTO
 *	Create a socket of that family, type and protocol number (an
 *	ethertype for packet sockets) and print "created in VR N" (its SO_VR).
 *   vr-sock [-v VR] [-t MS] serve6|request6|send6 ...
 *	The UDP serve, request and send above on an AF_INET6 socket: ADDR is
 *	an IPv6 address, native or IPv4-mapped (::ffff:a.b.c.d). -i, -m and
 *	-f set the IPv4 options on it (acting on IPv4-mapped traffic), as
 *	on the AF_INET6 sockets of join6, mrt6 and socket.
 *   vr-sock [-v VR] join GROUP [IF]
 *	Join multicast GROUP (on interface IF, else the one the kernel
 *	picks), print "ready" and hold until killed.
 *   vr-sock [-v VR] joinaddr GROUP ADDR
 *	Join GROUP on the interface with local address ADDR, print "ready";
 *	on SIGUSR1 leave it, naming the interface by ADDR again, print the
 *	result ("left" or an error) and exit.
 *   vr-sock [-v VR] join6 GROUP IF
 *	Join IPv6 multicast GROUP on interface IF and print "joined".
 *   vr-sock [-v VR] ns IF TARGET
 *	Send one neighbour solicitation for IPv6 address TARGET to its
 *	solicited-node multicast group on interface IF, hop limit 255, with
 *	IF's MAC address in a source link-layer address option (raw ICMPv6
 *	socket, not looped back); print "sent".
 *   vr-sock [-v VR] na IF TARGET
 *	Send one unsolicited neighbour advertisement for TARGET (S clear, O
 *	set) to ff02::1 on IF, likewise with IF's MAC address in a target
 *	link-layer address option; print "sent".
 *   vr-sock [-v VR] laddrs ADDR					[46]
 *	Bind a new SCTP socket of ADDR's family to ADDR port 0 and print its
 *	local addresses (SCTP_GET_LOCAL_ADDRS), one per line: for a wildcard
 *	ADDR, every address SCTP offers to a socket bound to all of them.
 *   vr-sock [-v VR] [-t MS] peeraddrs ADDR PORT			[46]
 *	Open an SCTP association with ADDR:PORT, print "ready", keep it for
 *	MS milliseconds or until SIGUSR1, then print the peer's addresses
 *	(SCTP_GET_PEER_ADDRS), one per line: those of its INIT-ACK and those
 *	its ASCONFs added since.
 *   vr-sock mip6 rh2|hao SRC DST HOME
 *	Send one IPv6 packet SRC -> DST with a Mobile IPv6 header naming
 *	HOME: a type 2 routing header (segments left 1), or a destination
 *	options header with a home address option; no payload (next header
 *	59). Through a raw IPPROTO_RAW socket; print "sent".
 *   vr-sock sovr get
 *	Print the SO_VR of a new UDP socket.
 *   vr-sock sovr set VR [fresh|bound|addrbound|connected|listening]
 *	Set SO_VR on a new socket (UDP; TCP for listening) in that state;
 *	addrbound: bound to an address with IP_BIND_ADDRESS_NO_PORT.
 *
 * -v VR sets SO_VR on the socket before it is bound or connected; without
 * it, the socket takes the VR of the task (/proc/self/vr). -d DEV binds it
 * to a device (SO_BINDTODEVICE, e.g. a VRF). -i IF sets IP_UNICAST_IF, -m
 * IF IP_MULTICAST_IF (IF: an interface name, or one of its addresses), -f
 * IP_FREEBIND; on the IPv6 sockets of the [46] commands IPV6_UNICAST_IF,
 * IPV6_MULTICAST_IF (IF: an interface name) and IPV6_FREEBIND. -t is the
 * timeout (default 1500 ms); for bench, each transaction's.
 * -l LEN makes request send LEN bytes ("hello" then 'x's) instead of "hello".
 *
 * Exit: 0 success, 1 other error, 2 usage, 10 timeout, 11 refused
 * (ECONNREFUSED: a TCP RST or an ICMP or ICMPv6 port unreachable came back),
 * 12 unreachable (EHOSTUNREACH, ENETUNREACH), 13 EADDRINUSE,
 * 14 EADDRNOTAVAIL, 15 EPERM, 16 ENONET, 17 EISCONN, 18 ERANGE. Errors are
 * printed as "error: <errno name>".
 *
 * Build: gcc -static -O2 -Wall -Wextra -o vr-sock vr-sock.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <linux/mroute.h>
#include <linux/mroute6.h>
#include <linux/sctp.h>
#include <linux/xfrm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80	/* linux/netfilter_ipv4.h, which clashes with netinet/in.h */
#endif

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80	/* linux/netfilter_ipv6/ip6_tables.h, likewise */
#endif

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

#ifndef SO_VR
#define SO_VR 85
#endif

static int vr = -1;
static const char *bind_dev;
static const char *src_addr;
static int broadcast;
static const char *unicast_if, *mcast_if, *pktinfo_if;
static int freebind;
static int timeout_ms = 1500;
static int pause_ms;	/* bench: after each transaction */
/* what request sends: "hello", or -l LEN bytes */
static char request_buf[65000] = "hello";
static size_t request_len = 5;

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: vr-sock [-v VR] [-t MS] [-s SRC] serve|request|bind tcp|udp|sctp ADDR PORT [REPLY]\n"
		"       vr-sock [-v VR] [-t MS] ping|rawping ADDR | probe ADDR IFNAME|IFADDR\n"
		"       vr-sock [-v VR] [-t MS] tsping ADDR STAMPADDR\n"
		"       vr-sock [-v VR] [-t MS] rawcount TYPE | rawcount6 TYPE\n"
		"       vr-sock [-v VR] [-d DEV] echo tcp|udp ADDR PORT\n"
		"       vr-sock run ADDR PORT CMD [ARG...]\n"
		"       vr-sock [-v VR] [-t MS] [-w MS] bench udp_rr|tcp_rr|tcp_crr ADDR PORT SECONDS\n"
		"       vr-sock [-v VR] bindlat tcp|udp ADDR FIRST N [SECONDS]\n"
		"       vr-sock [-v VR] [-i IF] [-m IF] [-p IF] [-f] [-s SRC] [-b] send ADDR PORT\n"
		"       vr-sock [-v VR] srcaddr ADDR | pmtu ADDR | join GROUP [IF] | joinaddr GROUP ADDR\n"
		"       vr-sock [-v VR] join6 GROUP IF | ns IF TARGET | na IF TARGET\n"
		"       vr-sock fragneeded TO MTU QSRC QSPORT QDST QDPORT\n"
		"       vr-sock frag SRC DST PORT ID first|last CHAR\n"
		"       vr-sock [-v VR] [-t MS] recv ADDR PORT | racount PROTO | udpencap TYPE [VR]\n"
		"       vr-sock [-v VR] ulp NAME [VR] | xfrmpol [VR] | arpset ADDR MAC [pub]\n"
		"       vr-sock [-v VR] mrt [IF [hold]]\n"
		"       vr-sock [-v VR] mrt6 [IF [hold]]\n"
		"       vr-sock rasend SRC DST PROTO\n"
		"       vr-sock [-v VR] socket FAMILY TYPE PROTO\n"
		"       vr-sock [-v VR] serve6 udp ADDR PORT REPLY | request6 udp ADDR PORT | send6 ADDR PORT\n"
		"       vr-sock [-v VR] [-t MS] laddrs ADDR | peeraddrs ADDR PORT\n"
		"       vr-sock mip6 rh2|hao SRC DST HOME\n"
		"       vr-sock sovr get | sovr set VR [fresh|bound|addrbound|connected|listening]\n"
		"ADDR and SRC may be IPv6 for serve, request, bind, echo, run, bench,\n"
		"bindlat, send, srcaddr, pmtu, recv, ping and rawping.\n");
	exit(2);
}

static const char *errname(int err)
{
	switch (err) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENONET: return "ENONET";
	case EISCONN: return "EISCONN";
	case ERANGE: return "ERANGE";
	case EINVAL: return "EINVAL";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNRESET: return "ECONNRESET";
	case ENOTCONN: return "ENOTCONN";
	case EINTR: return "EINTR";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case ENOENT: return "ENOENT";
	default: return strerror(err);
	}
}

static int __attribute__((noreturn)) fail(int err)
{
	int rc;

	printf("error: %s\n", errname(err));
	fflush(stdout);
	switch (err) {
	case ETIMEDOUT:
		rc = 10;
		break;
	case ECONNREFUSED:
		rc = 11;
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
		rc = 12;
		break;
	case EADDRINUSE:
		rc = 13;
		break;
	case EADDRNOTAVAIL:
		rc = 14;
		break;
	case EPERM:
		rc = 15;
		break;
	case ENONET:
		rc = 16;
		break;
	case EISCONN:
		rc = 17;
		break;
	case ERANGE:
		rc = 18;
		break;
	default:
		rc = 1;
		break;
	}
	exit(rc);
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

/* The protocol of stream sockets: TCP, or SCTP (one-to-one style). */
static int stream_proto;

static int proto_type(const char *proto)
{
	if (!strcmp(proto, "tcp"))
		return SOCK_STREAM;
	if (!strcmp(proto, "sctp")) {
		stream_proto = IPPROTO_SCTP;
		return SOCK_STREAM;
	}
	if (!strcmp(proto, "udp"))
		return SOCK_DGRAM;
	usage();
}

/* An IPv4 or IPv6 socket address, and its length. */
struct addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
};

/*
 * ADDR, port PORT (0 if NULL), as an address of @family: AF_INET takes a
 * dotted quad, AF_INET6 an IPv6 address (IPv4-mapped ones included) with an
 * optional %SCOPE, an interface name or index; AF_UNSPEC either. Anything
 * else is a usage error. What getaddrinfo() with AI_NUMERICHOST takes, bar
 * inet_aton()'s short IPv4 forms, without its warning in static builds.
 */
static struct addr addr_of_family(int family, const char *addr, const char *port)
{
	const char *scope = strchr(addr, '%');
	size_t len = scope ? (size_t)(scope - addr) : strlen(addr);
	char host[INET6_ADDRSTRLEN];
	struct addr a = { 0 };

	if (family != AF_INET6 && !scope &&
	    inet_pton(AF_INET, addr, &a.in.sin_addr) == 1) {
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons(port ? atoi(port) : 0);
		a.len = sizeof(a.in);
		return a;
	}
	if (family == AF_INET || len >= sizeof(host))
		usage();
	memcpy(host, addr, len);
	host[len] = 0;
	if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) != 1)
		usage();
	if (scope++) {
		a.in6.sin6_scope_id = if_nametoindex(scope);
		if (!a.in6.sin6_scope_id) {
			char *end;
			unsigned long long idx = strtoull(scope, &end, 10);

			if (*scope < '0' || *scope > '9' || *end || idx > 0xffffffffULL)
				usage();
			a.in6.sin6_scope_id = idx;
		}
	}
	a.in6.sin6_family = AF_INET6;
	a.in6.sin6_port = htons(port ? atoi(port) : 0);
	a.len = sizeof(a.in6);
	return a;
}

/* An IPv4 address (the commands that take no other). */
static struct sockaddr_in addr_of(const char *addr, const char *port)
{
	return addr_of_family(AF_INET, addr, port).in;
}

/* An IPv4 or an IPv6 address (the [46] commands). */
static struct addr addr46_of(const char *addr, const char *port)
{
	return addr_of_family(AF_UNSPEC, addr, port);
}

static void set_port(struct addr *a, int port)
{
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons(port);
	else
		a->in.sin_port = htons(port);
}

static unsigned short port_of(const struct addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port);
}

/* @a's address as text, in @buf of INET6_ADDRSTRLEN bytes. */
static const char *addr_str(const struct addr *a, char *buf)
{
	if (a->sa.sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET, &a->in.sin_addr, buf, INET6_ADDRSTRLEN);
}

static int ifindex_of(const char *name)
{
	int idx = if_nametoindex(name);

	if (!idx)
		fail(errno);
	return idx;
}

/* -i, -m and -f on an IPv4 socket (or another, see new_socket_family()). */
static void set_opts4(int fd)
{
	if (unicast_if) {
		/* IPv4 takes the index in network byte order */
		int idx = htonl(ifindex_of(unicast_if));

		if (setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &idx, sizeof(idx)))
			fail(errno);
	}
	if (mcast_if) {
		struct ip_mreqn mr = { 0 };

		/* an interface name, or one of its addresses */
		if (!inet_aton(mcast_if, &mr.imr_address))
			mr.imr_ifindex = ifindex_of(mcast_if);

		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)))
			fail(errno);
	}
	if (freebind && setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &freebind,
				   sizeof(freebind)))
		fail(errno);
}

/* -i, -m and -f on an IPv6 socket. */
static void set_opts6(int fd)
{
	if (unicast_if) {
		/* in network byte order, as for IPv4 (ipv6_sockglue.c) */
		int idx = htonl(ifindex_of(unicast_if));

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &idx, sizeof(idx)))
			fail(errno);
	}
	if (mcast_if) {
		/* an interface name: IPv6 has no choosing by address */
		int idx = ifindex_of(mcast_if);

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)))
			fail(errno);
	}
	if (freebind && setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &freebind,
				   sizeof(freebind)))
		fail(errno);
}

/*
 * A socket, in VR -v if given, bound to device -d if given, with -i, -m and
 * -f set at the level of @opt_family: IPv6's for AF_INET6, else IPv4's.
 */
static int new_socket_opts(int family, int type, int protocol, int opt_family)
{
	int fd = socket(family, type, protocol);

	if (fd < 0)
		fail(errno);
	if (vr >= 0 && setsockopt(fd, SOL_SOCKET, SO_VR, &vr, sizeof(vr)))
		fail(errno);
	if (bind_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_dev,
				   strlen(bind_dev) + 1))
		fail(errno);
	if (opt_family == AF_INET6)
		set_opts6(fd);
	else
		set_opts4(fd);
	return fd;
}

/* An IPv4 socket. */
static int new_socket(int type, int protocol)
{
	return new_socket_opts(AF_INET, type, protocol, AF_INET);
}

/*
 * A socket of any @family with the IPv4 options, as vr-sock has always
 * made them: serve6, request6 and send6 (where they act on IPv4-mapped
 * traffic), join6, mrt6 and socket.
 */
static int new_socket_family(int family, int type, int protocol)
{
	return new_socket_opts(family, type, protocol, AF_INET);
}

/* An IPv4 or IPv6 socket, as @family, with that family's options. */
static int new_inet_socket(int family, int type, int protocol)
{
	return new_socket_opts(family, type, protocol, family);
}

/*
 * Binds @fd, of @family, to -s SRC (of that family), port chosen at
 * connect or first send. IP_BIND_ADDRESS_NO_PORT is an IPPROTO_IP option
 * that AF_INET6 TCP and UDP sockets take as well.
 */
static void bind_src(int fd, int family)
{
	struct addr src = addr_of_family(family, src_addr, NULL);
	int one = 1;

	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, &src.sa, src.len))
		fail(errno);
}

/* Waits until @fd is readable; fails with ETIMEDOUT. */
static void wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, ms);

	if (n < 0)
		fail(errno);
	if (n == 0)
		fail(ETIMEDOUT);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * What SO_ORIGINAL_DST (conntrack) says of connection @c from @peer, as
 * text: IPv6's for an IPv6 peer, IPv4's for an IPv4 or IPv4-mapped one.
 */
static void orig_dst(int c, const struct sockaddr_storage *peer, char *ans, size_t size)
{
	const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)peer;
	struct sockaddr_in o;
	socklen_t len = sizeof(o);

	if (peer->ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr)) {
		struct sockaddr_in6 o6;
		char buf[INET6_ADDRSTRLEN];

		len = sizeof(o6);
		if (getsockopt(c, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &o6, &len))
			snprintf(ans, size, "origdst %s", errname(errno));
		else
			snprintf(ans, size, "origdst [%s]:%u",
				 inet_ntop(AF_INET6, &o6.sin6_addr, buf, sizeof(buf)),
				 ntohs(o6.sin6_port));
		return;
	}
	if (getsockopt(c, SOL_IP, SO_ORIGINAL_DST, &o, &len))
		snprintf(ans, size, "origdst %s", errname(errno));
	else
		snprintf(ans, size, "origdst %s:%u", inet_ntoa(o.sin_addr),
			 ntohs(o.sin_port));
}

static int do_serve(int type, struct addr a, const char *reply)
{
	int one = 1, fd = new_inet_socket(a.sa.sa_family, type,
					  type == SOCK_STREAM ? stream_proto : 0);
	char buf[512];

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &a.sa, a.len))
		fail(errno);
	if (type == SOCK_STREAM && listen(fd, 16))
		fail(errno);
	ready();
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n;

		if (type == SOCK_DGRAM) {
			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &len);
			if (n >= 0)
				sendto(fd, reply, strlen(reply), 0,
				       (struct sockaddr *)&peer, len);
			continue;
		}
		int c = accept(fd, (struct sockaddr *)&peer, &len);

		if (c < 0)
			continue;
		n = recv(c, buf, sizeof(buf), 0);
		if (n >= 0 && !strcmp(reply, "origdst")) {
			char ans[96];

			orig_dst(c, &peer, ans, sizeof(ans));
			send(c, ans, strlen(ans), MSG_NOSIGNAL);
		} else if (n >= 0) {
			send(c, reply, strlen(reply), MSG_NOSIGNAL);
		}
		close(c);
	}
}

static int do_echo(int type, struct addr a)
{
	int one = 1, fd = new_inet_socket(a.sa.sa_family, type, 0);
	char buf[2048];

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &a.sa, a.len))
		fail(errno);
	if (type == SOCK_STREAM && listen(fd, 128))
		fail(errno);
	signal(SIGCHLD, SIG_IGN);	/* no zombies */
	ready();
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n;
		int c;

		if (type == SOCK_DGRAM) {
			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &len);
			if (n >= 0)
				sendto(fd, buf, n, 0, (struct sockaddr *)&peer,
				       len);
			continue;
		}
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fork() == 0) {
			close(fd);
			while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
				if (send(c, buf, n, MSG_NOSIGNAL) < 0)
					break;
			_exit(0);
		}
		close(c);
	}
}

/*
 * Listens on TCP @a; each connection gets the output of @argv (a new
 * process per connection, stdout on the connection), then is closed.
 */
static int do_run(struct addr a, char **argv)
{
	int one = 1, fd = new_inet_socket(a.sa.sa_family, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &a.sa, a.len))
		fail(errno);
	if (listen(fd, 16))
		fail(errno);
	signal(SIGCHLD, SIG_IGN);	/* no zombies */
	ready();
	for (;;) {
		int c = accept(fd, NULL, NULL);
		pid_t pid;

		if (c < 0) {
			poll(NULL, 0, 10);	/* e.g. EMFILE: no busy loop */
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(fd);
			signal(SIGCHLD, SIG_DFL);
			dup2(c, STDOUT_FILENO);
			close(c);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (pid < 0)
			perror("fork");
		close(c);
	}
}

/* One request/response on @fd; 0 on success. */
static int transact(int fd)
{
	char b = 'x';

	if (send(fd, &b, 1, MSG_NOSIGNAL) != 1)
		return -1;
	return recv(fd, &b, 1, 0) == 1 ? 0 : -1;
}

static int connect_to(int type, struct addr a)
{
	int one = 1, fd = new_inet_socket(a.sa.sa_family, type, 0);

	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, &a.sa, a.len))
		fail(errno);
	return fd;
}

static int do_bench(const char *kind, struct addr a, int seconds)
{
	int crr = !strcmp(kind, "tcp_crr"), fd = -1;
	int type = strcmp(kind, "udp_rr") ? SOCK_STREAM : SOCK_DGRAM;
	long start = now_ms(), end = start + seconds * 1000L, count = 0;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	if (!crr && strcmp(kind, "tcp_rr") && type == SOCK_STREAM)
		usage();
	if (!crr) {
		fd = connect_to(type, a);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	while (now_ms() < end) {
		if (crr) {
			fd = connect_to(type, a);
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv));
		}
		if (transact(fd))
			fail(errno ? errno : ECONNRESET);
		count++;
		if (crr)
			close(fd);
		if (pause_ms)
			usleep(pause_ms * 1000L);
	}
	printf("%s %ld %ld\n", kind, count * 1000 / (now_ms() - start), count);
	return 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest of @n sorted values with @pct % at or below it. */
static long long pctile(const long long *v, int n, int pct)
{
	int i = (int)(((long long)n * pct + 99) / 100) - 1;

	return v[i < 0 ? 0 : i];
}

/*
 * Binds @n sockets of @type to @a, ports @first..@first + @n - 1, one at a
 * time (TCP ones also listen), each closed before the next; prints the
 * distribution of the bind-to-close times.
 */
static int do_bindlat(const char *proto, int type, struct addr a, int first, int n,
		      int seconds)
{
	long long *lat, sum = 0, start = now_us();
	int done = 0, err = 0;

	if (first < 1 || n < 1 || first > 65535 || n > 65536 - first || seconds < 1)
		usage();
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		fail(ENOMEM);
	while (done < n) {
		int fd = new_inet_socket(a.sa.sa_family, type,
					 type == SOCK_STREAM ? stream_proto : 0);
		long long t0;

		set_port(&a, first + done);
		t0 = now_us();
		if (bind(fd, &a.sa, a.len) ||
		    (type == SOCK_STREAM && listen(fd, 1))) {
			err = errno;
			close(fd);
			break;
		}
		close(fd);
		lat[done] = now_us() - t0;
		sum += lat[done++];
		if (now_us() - start >= seconds * 1000000LL)
			break;
	}
	qsort(lat, done, sizeof(*lat), cmp_ll);
	if (done)
		printf("bindlat %s n=%d p50=%lld p99=%lld max=%lld mean=%lld\n", proto,
		       done, pctile(lat, done, 50), pctile(lat, done, 99),
		       lat[done - 1], sum / done);
	else
		printf("bindlat %s n=0\n", proto);
	fflush(stdout);
	free(lat);
	if (err) {
		fprintf(stderr, "vr-sock: bindlat: port %d\n", first + done);
		fail(err);
	}
	return 0;
}

/* Waits for the answer on @fd and prints it. */
/* Waits for the answer on @fd and prints it, after @prefix. */
static int print_answer(int fd, const char *prefix)
{
	char buf[512];
	ssize_t n;

	wait_readable(fd, timeout_ms);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		fail(errno);
	buf[n] = 0;
	printf("%s%s\n", prefix, buf);
	return 0;
}

static int do_request(int type, struct addr a)
{
	int fd;

	if (broadcast && a.sa.sa_family == AF_INET6)
		usage();	/* IPv6 has no broadcast */
	fd = new_inet_socket(a.sa.sa_family, type, type == SOCK_STREAM ? stream_proto : 0);
	if (type == SOCK_STREAM) {
		struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

		/* connect() times out after SO_SNDTIMEO */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (broadcast && type == SOCK_DGRAM) {
		int one = 1;

		/* unconnected: the answer comes from another address */
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
		if (sendto(fd, request_buf, request_len, 0, &a.sa, a.len) < 0)
			fail(errno);
		goto answer;
	}
	if (src_addr)	/* the port from ip_local_port_range, at connect() */
		bind_src(fd, a.sa.sa_family);
	if (connect(fd, &a.sa, a.len))
		fail(errno == EINPROGRESS ? ETIMEDOUT : errno);
	if (src_addr) {
		struct addr local;
		socklen_t len = sizeof(local.in6);

		if (!getsockname(fd, &local.sa, &len))
			fprintf(stderr, "from port %u\n", port_of(&local));
	}
	if (send(fd, request_buf, request_len, MSG_NOSIGNAL) < 0)
		fail(errno);
answer:
	return print_answer(fd, "");
}

/* One datagram from an unconnected socket, -p choosing the interface. */
static int do_send(struct addr a)
{
	int v6 = a.sa.sa_family == AF_INET6, fd, one = 1;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf = { { 0 } };
	struct iovec iov = { .iov_base = "hello", .iov_len = 5 };
	struct msghdr msg = {
		.msg_name = &a.sa, .msg_namelen = a.len,
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	if (broadcast && v6)
		usage();	/* IPv6 has no broadcast */
	fd = new_inet_socket(a.sa.sa_family, SOCK_DGRAM, 0);
	if (src_addr)
		bind_src(fd, a.sa.sa_family);
	if (broadcast)
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	if (pktinfo_if) {
		struct cmsghdr *cm;
		struct in_pktinfo pi = { .ipi_ifindex = ifindex_of(pktinfo_if) };
		struct in6_pktinfo pi6 = { .ipi6_ifindex = pi.ipi_ifindex };
		size_t len = v6 ? sizeof(pi6) : sizeof(pi);

		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(len);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
		cm->cmsg_type = v6 ? IPV6_PKTINFO : IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(len);
		memcpy(CMSG_DATA(cm), v6 ? (void *)&pi6 : (void *)&pi, len);
	}
	if (sendmsg(fd, &msg, 0) < 0)
		fail(errno);
	printf("sent\n");
	return 0;
}

static int do_srcaddr(struct addr a)
{
	int fd = new_inet_socket(a.sa.sa_family, SOCK_DGRAM, 0);
	struct addr local;
	socklen_t len = sizeof(local.in6);
	char buf[INET6_ADDRSTRLEN];

	set_port(&a, 9);
	if (connect(fd, &a.sa, a.len))
		fail(errno);
	if (getsockname(fd, &local.sa, &len))
		fail(errno);
	printf("%s\n", addr_str(&local, buf));
	return 0;
}

/* An IPv6 address, IPv4-mapped ones included (serve6, request6, send6). */
static struct sockaddr_in6 addr6_of(const char *addr, const char *port)
{
	return addr_of_family(AF_INET6, addr, port).in6;
}

/* serve6, request6 and send6: UDP on an AF_INET6 socket. */
static int do_udp6(const char *what, struct sockaddr_in6 sin6, const char *reply)
{
	int fd = new_socket_family(AF_INET6, SOCK_DGRAM, 0);
	char buf[512];
	ssize_t n;

	if (!strcmp(what, "serve6")) {
		if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
			fail(errno);
		ready();
		for (;;) {
			struct sockaddr_in6 peer;
			socklen_t len = sizeof(peer);

			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &len);
			if (n >= 0)
				sendto(fd, reply, strlen(reply), 0,
				       (struct sockaddr *)&peer, len);
		}
	}
	if (!strcmp(what, "send6")) {
		if (sendto(fd, "hello", 5, 0, (struct sockaddr *)&sin6,
			   sizeof(sin6)) < 0)
			fail(errno);
		printf("sent\n");
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
		fail(errno);
	if (send(fd, "hello", 5, 0) < 0)
		fail(errno);
	return print_answer(fd, "");
}

static int do_pmtu(struct addr a)
{
	int fd = new_inet_socket(a.sa.sa_family, SOCK_DGRAM, 0), mtu;
	socklen_t len = sizeof(mtu);
	int err;

	set_port(&a, 9);
	if (connect(fd, &a.sa, a.len))
		fail(errno);
	if (a.sa.sa_family == AF_INET6)
		err = getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &len);
	else
		err = getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len);
	if (err)
		fail(errno);
	printf("%d\n", mtu);
	return 0;
}

static unsigned short icmp_cksum(const void *data, size_t len);

static int do_joinaddr(struct sockaddr_in group, struct sockaddr_in addr)
{
	int fd = new_socket(SOCK_DGRAM, 0);
	struct ip_mreqn mr = {
		.imr_multiaddr = group.sin_addr,
		.imr_address = addr.sin_addr,
	};
	sigset_t set;
	int sig;

	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		fail(errno);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	ready();
	sigwait(&set, &sig);
	if (setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof(mr)))
		fail(errno);
	printf("left\n");
	return 0;
}

static int do_join6(const char *group, const char *ifname)
{
	int fd = new_socket_family(AF_INET6, SOCK_DGRAM, 0);
	struct ipv6_mreq mr = { .ipv6mr_interface = ifindex_of(ifname) };

	if (inet_pton(AF_INET6, group, &mr.ipv6mr_multiaddr) != 1)
		usage();
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		fail(errno);
	printf("joined\n");
	return 0;
}

/*
 * ns: one neighbour solicitation for @target to its solicited-node group;
 * na: one unsolicited neighbour advertisement of @target (S clear, O set)
 * to ff02::1. Both from interface @ifname, with hop limit 255 and its MAC
 * address (SIOCGIFHWADDR) in a source or target link-layer address option,
 * through a raw ICMPv6 socket (the kernel fills in the checksum) that does
 * not loop them back to this host.
 */
static int do_nd(const char *what, const char *ifname, const char *target)
{
	int fd = new_inet_socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	int solicit = !strcmp(what, "ns"), hops = 255, loop = 0;
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_scope_id = ifindex_of(ifname),
	};
	struct ifreq ifr = { 0 };
	struct in6_addr t;
	struct {
		union {
			struct nd_neighbor_solicit ns;
			struct nd_neighbor_advert na;
		};
		struct nd_opt_hdr opt;
		unsigned char lladdr[6];	/* Ethernet */
	} m = { 0 };

	if (inet_pton(AF_INET6, target, &t) != 1 || strlen(ifname) >= IFNAMSIZ)
		usage();
	memcpy(ifr.ifr_name, ifname, strlen(ifname));	/* NUL: ifr is zeroed */
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		fail(errno);
	memcpy(m.lladdr, ifr.ifr_hwaddr.sa_data, sizeof(m.lladdr));
	m.opt.nd_opt_len = 1;	/* in units of 8 bytes */
	if (solicit) {
		m.ns.nd_ns_type = ND_NEIGHBOR_SOLICIT;
		m.ns.nd_ns_target = t;
		m.opt.nd_opt_type = ND_OPT_SOURCE_LINKADDR;
		/* ff02::1:ff00:0/104 and the low 24 bits of the target */
		to.sin6_addr.s6_addr[0] = 0xff;
		to.sin6_addr.s6_addr[1] = 0x02;
		to.sin6_addr.s6_addr[11] = 0x01;
		to.sin6_addr.s6_addr[12] = 0xff;
		memcpy(&to.sin6_addr.s6_addr[13], &t.s6_addr[13], 3);
	} else {
		m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
		m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
		m.na.nd_na_target = t;
		m.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
		inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &to.sin6_scope_id,
		       sizeof(to.sin6_scope_id)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop)))
		fail(errno);
	if (sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		fail(errno);
	printf("sent\n");
	return 0;
}

/*
 * Prints the addresses getsockopt() @opt (SCTP_GET_LOCAL_ADDRS or
 * SCTP_GET_PEER_ADDRS) gives for SCTP socket @fd, one per line.
 */
static int print_sctp_addrs(int fd, int opt)
{
	union {
		struct sctp_getaddrs ga;
		char buf[16384];
	} u = { 0 };
	socklen_t len = sizeof(u);
	char buf[INET6_ADDRSTRLEN];
	const char *p = (const char *)u.ga.addrs;
	__u32 i;

	if (getsockopt(fd, IPPROTO_SCTP, opt, &u, &len))
		fail(errno);
	for (i = 0; i < u.ga.addr_num; i++) {
		struct addr x = { 0 };
		sa_family_t family;

		memcpy(&family, p, sizeof(family));
		x.len = family == AF_INET6 ? sizeof(x.in6) : sizeof(x.in);
		/* @len: the bytes of addresses, the header not counted */
		if ((size_t)(p + x.len - (const char *)u.ga.addrs) > len)
			fail(EMSGSIZE);
		memcpy(&x, p, x.len);
		printf("%s\n", addr_str(&x, buf));
		p += x.len;
	}
	return 0;
}

/* The local addresses of an SCTP socket bound to @a. */
static int do_laddrs(struct addr a)
{
	int fd = new_inet_socket(a.sa.sa_family, SOCK_STREAM, IPPROTO_SCTP);

	if (bind(fd, &a.sa, a.len))
		fail(errno);
	return print_sctp_addrs(fd, SCTP_GET_LOCAL_ADDRS);
}

static void on_usr1(int sig);

/*
 * An SCTP association with @a, kept for -t MS or until SIGUSR1; then the
 * peer's addresses, as its INIT-ACK and any ASCONF since gave them.
 */
static int do_peeraddrs(struct addr a)
{
	int fd = new_inet_socket(a.sa.sa_family, SOCK_STREAM, IPPROTO_SCTP);
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	if (connect(fd, &a.sa, a.len))
		fail(errno);
	ready();
	poll(NULL, 0, timeout_ms);	/* cut short by SIGUSR1 */
	return print_sctp_addrs(fd, SCTP_GET_PEER_ADDRS);
}

/*
 * One IPv6 packet @src -> @dst with a Mobile IPv6 header naming @home: a
 * type 2 routing header (RFC 6275 6.4) or a home address option (6.3) in a
 * destination options header, either 24 bytes, then no next header.
 */
static int do_mip6(const char *what, const char *src, const char *dst,
		   const char *home)
{
	int rh2 = !strcmp(what, "rh2");
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	struct {
		struct ip6_hdr ip6;
		unsigned char ext[24];
	} __attribute__((packed)) m = { 0 };
	struct in6_addr h;
	int fd;

	if ((!rh2 && strcmp(what, "hao")) ||
	    inet_pton(AF_INET6, src, &m.ip6.ip6_src) != 1 ||
	    inet_pton(AF_INET6, dst, &m.ip6.ip6_dst) != 1 ||
	    inet_pton(AF_INET6, home, &h) != 1)
		usage();
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);	/* header included */
	if (fd < 0)
		fail(errno);
	m.ip6.ip6_flow = htonl(6 << 28);
	m.ip6.ip6_plen = htons(sizeof(m.ext));
	m.ip6.ip6_hlim = 64;
	m.ext[0] = IPPROTO_NONE;
	m.ext[1] = 2;			/* (2 + 1) * 8 bytes */
	if (rh2) {
		m.ip6.ip6_nxt = IPPROTO_ROUTING;
		m.ext[2] = 2;		/* routing type 2 */
		m.ext[3] = 1;		/* segments left */
	} else {
		m.ip6.ip6_nxt = IPPROTO_DSTOPTS;
		m.ext[2] = 1;		/* PadN of 4 bytes: the option at 8n + 6 */
		m.ext[3] = 2;
		m.ext[6] = 0xc9;	/* home address option */
		m.ext[7] = 16;
	}
	memcpy(&m.ext[8], &h, sizeof(h));
	to.sin6_addr = m.ip6.ip6_dst;
	if (sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		fail(errno);
	printf("sent\n");
	return 0;
}

static int do_fragneeded(struct sockaddr_in to, int mtu, struct sockaddr_in qsrc,
			 struct sockaddr_in qdst)
{
	int fd = new_socket(SOCK_RAW, IPPROTO_ICMP);
	struct {
		struct icmphdr icmp;
		struct iphdr ip;
		struct udphdr udp;
	} __attribute__((packed)) m = { 0 };

	m.ip.version = 4;
	m.ip.ihl = 5;
	m.ip.tot_len = htons(1400);
	m.ip.frag_off = htons(IP_DF);
	m.ip.ttl = 64;
	m.ip.protocol = IPPROTO_UDP;
	m.ip.saddr = qsrc.sin_addr.s_addr;
	m.ip.daddr = qdst.sin_addr.s_addr;
	m.ip.check = icmp_cksum(&m.ip, sizeof(m.ip));
	m.udp.source = qsrc.sin_port;
	m.udp.dest = qdst.sin_port;
	m.udp.len = htons(1380);
	m.icmp.type = ICMP_DEST_UNREACH;
	m.icmp.code = ICMP_FRAG_NEEDED;
	m.icmp.un.frag.mtu = htons(mtu);
	m.icmp.checksum = icmp_cksum(&m, sizeof(m));
	if (sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		fail(errno);
	printf("sent\n");
	return 0;
}

/* One packet of @protocol with the Router Alert option, SRC -> DST. */
static int do_rasend(struct sockaddr_in src, struct sockaddr_in dst, int protocol)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	struct {
		struct iphdr ip;
		unsigned char ra[4];
		unsigned char data[8];
	} __attribute__((packed)) m = { 0 };

	if (fd < 0)
		fail(errno);
	m.ip.version = 4;
	m.ip.ihl = 6;
	m.ip.ttl = 64;
	m.ip.protocol = protocol;
	m.ip.id = htons(4242);
	m.ip.saddr = src.sin_addr.s_addr;
	m.ip.daddr = dst.sin_addr.s_addr;
	m.ip.tot_len = htons(sizeof(m));
	m.ra[0] = IPOPT_RA;
	m.ra[1] = 4;
	memcpy(m.data, "alert!!", 8);
	if (sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		fail(errno);
	printf("sent\n");
	return 0;
}

/*
 * Sets option @opt of @level to @val (@len bytes) on a new socket of @type
 * (VR -v if given), then, if @move_to >= 0, SO_VR to @move_to; prints
 * "set". For udpencap (UDP_ENCAP) and ulp (TCP_ULP).
 */
static int do_set_move(int type, int level, int opt, const void *val,
		       socklen_t len, int move_to)
{
	int fd = new_socket(type, 0);

	if (setsockopt(fd, level, opt, val, len))
		fail(errno);
	if (move_to >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_VR, &move_to, sizeof(move_to)))
		fail(errno);
	printf("set\n");
	return 0;
}

static int do_arpset(struct sockaddr_in addr, const char *mac, int pub)
{
	struct arpreq r = { .arp_flags = ATF_PERM | (pub ? ATF_PUBL : ATF_COM) };
	unsigned int b[6];
	int fd = new_socket(SOCK_DGRAM, 0), i;

	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		usage();
	memcpy(&r.arp_pa, &addr, sizeof(addr));
	r.arp_ha.sa_family = ARPHRD_ETHER;
	for (i = 0; i < 6; i++)
		r.arp_ha.sa_data[i] = b[i];
	if (ioctl(fd, SIOCSARP, &r))
		fail(errno);
	printf("set\n");
	return 0;
}

static int do_mrt(const char *ifname, int hold)
{
	int fd = new_socket(SOCK_RAW, IPPROTO_IGMP), one = 1;
	struct vifctl vif = { .vifc_flags = VIFF_USE_IFINDEX, .vifc_threshold = 1 };

	if (setsockopt(fd, IPPROTO_IP, MRT_INIT, &one, sizeof(one)))
		fail(errno);
	if (!ifname) {
		printf("init\n");
		return 0;
	}
	vif.vifc_lcl_ifindex = if_nametoindex(ifname);
	if (!vif.vifc_lcl_ifindex)
		fail(errno);
	if (setsockopt(fd, IPPROTO_IP, MRT_ADD_VIF, &vif, sizeof(vif)))
		fail(errno);
	printf("vif added\n");
	if (hold) {	/* the vif lasts as long as the socket */
		printf("ready\n");
		fflush(stdout);
		pause();
	}
	return 0;
}

/* The same for IPv6: a raw ICMPv6 socket, MRT6_INIT and MRT6_ADD_MIF. */
static int do_mrt6(const char *ifname, int hold)
{
	int fd = new_socket_family(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), one = 1;
	struct mif6ctl mif = { .vifc_threshold = 1 };

	if (setsockopt(fd, IPPROTO_IPV6, MRT6_INIT, &one, sizeof(one)))
		fail(errno);
	if (!ifname) {
		printf("init\n");
		return 0;
	}
	mif.mif6c_pifi = if_nametoindex(ifname);
	if (!mif.mif6c_pifi)
		fail(errno);
	if (setsockopt(fd, IPPROTO_IPV6, MRT6_ADD_MIF, &mif, sizeof(mif)))
		fail(errno);
	printf("mif added\n");
	if (hold) {	/* the mif lasts as long as the socket */
		printf("ready\n");
		fflush(stdout);
		pause();
	}
	return 0;
}

static int do_frag(struct sockaddr_in src, struct sockaddr_in dst, int id,
		   const char *part, char c)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), last;
	struct {
		struct iphdr ip;
		unsigned char data[16];
	} __attribute__((packed)) m = { 0 };
	struct udphdr udp = { 0 };
	size_t len;

	if (fd < 0)
		fail(errno);
	last = !strcmp(part, "last");
	if (!last && strcmp(part, "first"))
		usage();
	m.ip.version = 4;
	m.ip.ihl = 5;
	m.ip.ttl = 64;
	m.ip.protocol = IPPROTO_UDP;
	m.ip.id = htons(id);
	m.ip.saddr = src.sin_addr.s_addr;
	m.ip.daddr = dst.sin_addr.s_addr;
	if (last) {
		/* payload bytes 8..15: datagram offset 16, in units of 8 */
		m.ip.frag_off = htons(2);
		memset(m.data, c, 8);
		len = sizeof(m.ip) + 8;
	} else {
		m.ip.frag_off = htons(IP_MF);
		udp.source = htons(9);
		udp.dest = dst.sin_port;
		udp.len = htons(sizeof(udp) + 16);
		memcpy(m.data, &udp, sizeof(udp));
		memset(m.data + sizeof(udp), c, 8);
		len = sizeof(m);
	}
	m.ip.tot_len = htons(len);
	dst.sin_port = 0;
	if (sendto(fd, &m, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		fail(errno);
	printf("sent\n");
	return 0;
}

static int do_recv(struct addr a)
{
	int fd = new_inet_socket(a.sa.sa_family, SOCK_DGRAM, 0);

	if (bind(fd, &a.sa, a.len))
		fail(errno);
	ready();
	return print_answer(fd, "got ");
}

static int lookup(const char *name, const char *const *names, const int *values)
{
	for (; *names; names++, values++)
		if (!strcmp(name, *names))
			return *values;
	usage();
}

static int do_socket(const char *family, const char *type, int protocol)
{
	static const char *const fnames[] = { "inet", "inet6", "packet", "unix", "netlink", NULL };
	static const int fvalues[] = { AF_INET, AF_INET6, AF_PACKET, AF_UNIX, AF_NETLINK };
	static const char *const tnames[] = { "stream", "dgram", "seqpacket", "raw", NULL };
	static const int tvalues[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW };
	int fam = lookup(family, fnames, fvalues), fd, val;
	socklen_t len = sizeof(val);

	fd = new_socket_family(fam, lookup(type, tnames, tvalues),
			       fam == AF_PACKET ? htons(protocol) : protocol);
	if (getsockopt(fd, SOL_SOCKET, SO_VR, &val, &len))
		fail(errno);
	printf("created in VR %d\n", val);
	return 0;
}

static int do_join(struct sockaddr_in group, const char *ifname)
{
	int fd = new_socket(SOCK_DGRAM, 0);
	struct ip_mreqn mr = {
		.imr_multiaddr = group.sin_addr,
		.imr_ifindex = ifname ? ifindex_of(ifname) : 0,
	};

	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		fail(errno);
	ready();
	pause();
	return 0;
}

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

/*
 * Waits until @deadline for an ICMP message of @type on @fd, of @family, in
 * @buf: on a raw socket (@raw), one with echo identifier @id, after the IP
 * header (IPv6 raw sockets get none); on a ping socket, whose identifier the
 * kernel chose, any. Fails with ETIMEDOUT. ICMPv6 echo messages have the
 * header of ICMP ones (RFC 4443 4.1), so struct icmphdr serves for both.
 */
static struct icmphdr *recv_icmp(int fd, int family, int raw, int type, unsigned short id,
				 long deadline, char *buf, size_t size)
{
	for (;;) {
		long left = deadline - now_ms();
		struct icmphdr *rep = (struct icmphdr *)buf;
		ssize_t n;

		wait_readable(fd, left > 0 ? left : 0);
		n = recv(fd, buf, size, 0);
		if (n < 0)
			fail(errno);
		if (raw && family == AF_INET6) {
			if (n < (ssize_t)sizeof(*rep) || ntohs(rep->un.echo.id) != id)
				continue;
		} else if (raw) {
			struct iphdr *ip = (struct iphdr *)buf;

			if (n < (ssize_t)(ip->ihl * 4 + sizeof(*rep)))
				continue;
			rep = (struct icmphdr *)(buf + ip->ihl * 4);
			if (ntohs(rep->un.echo.id) != id)
				continue;
		} else if (n < (ssize_t)sizeof(*rep)) {
			continue;
		}
		if (rep->type == type)
			return rep;
	}
}

/*
 * Sends one echo request (identifier @id, sequence 1) to @to (@len bytes)
 * on @fd: ICMP, or ICMPv6 for an IPv6 @to, whose checksum (over a pseudo
 * header) the kernel fills in.
 */
static void send_echo(int fd, const struct sockaddr *to, socklen_t len, unsigned short id)
{
	struct icmphdr req = { .type = ICMP_ECHO };

	req.un.echo.id = htons(id);
	req.un.echo.sequence = htons(1);
	if (to->sa_family == AF_INET6)
		req.type = ICMP6_ECHO_REQUEST;
	else
		req.checksum = icmp_cksum(&req, sizeof(req));
	if (sendto(fd, &req, sizeof(req), 0, to, len) < 0)
		fail(errno);
}

static int do_ping(struct addr a, int raw)
{
	int v6 = a.sa.sa_family == AF_INET6;
	int fd = new_inet_socket(a.sa.sa_family, raw ? SOCK_RAW : SOCK_DGRAM,
				 v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	unsigned short id = getpid() & 0xffff;
	long deadline = now_ms() + timeout_ms;
	char buf[1500], str[INET6_ADDRSTRLEN];

	send_echo(fd, &a.sa, a.len, id);
	recv_icmp(fd, a.sa.sa_family, raw, v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY, id,
		  deadline, buf, sizeof(buf));
	printf("reply from %s\n", addr_str(&a, str));
	return 0;
}

static int do_tsping(struct sockaddr_in sin, struct sockaddr_in stamp)
{
	int fd = new_socket(SOCK_RAW, IPPROTO_ICMP);
	unsigned short id = getpid() & 0xffff;
	long deadline = now_ms() + timeout_ms;
	/* timestamp option, 12 bytes: pointer 5, flag 3 (prespecified) */
	unsigned char opt[12] = { IPOPT_TIMESTAMP, 12, 5, IPOPT_TS_PRESPEC };
	unsigned char *o, *end;
	struct iphdr *ip;
	char buf[1500];

	memcpy(opt + 4, &stamp.sin_addr, 4);
	if (setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opt, sizeof(opt)))
		fail(errno);
	send_echo(fd, (struct sockaddr *)&sin, sizeof(sin), id);
	recv_icmp(fd, AF_INET, 1, ICMP_ECHOREPLY, id, deadline, buf, sizeof(buf));
	ip = (struct iphdr *)buf;
	end = (unsigned char *)buf + ip->ihl * 4;
	for (o = (unsigned char *)(ip + 1); o + 1 < end && *o != IPOPT_END;) {
		if (*o == IPOPT_NOOP) {
			o++;
			continue;
		}
		if (o[1] < 2)
			break;
		if (*o == IPOPT_TIMESTAMP && o[1] >= 4) {
			printf("stamped %d\n", (o[2] - 5) / 8);
			return 0;
		}
		o += o[1];
	}
	printf("no timestamp option\n");
	return 1;
}

#ifndef ICMP_EXT_ECHO
#define ICMP_EXT_ECHO		42
#define ICMP_EXT_ECHOREPLY	43
#endif

/*
 * RFC 8335 PROBE: an extended echo request through a raw socket asking the
 * host at @sin about its own interface @name (L bit set; an interface
 * identification object of c-type 1, by name, or of c-type 3, by IPv4
 * address, if @name is one). Prints the reply's code (0: found, 1:
 * malformed query, 2: no such interface) and its status bits.
 */
static int do_probe(struct sockaddr_in sin, const char *name)
{
	int fd = new_socket(SOCK_RAW, IPPROTO_ICMP);
	unsigned short id = getpid() & 0xffff;
	long deadline = now_ms() + timeout_ms;
	size_t nlen = strlen(name), olen = 4 + ((nlen + 3) & ~(size_t)3);
	unsigned char req[8 + 4 + 4 + IFNAMSIZ + 3] = { 0 };
	struct icmphdr *h = (struct icmphdr *)req;
	unsigned char *ext = req + 8, *obj = req + 12;
	struct icmphdr *rep;
	struct in_addr addr;
	unsigned short ck;
	char buf[1500];

	if (!nlen || nlen >= IFNAMSIZ)
		usage();
	h->type = ICMP_EXT_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(1 << 8 | 1);	/* sequence 1, L bit */
	ext[0] = 2 << 4;				/* version 2 */
	obj[2] = 3;			/* class: interface identification */
	if (inet_aton(name, &addr)) {
		olen = 4 + 4 + sizeof(addr);
		obj[3] = 3;		/* c-type: by address */
		obj[5] = 1;		/* AFI: IPv4 */
		obj[6] = sizeof(addr);
		memcpy(obj + 8, &addr, sizeof(addr));
	} else {
		obj[3] = 1;		/* c-type: by name */
		memcpy(obj + 4, name, nlen);
	}
	obj[0] = olen >> 8;
	obj[1] = olen & 0xff;
	ck = icmp_cksum(ext, 4 + olen);
	memcpy(ext + 2, &ck, sizeof(ck));
	h->checksum = icmp_cksum(req, 12 + olen);
	if (sendto(fd, req, 12 + olen, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) < 0)
		fail(errno);
	rep = recv_icmp(fd, AF_INET, 1, ICMP_EXT_ECHOREPLY, id, deadline, buf, sizeof(buf));
	printf("probe code %d status 0x%x\n", rep->code,
	       ntohs(rep->un.echo.sequence) & 0xff);
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * Counts what a raw socket of @family and @protocol receives: ICMP or ICMPv6
 * messages of @type, or with @type -1 every packet (@ra: with
 * IP_ROUTER_ALERT set).
 */
static int do_rawcount(int family, int protocol, int type, int ra)
{
	int fd = new_inet_socket(family, SOCK_RAW, protocol), count = 0, stop = 0;
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	long deadline;
	char buf[1500];

	if (ra && setsockopt(fd, IPPROTO_IP, IP_ROUTER_ALERT, &ra, sizeof(ra)))
		fail(errno);
	sigaction(SIGUSR1, &sa, NULL);
	ready();
	deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		struct iphdr *ip = (struct iphdr *)buf;
		ssize_t n;

		/* At the deadline or on SIGUSR1: count what is queued, then stop. */
		if (!stop && (left <= 0 || poll(&pfd, 1, left) <= 0))
			stop = 1;
		n = recv(fd, buf, sizeof(buf), stop ? MSG_DONTWAIT : 0);
		if (n < 0 && stop)
			break;
		if (family == AF_INET6) {
			/* no IP header on IPv6 raw sockets */
			if (n >= 1 && (unsigned char)buf[0] == type)
				count++;
		} else if (n >= (ssize_t)sizeof(*ip) && type < 0) {
			count++;
		} else if (n >= (ssize_t)sizeof(*ip) &&
			   n >= ip->ihl * 4 + 1 && buf[ip->ihl * 4] == type) {
			count++;
		}
	}
	printf("%d\n", count);
	return 0;
}

static int do_bind(int type, struct addr a)
{
	int fd = new_inet_socket(a.sa.sa_family, type, 0);

	if (bind(fd, &a.sa, a.len))
		fail(errno);
	if (type == SOCK_STREAM && listen(fd, 1))
		fail(errno);
	ready();
	pause();
	return 0;
}

static int do_sovr(int argc, char **argv)
{
	const char *when = argc > 2 ? argv[2] : "fresh";
	int type = !strcmp(when, "listening") ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(AF_INET, type, 0), val;
	socklen_t len = sizeof(val);

	if (fd < 0)
		fail(errno);
	if (argc >= 1 && !strcmp(argv[0], "get")) {
		if (getsockopt(fd, SOL_SOCKET, SO_VR, &val, &len))
			fail(errno);
		printf("%d\n", val);
		return 0;
	}
	if (argc < 2 || strcmp(argv[0], "set"))
		usage();
	val = atoi(argv[1]);
	if (strcmp(when, "fresh")) {
		struct sockaddr_in sin = addr_of("127.0.0.1", NULL);

		if (!strcmp(when, "connected")) {
			sin.sin_port = htons(9);
			if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
				fail(errno);
		} else if (!strcmp(when, "addrbound")) {
			src_addr = "127.0.0.1";
			bind_src(fd, AF_INET);
		} else if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
			   (type == SOCK_STREAM && listen(fd, 1))) {
			fail(errno);
		}
	}
	if (setsockopt(fd, SOL_SOCKET, SO_VR, &val, sizeof(val)))
		fail(errno);
	if (getsockopt(fd, SOL_SOCKET, SO_VR, &val, &len))
		fail(errno);
	printf("%d\n", val);
	return 0;
}

int main(int argc, char **argv)
{
	int opt;

	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "+v:t:w:d:s:bi:m:p:fl:")) != -1) {
		switch (opt) {
		case 'w':
			pause_ms = atoi(optarg);
			if (pause_ms < 0 || pause_ms > 60000)
				usage();
			break;
		case 'l':
			request_len = strtoul(optarg, NULL, 10);
			if (request_len < 5 || request_len > sizeof(request_buf))
				usage();
			memset(request_buf + 5, 'x', request_len - 5);
			break;
		case 's':
			src_addr = optarg;
			break;
		case 'b':
			broadcast = 1;
			break;
		case 'i':
			unicast_if = optarg;
			break;
		case 'm':
			mcast_if = optarg;
			break;
		case 'p':
			pktinfo_if = optarg;
			break;
		case 'f':
			freebind = 1;
			break;
		case 'v':
			vr = atoi(optarg);
			break;
		case 'd':
			bind_dev = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && !strcmp(argv[0], "mrt"))
		return do_mrt(NULL, 0);
	if (argc == 1 && !strcmp(argv[0], "mrt6"))
		return do_mrt6(NULL, 0);
	if (argc >= 1 && argc <= 2 && !strcmp(argv[0], "xfrmpol")) {
		/* an outbound IPsec policy that allows everything, no template */
		struct xfrm_userpolicy_info pol = {
			.sel.family = AF_INET,
			.dir = XFRM_POLICY_OUT,
			.action = XFRM_POLICY_ALLOW,
		};

		return do_set_move(SOCK_DGRAM, IPPROTO_IP, IP_XFRM_POLICY, &pol,
				   sizeof(pol), argc == 2 ? atoi(argv[1]) : -1);
	}
	if (argc < 2)
		usage();
	if (!strcmp(argv[0], "serve") && argc == 5)
		return do_serve(proto_type(argv[1]), addr46_of(argv[2], argv[3]),
				argv[4]);
	if (!strcmp(argv[0], "request") && argc == 4)
		return do_request(proto_type(argv[1]),
				  addr46_of(argv[2], argv[3]));
	if (!strcmp(argv[0], "run") && argc >= 4)
		return do_run(addr46_of(argv[1], argv[2]), argv + 3);
	if (!strcmp(argv[0], "echo") && argc == 4)
		return do_echo(proto_type(argv[1]), addr46_of(argv[2], argv[3]));
	if (!strcmp(argv[0], "bench") && argc == 5)
		return do_bench(argv[1], addr46_of(argv[2], argv[3]),
				atoi(argv[4]));
	if (!strcmp(argv[0], "bindlat") && (argc == 5 || argc == 6))
		return do_bindlat(argv[1], proto_type(argv[1]), addr46_of(argv[2], NULL),
				  atoi(argv[3]), atoi(argv[4]), argc == 6 ? atoi(argv[5]) : 60);
	if (!strcmp(argv[0], "bind") && argc == 4)
		return do_bind(proto_type(argv[1]), addr46_of(argv[2], argv[3]));
	if (!strcmp(argv[0], "ping") && argc == 2)
		return do_ping(addr46_of(argv[1], NULL), 0);
	if (!strcmp(argv[0], "rawping") && argc == 2)
		return do_ping(addr46_of(argv[1], NULL), 1);
	if (!strcmp(argv[0], "tsping") && argc == 3)
		return do_tsping(addr_of(argv[1], NULL), addr_of(argv[2], NULL));
	if (!strcmp(argv[0], "probe") && argc == 3)
		return do_probe(addr_of(argv[1], NULL), argv[2]);
	if (!strcmp(argv[0], "rawcount") && argc == 2)
		return do_rawcount(AF_INET, IPPROTO_ICMP, atoi(argv[1]), 0);
	if (!strcmp(argv[0], "rawcount6") && argc == 2)
		return do_rawcount(AF_INET6, IPPROTO_ICMPV6, atoi(argv[1]), 0);
	if (!strcmp(argv[0], "racount") && argc == 2)
		return do_rawcount(AF_INET, atoi(argv[1]), -1, 1);
	if (!strcmp(argv[0], "rasend") && argc == 4)
		return do_rasend(addr_of(argv[1], NULL), addr_of(argv[2], NULL),
				 atoi(argv[3]));
	if (!strcmp(argv[0], "arpset") && argc == 3)
		return do_arpset(addr_of(argv[1], NULL), argv[2], 0);
	if (!strcmp(argv[0], "arpset") && argc == 4 && !strcmp(argv[3], "pub"))
		return do_arpset(addr_of(argv[1], NULL), argv[2], 1);
	if (!strcmp(argv[0], "mrt") && argc == 2)
		return do_mrt(argv[1], 0);
	if (!strcmp(argv[0], "mrt") && argc == 3 && !strcmp(argv[2], "hold"))
		return do_mrt(argv[1], 1);
	if (!strcmp(argv[0], "mrt6") && argc == 2)
		return do_mrt6(argv[1], 0);
	if (!strcmp(argv[0], "mrt6") && argc == 3 && !strcmp(argv[2], "hold"))
		return do_mrt6(argv[1], 1);
	if (!strcmp(argv[0], "udpencap") && (argc == 2 || argc == 3)) {
		int type = atoi(argv[1]);

		return do_set_move(SOCK_DGRAM, IPPROTO_UDP, UDP_ENCAP, &type,
				   sizeof(type), argc == 3 ? atoi(argv[2]) : -1);
	}
	if (!strcmp(argv[0], "ulp") && (argc == 2 || argc == 3))
		return do_set_move(SOCK_STREAM, IPPROTO_TCP, TCP_ULP, argv[1],
				   strlen(argv[1]), argc == 3 ? atoi(argv[2]) : -1);
	if (!strcmp(argv[0], "send") && argc == 3)
		return do_send(addr46_of(argv[1], argv[2]));
	if (!strcmp(argv[0], "srcaddr") && argc == 2)
		return do_srcaddr(addr46_of(argv[1], NULL));
	if (!strcmp(argv[0], "serve6") && argc == 5 && !strcmp(argv[1], "udp"))
		return do_udp6(argv[0], addr6_of(argv[2], argv[3]), argv[4]);
	if (!strcmp(argv[0], "request6") && argc == 4 && !strcmp(argv[1], "udp"))
		return do_udp6(argv[0], addr6_of(argv[2], argv[3]), NULL);
	if (!strcmp(argv[0], "send6") && argc == 3)
		return do_udp6(argv[0], addr6_of(argv[1], argv[2]), NULL);
	if (!strcmp(argv[0], "pmtu") && argc == 2)
		return do_pmtu(addr46_of(argv[1], NULL));
	if (!strcmp(argv[0], "fragneeded") && argc == 7)
		return do_fragneeded(addr_of(argv[1], NULL), atoi(argv[2]),
				     addr_of(argv[3], argv[4]), addr_of(argv[5], argv[6]));
	if (!strcmp(argv[0], "frag") && argc == 7)
		return do_frag(addr_of(argv[1], NULL), addr_of(argv[2], argv[3]),
			       atoi(argv[4]), argv[5], argv[6][0]);
	if (!strcmp(argv[0], "recv") && argc == 3)
		return do_recv(addr46_of(argv[1], argv[2]));
	if (!strcmp(argv[0], "socket") && argc == 4)
		return do_socket(argv[1], argv[2], atoi(argv[3]));
	if (!strcmp(argv[0], "joinaddr") && argc == 3)
		return do_joinaddr(addr_of(argv[1], NULL), addr_of(argv[2], NULL));
	if (!strcmp(argv[0], "join6") && argc == 3)
		return do_join6(argv[1], argv[2]);
	if ((!strcmp(argv[0], "ns") || !strcmp(argv[0], "na")) && argc == 3)
		return do_nd(argv[0], argv[1], argv[2]);
	if (!strcmp(argv[0], "join") && (argc == 2 || argc == 3))
		return do_join(addr_of(argv[1], NULL), argc == 3 ? argv[2] : NULL);
	if (!strcmp(argv[0], "laddrs") && argc == 2)
		return do_laddrs(addr46_of(argv[1], NULL));
	if (!strcmp(argv[0], "peeraddrs") && argc == 3)
		return do_peeraddrs(addr46_of(argv[1], argv[2]));
	if (!strcmp(argv[0], "mip6") && argc == 5)
		return do_mip6(argv[1], argv[2], argv[3], argv[4]);
	if (!strcmp(argv[0], "sovr"))
		return do_sovr(argc - 1, argv + 1);
	usage();
}
