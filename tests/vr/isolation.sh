#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: a socket in VR 1 cannot reach VR 0 through the paths that name
# an output interface or a source address, path MTU updates and syncookie
# connections stay in the VR, and so does native IPv6 (sends, binds, joins,
# delivery, counters) while IPv4-mapped addresses keep working; sockets
# and protocols VRs do not key are refused outside VR 0, fragments of two
# VRs are never reassembled together, routes and nexthop objects keep to
# their VR's interfaces, an MTU below 68 does not drop an interface out of
# its VR, vrctl lists a VR's sockets from sock_diag, and each VR counts its
# own packets, sockets, processes and routes; conntrack never gives VR 1's
# packets the entry of VR 0's, the nft socket match looks in the packet's
# VR, SO_ORIGINAL_DST is VR 0's, multicast routing stays VR 0's and the ICMP
# rate limits of an address are kept per VR; ESP in TCP is refused outside
# VR 0; a packet netfilter re-routes stays in its VR, and so do the
# local-source check, arp_filter, nft fib, nft dup and nft reject, ip route
# get answers in the asker's VR and an ICMP PROBE sees its VR's interfaces
# only; a VR's route takes none of another VR's addresses as its preferred
# source; IPsec is VR 0's; an address deleted in a VR kills that VR's routes
# only; SIOCSARP without a device picks an interface of the caller's VR, a
# timestamp option's addresses are looked up in the packet's VR, and so are
# the routes back of nft rt mtu and TCPMSS and iptables' address types; IPVS
# is VR 0's, and tc's ct action reassembles fragments per VR; no flow, a
# socket's or the kernel's, leaves through an interface of another VR, IGMP
# reports leave through their VR's, SYNPROXY answers in the VR of the SYN,
# and a tunnel's outer packet is VR 0's when netfilter re-routes it.
#
#   netns isop0-PID                 netns iso-PID (tests run here)
#   +------------------+            +-----------------------------------+
#   | b0 10.7.0.2      |-- veth ----| a0 10.7.9.1, 10.7.0.1 (VR 0)      |
#   |    10.7.9.2      |            |                                   |
#   +------------------+            |                                   |
#   netns isop1-PID                 |                                   |
#   +------------------+            |                                   |
#   | b1 10.7.0.2      |-- veth ----| a1 10.7.0.1 (VR 1)                |
#   | d1 10.8.0.2      |-- veth ----| c1 no address (VR 1), route to    |
#   +------------------+            |    10.8.0.0/24 in VR 1's table    |
#                                   +-----------------------------------+
#
# A packet that leaks out through a0 shows at isop0's Ip InReceives count
# (nothing else runs there). Multicast routes: 224.0.0.0/4 via a0 in VR 0,
# via a1 in VR 1. IPv6: a0 fd00:7::1/64 (b0 fd00:7::2), a1 fd00:71::1/64
# (b1 fd00:71::2).

LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
# lib/ and the test programs are beside the script in the kernel's
# tools/testing/selftests/net/vr; in vr-linux, lib/ is ../lib and the
# programs are in PATH.
LIB=${VR_TEST_LIB:-$HERE/lib}
[ -d "$LIB" ] || LIB=$HERE/../lib
PATH=$HERE:$PATH
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }
vr_require nft iptables ipvsadm

fresh_netns "$HERE/$(basename "$0")" iso isop0 isop1
# shellcheck disable=SC2086 # one word per namespace
set -- $VR_NETNS_PEERS
P0=$1
P1=$2
VR1_TABLE=65537
# iproute2's tc, not busybox's
TC=${VR_TC:-/usr/sbin/tc}

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-iso.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

t_setup() {
	ktap_run ip link set lo up &&
	ktap_run vrctl create 1 name one &&
	ktap_run ip link add a0 type veth peer name b0 netns "$P0" &&
	ktap_run ip addr add 10.7.9.1/24 dev a0 &&
	ktap_run ip addr add 10.7.0.1/24 dev a0 &&
	ktap_run ip link set a0 up &&
	ktap_run ip link add a1 type veth peer name b1 netns "$P1" &&
	ktap_run vrctl assign a1 1 &&
	ktap_run ip addr add 10.7.0.1/24 dev a1 &&
	ktap_run ip link set a1 up &&
	ktap_run ip link add c1 type veth peer name d1 netns "$P1" &&
	ktap_run vrctl assign c1 1 &&
	ktap_run ip link set c1 up &&
	ktap_run ip route add 10.8.0.0/24 dev c1 table "$VR1_TABLE" &&
	ktap_run ip route add 224.0.0.0/4 dev a0 &&
	ktap_run ip route add 224.0.0.0/4 dev a1 table "$VR1_TABLE" &&
	ktap_run ip -n "$P0" addr add 10.7.0.2/24 dev b0 &&
	ktap_run ip -n "$P0" addr add 10.7.9.2/24 dev b0 &&
	ktap_run ip -n "$P0" link set b0 up &&
	ktap_run ip -n "$P1" addr add 10.7.0.2/24 dev b1 &&
	ktap_run ip -n "$P1" link set b1 up &&
	ktap_run ip -n "$P1" addr add 10.8.0.2/24 dev d1 &&
	ktap_run ip -n "$P1" link set d1 up &&
	ktap_run vrctl create 2 name two &&
	ktap_run ip link add e1 type veth peer name f1 netns "$P1" &&
	ktap_run vrctl assign e1 1 &&
	ktap_run ip addr add 10.7.5.1/24 dev e1 &&
	ktap_run ip link set e1 up &&
	ktap_run ip addr add fd00:7::1/64 dev a0 nodad &&
	ktap_run ip -n "$P0" addr add fd00:7::2/64 dev b0 nodad &&
	ktap_run ip addr add fd00:71::1/64 dev a1 nodad &&
	ktap_run ip -n "$P1" addr add fd00:71::2/64 dev b1 nodad &&
	# the peers' own neighbours resolved before any count is taken
	ktap_run vr-sock -v 0 send 10.7.0.2 9 &&
	ktap_run vr-sock -v 1 send 10.7.0.2 9 &&
	sleep 1
}

# snmp NS PROTO FIELD and received NS (IP packets received in netns NS)
# shellcheck source=../lib/snmp.sh
. "$LIB/snmp.sh"

# leaks_at COUNTER VR-1-COMMAND...: run the command (a vr-sock send from
# VR 1 that names VR 0's a0 or one of its addresses); it must fail with
# ENETUNREACH and isop0's COUNTER (received, udp6_received) must not grow.
leaks_at() {
	local count=$1 before after
	shift
	before=$($count "$P0")
	ktap_run "$@"
	sleep 0.5
	after=$($count "$P0")
	ktap_expect_eq "packets that reached VR 0's peer" 0 $((after - before)) || return 1
	ktap_expect_stdout "error: ENETUNREACH"
}
leaks() { leaks_at received "$@"; }

# The counters see a packet: VR 1 through its own interface reaches isop1,
# VR 0 through a0 reaches isop0.
t_control() {
	local b0 b1
	b0=$(received "$P0") b1=$(received "$P1")
	ktap_run vr-sock -v 1 -i a1 send 10.7.0.2 9 || return 1
	ktap_run vr-sock -v 0 -i a0 send 10.7.0.2 9 || return 1
	sleep 0.5
	ktap_expect_eq "packets at isop1" 1 $(($(received "$P1") - b1)) || return 1
	ktap_expect_eq "packets at isop0" 1 $(($(received "$P0") - b0))
}

t_bindtodevice() { leaks vr-sock -v 1 -d a0 send 10.7.0.2 9; }
t_unicast_if() { leaks vr-sock -v 1 -i a0 send 10.7.0.2 9; }
t_pktinfo() { leaks vr-sock -v 1 -p a0 send 10.7.0.2 9; }
t_mcast_if() { leaks vr-sock -v 1 -m a0 send 239.1.1.1 9; }
t_mcast_if_local() { leaks vr-sock -v 1 -m a0 send 224.0.0.99 9; }
# The same for IPv6, to destinations that need the interface: VR 0's peer's
# link-local address (b0's, named by IPV6_UNICAST_IF, IPV6_PKTINFO, a scope
# id or SO_BINDTODEVICE) and multicast groups (IPV6_MULTICAST_IF).
leaks6() { leaks_at udp6_received "$@"; }
ll_b0() {
	ip -n "$P0" -6 -o addr show dev b0 scope link | awk '{ sub("/.*", "", $4); print $4 }'
}
t_control6() {
	local b0 ll
	ll=$(ll_b0)
	b0=$(udp6_received "$P0")
	ktap_run vr-sock -v 0 -i a0 send "$ll" 9 || return 1
	ktap_run vr-sock -v 0 send "$ll%a0" 9 || return 1
	sleep 0.5
	ktap_expect_eq "IPv6 datagrams at isop0" 2 $(($(udp6_received "$P0") - b0))
}
t_bindtodevice6() { leaks6 vr-sock -v 1 -d a0 send "$(ll_b0)" 9; }
t_unicast_if6() { leaks6 vr-sock -v 1 -i a0 send "$(ll_b0)" 9; }
t_pktinfo6() { leaks6 vr-sock -v 1 -p a0 send "$(ll_b0)" 9; }
t_scope_id6() { leaks6 vr-sock -v 1 send "$(ll_b0)%a0" 9; }
t_mcast_if6() { leaks6 vr-sock -v 1 -m a0 send ff0e::1:9 9; }
t_mcast_if_local6() { leaks6 vr-sock -v 1 -m a0 send ff02::1:9 9; }
# with a source address the lookup is not strict: the interface is refused
# all the same, not ignored
t_unicast_if6_src() { leaks6 vr-sock -v 1 -s fd00:71::1 -i a0 send fd00:71::2 9; }

# A VR 0 VXLAN device over IPv6 whose link is VR 1's a1 (its local
# address a1's) sends nothing: its outer packets would leave in VR 0
# through a0, from VR 1's address, to isop0.
t_tunnel_link6() {
	local before
	if ! ktap_run ip link add vx6 type vxlan id 42 local fd00:71::1 remote fd00:7::2 \
		dev a1 dstport 4789 ||
	   ! ktap_run ip link set vx6 up ||
	   ! ktap_run ip -6 addr add fd00:77::1/64 dev vx6 nodad; then
		ip link del vx6 2>/dev/null
		return 1
	fi
	before=$(udp6_received "$P0")
	ktap_run vr-sock -v 0 send fd00:77::2 9
	sleep 0.5
	ip link del vx6
	ktap_expect_eq "VXLAN packets at VR 0's peer" 0 $(($(udp6_received "$P0") - before))
}

# a source address only VR 0 has (IP_FREEBIND lets VR 1 bind it) and the
# limited broadcast: the output interface came from that address
t_bcast_saddr() { leaks vr-sock -v 1 -f -s 10.7.9.1 -b send 255.255.255.255 9; }

# c1 has no address: the source comes from another interface of VR 1, never
# from one of VR 0 (a0's first address, 10.7.9.1, exists nowhere else).
t_select_addr() {
	ktap_run vr-sock -v 1 srcaddr 10.8.0.2
	ktap_expect_rc 0 || return 1
	ktap_expect_stdout 10.7.0.1
}

# joined GROUP DEV: is DEV listening to GROUP, 239.1.1.N, at link level
# (01:00:5e:01:01:0N)?
joined() {
	ip maddr show dev "$2" |
		awk -v m="01:00:5e:01:01:0${1##*.}" \
			'$1 == "link" && $2 == m { f = 1 } END { exit !f }'
}

not_joined() { ! joined "$@"; }

t_join_other_vr() {
	ktap_run vr-sock -v 1 join 239.1.1.3 a0
	ktap_check "refused" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_stdout "error: No such device" || return 1
	ktap_check "not joined on a0" not_joined 239.1.1.3 a0
}

t_join_routed() {
	ktap_bg_ready "$T/join" vr-sock -v 1 join 239.1.1.4 || return 1
	ktap_check "joined on a1, VR 1's multicast route" joined 239.1.1.4 a1 &&
	ktap_check "not on a0, VR 0's" not_joined 239.1.1.4 a0 && return 0
	ktap_run ip maddr show
	return 1
}

# A membership made in VR 1 on e1, named by its address, then left by that
# address after e1 moved to VR 2: e1 leaves the group too.
t_leave_moved() {
	local pid
	ktap_bg_ready "$T/joinaddr" vr-sock -v 1 joinaddr 239.1.1.5 10.7.5.1 || return 1
	pid=$KTAP_BG_PID
	ktap_check "joined on e1" joined 239.1.1.5 e1 || return 1
	ktap_run vrctl assign e1 2 || return 1
	kill -USR1 "$pid"
	wait "$pid"
	ktap_print_file "joinaddr: " "$T/joinaddr"
	ktap_expect_match "left" "*left*" "$(cat "$T/joinaddr")" || return 1
	ktap_check "e1 left the group" not_joined 239.1.1.5 e1
}

# VR 1 joins IPv6 groups on its own interfaces only.
t_join6() {
	ktap_run vr-sock -v 1 join6 ff02::1:3 a1
	ktap_expect_stdout joined || return 1
	ktap_run vr-sock -v 1 join6 ff02::1:3 a0
	ktap_expect_stdout "error: No such device" || return 1
	ktap_run vr-sock -v 0 join6 ff02::1:3 a0
	ktap_expect_stdout joined
}

# An ICMP "fragmentation needed" that arrives in VR 1 about a packet of a
# VR 1 socket lowers VR 1's path MTU to the peer, not VR 0's to the same
# address.
t_pmtu() {
	ktap_bg_ready "$T/pmtu" vr-sock -v 1 serve udp 10.7.0.1 5555 x || return 1
	ktap_run ip netns exec "$P1" vr-sock fragneeded 10.7.0.1 1200 10.7.0.1 5555 10.7.0.2 9 ||
		return 1
	sleep 0.5
	ktap_run vr-sock -v 0 pmtu 10.7.0.2
	ktap_expect_stdout 1500 || return 1
	ktap_run vr-sock -v 1 pmtu 10.7.0.2
	ktap_expect_stdout 1200
}

# Syncookies always on: a VR 1 connection that a cookie completes gets VR 1's
# route, so it is answered through VR 1 and nothing reaches VR 0's peer
# (which has the same address).
t_syncookies() {
	local before
	ktap_run sysctl -qw net.ipv4.tcp_syncookies=2 || return 1
	ktap_bg_ready "$T/cookie" vr-sock -v 1 serve tcp 10.7.0.1 7100 cookie || return 1
	before=$(received "$P0")
	ktap_run ip netns exec "$P1" vr-sock -t 3000 request tcp 10.7.0.1 7100
	sysctl -qw net.ipv4.tcp_syncookies=1
	ktap_expect_stdout cookie || return 1
	ktap_expect_eq "packets that reached VR 0's peer" 0 $(($(received "$P0") - before))
}

# udp6_received NS: UDP datagrams that reached netns NS over IPv6, to a
# socket or not (Udp6InDatagrams + Udp6NoPorts).
udp6_received() { snmp6 "$1" Udp6InDatagrams Udp6NoPorts; }

t_v6_control() {
	local before
	before=$(udp6_received "$P0")
	ktap_run vr-sock -v 0 send6 fd00:7::2 9 || return 1
	sleep 0.5
	ktap_expect_eq "IPv6 datagrams at isop0" 1 $(($(udp6_received "$P0") - before))
}

# A VR 1 socket sends IPv6 to VR 1's peer through a1; VR 0's prefix
# fd00:7::/64 is not in VR 1's table: unreachable, nothing sent to VR 0's
# peer.
t_v6_send() {
	local b0 b1
	b0=$(udp6_received "$P0") b1=$(udp6_received "$P1")
	ktap_run vr-sock -v 1 send6 fd00:71::2 9
	ktap_expect_stdout sent || return 1
	ktap_run vr-sock -v 1 send6 fd00:7::2 9
	ktap_expect_stdout "error: ENETUNREACH" || return 1
	sleep 0.5
	ktap_expect_eq "IPv6 datagrams at isop1" 1 $(($(udp6_received "$P1") - b1)) &&
	ktap_expect_eq "IPv6 datagrams at isop0" 0 $(($(udp6_received "$P0") - b0))
}

# VR 1's table routes fd00:99::/64 from fd00:71::1 only (a source-specific
# route): a VR 1 socket without a source finds no route at first, so its
# source is chosen among VR 1's addresses (fd00:71::1, a1's), and the
# datagram reaches VR 1's peer from it. Chosen among VR 0's (fd00:7::1,
# a0's), it would match no route of VR 1: ENETUNREACH.
t_v6_src_specific() {
	local n out
	cat > "$T/src6.nft" <<-'NFT'
	table ip6 vrsrc6 {
		counter c { }
		chain pre {
			type filter hook prerouting priority 0;
			ip6 saddr fd00:71::1 ip6 daddr fd00:99::1 counter name c
		}
	}
	NFT
	ktap_run ip netns exec "$P1" nft -f "$T/src6.nft" || return 1
	ktap_run ip -6 route add fd00:99::/64 from fd00:71::1 via fd00:71::2 dev a1 \
		table "$VR1_TABLE" || {
		ip netns exec "$P1" nft delete table ip6 vrsrc6
		return 1
	}
	ktap_run vr-sock -v 1 send6 fd00:99::1 9
	out=$KTAP_STDOUT_TEXT
	sleep 0.5
	n=$(nft_packets "$P1" ip6 vrsrc6 c)
	ip -6 route del fd00:99::/64 from fd00:71::1 table "$VR1_TABLE"
	ip netns exec "$P1" nft delete table ip6 vrsrc6
	ktap_expect_eq "vr-sock -v 1 send6 fd00:99::1" sent "$out" &&
	ktap_expect_eq "datagrams from fd00:71::1 at VR 1's peer" 1 "${n:-x}"
}

# A VR 1 socket binds VR 1's IPv6 addresses, a1's link-local one with a1
# as scope; VR 0's (global, or a0's link-local with a0) are not available.
t_v6_bind() {
	local ll0 ll1

	ll0=$(ip -6 -o addr show dev a0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
	ll1=$(ip -6 -o addr show dev a1 scope link | awk '{ sub("/.*", "", $4); print $4 }')
	in_vr 1 vr-priv bind6 udp fd00:71::1 5557
	ktap_expect_stdout ok || return 1
	in_vr 1 vr-priv bind6 tcp "$ll1%a1" 5557
	ktap_expect_stdout ok || return 1
	in_vr 1 vr-priv bind6 udp fd00:7::1 5557
	ktap_expect_stdout "error: EADDRNOTAVAIL" || return 1
	in_vr 1 vr-priv bind6 udp "$ll0%a0" 5557
	ktap_check "a0's link-local refused" [ "$KTAP_RC" != 0 ] &&
	ktap_expect_match "refused" "*error: E*" "$KTAP_STDOUT_TEXT"
}

# A socket of VR 0 cannot take VR 1's IPv6 addresses or interfaces: binding
# a1's global address, or its link-local one with a1 as scope, is refused
# (EADDRNOTAVAIL), as is joining a group on a1 (ENODEV); a0's are VR 0's.
t_v6_vr0_other_vr() {
	local ll0 ll1

	ll0=$(ip -6 -o addr show dev a0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
	ll1=$(ip -6 -o addr show dev a1 scope link | awk '{ sub("/.*", "", $4); print $4 }')
	ktap_run vr-priv bind6 udp fd00:7::1 5560
	ktap_expect_stdout ok || return 1
	ktap_run vr-priv bind6 udp "$ll0%a0" 5560
	ktap_expect_stdout ok || return 1
	ktap_run vr-priv bind6 udp fd00:71::1 5560
	ktap_expect_stdout "error: EADDRNOTAVAIL" || return 1
	ktap_run vr-priv bind6 udp "$ll1%a1" 5560
	ktap_expect_stdout "error: EADDRNOTAVAIL" || return 1
	ktap_run vr-sock -v 0 join6 ff02::1:3 a0
	ktap_expect_stdout joined || return 1
	ktap_run vr-sock -v 0 join6 ff02::1:3 a1
	ktap_expect_stdout "error: No such device"
}

# A VR 1 dual-stack server on :: answers VR 1's peer over IPv4 and IPv6,
# not VR 0's peer over IPv6 (port unreachable: VR 0 has no such socket).
t_v6_wildcard() {
	ktap_bg_ready "$T/serve6" vr-sock -v 1 serve6 udp :: 5558 vr1 || return 1
	ktap_run ip netns exec "$P1" vr-sock request udp 10.7.0.1 5558
	ktap_expect_stdout vr1 || return 1
	ktap_run ip netns exec "$P1" vr-sock request6 udp fd00:71::1 5558
	ktap_expect_stdout vr1 || return 1
	ktap_run ip netns exec "$P0" vr-sock request6 udp fd00:7::1 5558
	ktap_check "no answer from VR 1" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_stdout "error: ECONNREFUSED"
}

# VR 1's peer reaches no VR 0 IPv6 service through VR 1's interface: port
# unreachable, answered in VR 1.
t_v6_ingress() {
	ktap_bg_ready "$T/serve6-0" vr-sock -v 0 serve6 udp :: 5559 vr0 || return 1
	ktap_run ip netns exec "$P0" vr-sock request6 udp fd00:7::1 5559
	ktap_expect_stdout vr0 || return 1
	ktap_run ip netns exec "$P1" vr-sock request6 udp fd00:71::1 5559
	ktap_check "no answer from VR 0" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_stdout "error: ECONNREFUSED"
}

# in_vr VR CMD...: run CMD as a task of VR VR (its new sockets are in VR).
in_vr() {
	local v=$1
	shift
	ktap_run sh -c 'echo "$0" > /proc/self/vr && exec "$@"' "$v" "$@"
}

# Sockets VRs do not key are refused to a task of VR 1 (MPTCP 262, SCTP 132,
# L2TP/IP 115; packet sockets), created by a task of VR 0.
t_sock_refused() {
	local s
	for s in "inet stream 262" "inet stream 132" "inet seqpacket 132" \
		"inet dgram 115" "inet6 stream 262" "inet6 seqpacket 132"; do
		# shellcheck disable=SC2086 # family, type and protocol
		in_vr 1 vr-sock socket $s
		ktap_expect_stdout "error: EPROTONOSUPPORT" || return 1
		# shellcheck disable=SC2086
		in_vr 0 vr-sock socket $s
		ktap_expect_stdout "created in VR 0" || return 1
	done
	in_vr 1 vr-sock socket packet raw 3
	ktap_expect_stdout "error: EAFNOSUPPORT" || return 1
	in_vr 0 vr-sock socket packet raw 3
	ktap_expect_stdout "created in VR 0"
}

# What VRs key is created in VR 1: TCP, UDP, raw, also for AF_INET6 (used
# with IPv4-mapped addresses), and AF_UNIX and AF_NETLINK sockets.
t_sock_keyed() {
	local s
	for s in "inet stream 0" "inet stream 6" "inet dgram 17" "inet raw 1" \
		"inet6 stream 0" "inet6 dgram 17" "unix stream 0" "netlink raw 0"; do
		# shellcheck disable=SC2086
		in_vr 1 vr-sock socket $s
		ktap_expect_stdout "created in VR 1" || return 1
	done
}

# SO_VR does not move such a socket out of VR 0.
t_sovr_unkeyed() {
	ktap_run vr-sock -v 1 socket inet stream 132
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 1 socket packet raw 3
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 1 socket inet dgram 115
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	# MPTCP answers SOL_SOCKET options it does not know itself
	ktap_run vr-sock -v 1 socket inet stream 262
	ktap_expect_match "refused" "error: *" "$KTAP_STDOUT_TEXT"
}

# Both fragments of one datagram from VR 1's peer are reassembled and
# delivered in VR 1.
t_frag_control() {
	local pid
	ktap_bg_ready "$T/frag" vr-sock -v 1 -t 8000 recv 10.7.0.1 5560 || return 1
	pid=$KTAP_BG_PID
	ktap_run ip netns exec "$P1" vr-sock frag 10.7.0.2 10.7.0.1 5560 4660 first 1 &&
	ktap_run ip netns exec "$P1" vr-sock frag 10.7.0.2 10.7.0.1 5560 4660 last 1 || return 1
	wait "$pid"
	ktap_print_file "recv: " "$T/frag"
	ktap_expect_match "reassembled in VR 1" "*got 1111111111111111*" "$(cat "$T/frag")"
}

# The first fragment arrives in VR 1 and the last, same addresses and IP id,
# in VR 0: two datagrams, neither complete, nothing delivered in either VR.
t_frag_cross() {
	local p0 p1
	ktap_bg_ready "$T/frag0" vr-sock -v 0 -t 8000 recv 10.7.0.1 5561 || return 1
	p0=$KTAP_BG_PID
	ktap_bg_ready "$T/frag1" vr-sock -v 1 -t 8000 recv 10.7.0.1 5561 || return 1
	p1=$KTAP_BG_PID
	ktap_run ip netns exec "$P1" vr-sock frag 10.7.0.2 10.7.0.1 5561 4661 first 1 &&
	ktap_run ip netns exec "$P0" vr-sock frag 10.7.0.2 10.7.0.1 5561 4661 last 0 || return 1
	wait "$p0" "$p1"
	ktap_print_file "VR 0 recv: " "$T/frag0"
	ktap_print_file "VR 1 recv: " "$T/frag1"
	ktap_expect_match "nothing in VR 0" "*error: ETIMEDOUT*" "$(cat "$T/frag0")" &&
	ktap_expect_match "nothing in VR 1" "*error: ETIMEDOUT*" "$(cat "$T/frag1")"
}

# unknown_protos: this namespace's Ip InUnknownProtos.
unknown_protos() { snmp - Ip InUnknownProtos; }

# An SCTP server of VR 0 on the wildcard address serves VR 0's peer. SCTP
# is not keyed by VR: for VR 1 it is an unknown protocol, so VR 1's peer
# gets no answer (a protocol unreachable), and VR 0's peer, which has the
# same address, no stray INIT-ACK.
t_proto_sctp() {
	local before unknown
	ktap_bg_ready "$T/sctp" vr-sock -v 0 serve sctp 0.0.0.0 7200 vr0 || return 1
	ktap_run ip netns exec "$P0" vr-sock -t 3000 request sctp 10.7.0.1 7200
	ktap_expect_stdout vr0 || return 1
	before=$(received "$P0") unknown=$(unknown_protos)
	ktap_run ip netns exec "$P1" vr-sock -t 3000 request sctp 10.7.0.1 7200
	ktap_check "no answer in VR 1" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_eq "packets that reached VR 0's peer" 0 $(($(received "$P0") - before)) ||
		return 1
	ktap_check "counted as an unknown protocol" [ "$(unknown_protos)" -gt "$unknown" ]
}

# lacks_line LINE FILE: FILE has no line LINE.
lacks_line() {
	! grep -qx "$1" "$2"
}

# SCTP is VR 0's: a VR 0 socket bound to every address is offered VR 0's
# addresses, not VR 1's (10.7.5.1 on e1, fd00:71::1 on a1); 10.7.0.1 is
# on an interface of each VR.
t_sctp_laddrs() {
	ktap_run vr-sock laddrs 0.0.0.0 || return 1
	ktap_print_file "IPv4: " "$KTAP_STDOUT"
	ktap_check "VR 0's 10.7.9.1 offered" grep -qx '10.7.9.1' "$KTAP_STDOUT" &&
	ktap_expect_eq "10.7.0.1 offered once (VR 1's entry is not)" 1 \
		"$(grep -cx '10.7.0.1' "$KTAP_STDOUT")" &&
	ktap_check "VR 1's 10.7.5.1 not offered" lacks_line '10.7.5.1' "$KTAP_STDOUT" &&
	ktap_run vr-sock laddrs :: || return 1
	ktap_print_file "IPv6: " "$KTAP_STDOUT"
	ktap_check "VR 0's fd00:7::1 offered" grep -qx 'fd00:7::1' "$KTAP_STDOUT" &&
	ktap_check "VR 1's fd00:71::1 not offered" lacks_line 'fd00:71::1' "$KTAP_STDOUT"
}

# sctp_sysctls VALUE: net.sctp's ASCONF sysctls here and in VR 0's peer.
sctp_sysctls() {
	local ns f
	for ns in - "$P0"; do
		for f in addip_enable auth_enable default_auto_asconf; do
			in_netns "$ns" sysctl -qw "net.sctp.$f=$1" || return 1
		done
	done
}

# SCTP announces (ASCONF) VR 0's new addresses only: with auto-ASCONF on, an
# association of VR 0 learns the address VR 0 gains after VR 1 gained an
# IPv6 and an IPv4 one, and not VR 1's. (VR 1's IPv6 address, never local
# in VR 0, used to stall the queue, and VR 1's IPv4 one to be announced.)
t_sctp_asconf() {
	local pid
	ktap_run sctp_sysctls 1 || return 1
	ktap_bg_ready "$T/asconf-srv" vr-sock -v 0 serve sctp 0.0.0.0 7201 x || return 1
	# The association lasts until 4 s after the last address was added
	# (the ASCONF leaves on a 0.5 s timer), then the peer prints what it
	# learnt (SIGUSR1); 4 s from the association's start were too short
	# for the three additions on the debug kernel.
	# "$IPROUTE2", not the ip function: the background pid must be
	# vr-sock's (ip netns exec execs it), not a subshell's.
	ktap_bg_ready "$T/asconf" "$IPROUTE2" netns exec "$P0" vr-sock -t 60000 \
		peeraddrs 10.7.9.1 7201 || return 1
	pid=$KTAP_BG_PID
	ktap_run ip addr add fd00:72::1/64 dev e1 nodad &&
	ktap_run ip addr add 10.7.12.1/24 dev e1 &&
	ktap_run ip addr add 10.7.10.1/24 dev a0
	sleep 4
	kill -USR1 "$pid"
	wait "$pid"
	ip addr del fd00:72::1/64 dev e1
	ip addr del 10.7.12.1/24 dev e1
	ip addr del 10.7.10.1/24 dev a0
	sctp_sysctls 0
	ktap_print_file "peer's addresses: " "$T/asconf"
	ktap_check "VR 0's new 10.7.10.1 announced" grep -qx '10.7.10.1' "$T/asconf" &&
	ktap_check "VR 1's new 10.7.12.1 not announced" lacks_line '10.7.12.1' "$T/asconf"
}

# Mobile IPv6 is VR 0's. VR 0 processes a type 2 routing header and a home
# address option naming its own address (and, with no binding, drops the
# packet silently); VR 1 takes either for an unknown header and answers with
# a parameter problem, whatever VR 0's Mobile IPv6 state.
t_mip6_vr0() {
	local what p0 p1
	for what in rh2 hao; do
		p0=$(snmp6 "$P0" Icmp6InParmProblems) p1=$(snmp6 "$P1" Icmp6InParmProblems)
		ktap_run ip netns exec "$P0" vr-sock mip6 "$what" fd00:7::2 fd00:7::1 fd00:7::1 &&
		ktap_run ip netns exec "$P1" vr-sock mip6 "$what" fd00:71::2 fd00:71::1 \
			fd00:71::1 || return 1
		sleep 1
		ktap_expect_eq "VR 0: $what processed, no parameter problem" 0 \
			$(($(snmp6 "$P0" Icmp6InParmProblems) - p0)) &&
		ktap_expect_eq "VR 1: $what unknown, a parameter problem" 1 \
			$(($(snmp6 "$P1" Icmp6InParmProblems) - p1)) || return 1
	done
}

# vr_has_dev VR DEV: does vrctl list DEV among VR's interfaces?
vr_has_dev() {
	vrctl show "$1" | grep -q "interfaces:.* $2\( \|$\)"
}

# An interface of VR 1 keeps IPv4, and so its VR, when asked for an MTU below
# 68: the change is refused. One of VR 0 loses IPv4 there, as without VRs.
t_mtu_keeps_vr() {
	ktap_run ip link add m0 type dummy &&
	ktap_run ip link add m1 type dummy &&
	ktap_run vrctl assign m1 1 || return 1
	ktap_run ip link set m1 mtu 60
	ktap_check "refused" [ "$KTAP_RC" != 0 ] || return 1
	ktap_check "m1 still in VR 1" vr_has_dev 1 m1 || return 1
	ktap_run ip link set m0 mtu 60 &&
	ktap_run ip link set m0 mtu 1500
}

# refused_with MSG: the last ktap_run failed with extack message MSG.
refused_with() {
	ktap_check "refused" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_match "extack" "*$1*" "$KTAP_STDERR_TEXT"
}

# A route's interface is in its table's VR.
t_route_dev_vr() {
	ktap_run ip route add 10.9.1.0/24 dev a1
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip route add 10.9.1.0/24 dev a0 table "$VR1_TABLE"
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip route add 10.9.1.0/24 via 10.7.9.2 table "$VR1_TABLE" onlink dev a0
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip route add 10.9.1.0/24 dev c1 table "$VR1_TABLE" &&
	ktap_run ip route del 10.9.1.0/24 dev c1 table "$VR1_TABLE"
}

# The same for IPv6 routes, and IPv6 nexthop objects stay out of VR 1's table.
t_route_dev_vr6() {
	ktap_run ip -6 route add 2001:db8:91::/64 dev a1
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip -6 route add 2001:db8:91::/64 dev a0 table "$VR1_TABLE"
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip -6 route add 2001:db8:91::/64 via fe80::9 dev a0 table "$VR1_TABLE" onlink
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip -6 nexthop add id 73 dev a0 || return 1
	ktap_run ip -6 route add 2001:db8:93::/64 nhid 73 table "$VR1_TABLE"
	ip nexthop del id 73
	refused_with "not for the table of another VR" || return 1
	ktap_run ip -6 route add 2001:db8:91::/64 dev c1 table "$VR1_TABLE" &&
	ktap_run ip -6 route del 2001:db8:91::/64 dev c1 table "$VR1_TABLE"
}

# A multipath route of VR 0 with a next hop through an interface that moves
# to VR 1 goes: kept with that next hop dead, it would have it alive again
# when the interface next comes up, now in VR 1. IPv6 drops that next hop.
t_multipath_move() {
	local rc=0
	ktap_run ip link add m5 type dummy &&
	ktap_run ip link add m6 type dummy &&
	ktap_run ip link set m5 up &&
	ktap_run ip link set m6 up &&
	ktap_run ip addr add 10.9.5.1/24 dev m5 &&
	ktap_run ip addr add 10.9.6.1/24 dev m6 &&
	ktap_run ip -6 addr add 2001:db8:95::1/64 dev m5 nodad &&
	ktap_run ip -6 addr add 2001:db8:96::1/64 dev m6 nodad &&
	ktap_run ip route add 10.9.9.0/24 nexthop via 10.9.5.2 dev m5 \
		nexthop via 10.9.6.2 dev m6 &&
	ktap_run ip -6 route add 2001:db8:99::/64 nexthop via 2001:db8:95::2 dev m5 \
		nexthop via 2001:db8:96::2 dev m6 &&
	ktap_run vrctl assign m6 1 &&
	ktap_run ip link set m6 down &&
	ktap_run ip link set m6 up || rc=1
	if [ $rc = 0 ]; then
		ktap_run ip route show 10.9.9.0/24
		ktap_check "no IPv4 next hop of VR 0 through m6" \
			sh -c "! grep -q 'dev m6' '$KTAP_STDOUT'" || rc=1
		ktap_run ip -6 route show 2001:db8:99::/64
		ktap_check "no IPv6 next hop of VR 0 through m6" \
			sh -c "! grep -q 'dev m6' '$KTAP_STDOUT'" || rc=1
	fi
	ip link del m5
	ip link del m6
	return $rc
}

# Nexthop objects are VR 0's: none on an interface of VR 1, none in VR 1's
# table, and those of an interface that moves to VR 1 go with their routes.
t_nexthop_vr() {
	ktap_run ip nexthop add id 71 dev a1
	refused_with "the device is in another VR" || return 1
	ktap_run ip link set m0 up &&
	ktap_run ip nexthop add id 72 dev m0 &&
	ktap_run ip route add 10.9.2.0/24 nhid 72 || return 1
	ktap_run ip route add 10.9.3.0/24 nhid 72 table "$VR1_TABLE"
	refused_with "not for the table of another VR" || return 1
	ktap_run vrctl assign m0 1 || return 1
	ktap_run ip nexthop show id 72
	ktap_check "nexthop 72 gone" [ "$KTAP_RC" != 0 ] || return 1
	ktap_run ip route show 10.9.2.0/24
	ktap_expect_stdout ""
}

# vrctl show VR sockets lists a VR's sockets (sock_diag's INET_DIAG_VR), and
# only those.
t_show_sockets() {
	ktap_bg_ready "$T/b1" vr-sock -v 1 bind tcp 10.7.0.1 7300 &&
	ktap_bg_ready "$T/b0" vr-sock -v 0 bind tcp 10.7.0.1 7300 &&
	ktap_bg_ready "$T/u1" vr-sock -v 1 bind udp 10.7.0.1 7301 || return 1
	ktap_run vrctl show 1 sockets
	ktap_check "VR 1's TCP listener" \
		grep -Eq '^tcp +LISTEN +10\.7\.0\.1:7300 ' "$KTAP_STDOUT" &&
	ktap_check "VR 1's UDP socket" grep -Eq '^udp +UNCONN +10\.7\.0\.1:7301 ' "$KTAP_STDOUT" ||
		return 1
	ktap_run vrctl show 0 sockets
	ktap_check "VR 0's TCP listener" \
		grep -Eq '^tcp +LISTEN +10\.7\.0\.1:7300 ' "$KTAP_STDOUT" &&
	ktap_check "not VR 1's UDP socket" sh -c "! grep -q ':7301 ' '$KTAP_STDOUT'" || return 1
	ktap_run vrctl -j show 1 sockets
	ktap_check "every socket of the JSON in VR 1" \
		sh -c "! tr '{' '\n' < '$KTAP_STDOUT' | grep '\"vr\":' | grep -vq '\"vr\":1[,}]'"
}

# The TCP metrics cache is per VR: a connection from VR 0 and one from VR 1,
# each to its own 10.7.0.2, leave two entries rather than share one (a VR
# would start with the RTT or the Fast Open cookie of another VR's host).
# ip tcp_metrics shows and deletes the asking task's VR's entries only.
t_tcp_metrics() {
	ktap_bg_ready "$T/tm0" ip netns exec "$P0" vr-sock serve tcp 10.7.0.2 7400 p0 &&
	ktap_bg_ready "$T/tm1" ip netns exec "$P1" vr-sock serve tcp 10.7.0.2 7400 p1 || return 1
	ktap_run vr-sock -v 0 request tcp 10.7.0.2 7400
	ktap_expect_stdout p0 || return 1
	ktap_run vr-sock -v 1 request tcp 10.7.0.2 7400
	ktap_expect_stdout p1 || return 1
	sleep 0.5
	# dumps, in each VR: each sees its own entry for 10.7.0.2 only
	ktap_run ip tcp_metrics show || return 1
	ktap_expect_eq "VR 0's entries for 10.7.0.2" 1 \
		"$(grep -c '^10\.7\.0\.2 ' "$KTAP_STDOUT")" ||
		return 1
	ktap_run vrctl exec 1 -- "$IPROUTE2" tcp_metrics show || return 1
	ktap_expect_eq "VR 1's entries for 10.7.0.2" 1 \
		"$(grep -c '^10\.7\.0\.2 ' "$KTAP_STDOUT")" ||
		return 1
	# deleting it in VR 0 leaves VR 1's
	ktap_run ip tcp_metrics delete 10.7.0.2 || return 1
	ktap_run ip tcp_metrics show || return 1
	ktap_expect_eq "VR 0's entries left" 0 "$(grep -c '^10\.7\.0\.2 ' "$KTAP_STDOUT")" ||
		return 1
	ktap_run vrctl exec 1 -- "$IPROUTE2" tcp_metrics show || return 1
	ktap_expect_eq "VR 1's entries left" 1 "$(grep -c '^10\.7\.0\.2 ' "$KTAP_STDOUT")"
}

# A VR deleted and created again with the same id starts without the TCP
# metrics the old one learnt. (No TIME_WAIT socket may keep the VR.)
t_tcp_metrics_gone() {
	local n tw
	tw=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
	ktap_run vrctl create 3 name three &&
	ktap_run ip link add g3 type veth peer name h3 netns "$P1" &&
	ktap_run vrctl assign g3 3 &&
	ktap_run ip addr add 10.7.30.1/24 dev g3 &&
	ktap_run ip link set g3 up &&
	ktap_run ip -n "$P1" addr add 10.7.30.2/24 dev h3 &&
	ktap_run ip -n "$P1" link set h3 up &&
	ktap_bg_ready "$T/tm3" ip netns exec "$P1" vr-sock serve tcp 10.7.30.2 7401 p3 || {
		ip link del g3 2>/dev/null
		vrctl delete 3 2>/dev/null
		return 1
	}
	sysctl -qw net.ipv4.tcp_max_tw_buckets=0
	ktap_run vr-sock -v 3 request tcp 10.7.30.2 7401
	ktap_bg_stop
	sleep 0.5
	ktap_expect_stdout p3 &&
	ktap_run vrctl exec 3 -- "$IPROUTE2" tcp_metrics show &&
	ktap_expect_eq "VR 3's entries for 10.7.30.2" 1 \
		"$(grep -c '^10\.7\.30\.2 ' "$KTAP_STDOUT")" &&
	ktap_run ip link del g3 &&
	ktap_run vrctl delete 3 &&
	ktap_run vrctl create 3 name three || {
		sysctl -qw net.ipv4.tcp_max_tw_buckets="$tw"
		ip link del g3 2>/dev/null
		vrctl delete 3 2>/dev/null
		return 1
	}
	sysctl -qw net.ipv4.tcp_max_tw_buckets="$tw"
	ktap_run vrctl exec 3 -- "$IPROUTE2" tcp_metrics show
	n=$(grep -c '^10\.7\.30\.2 ' "$KTAP_STDOUT")
	vrctl delete 3
	ktap_expect_eq "entries the new VR 3 finds" 0 "$n"
}

# A route of VR 0's table cannot name VR 1's interface with host scope
# either (local routes take another path than fib_check_nh()).
t_route_local_vr() {
	ktap_run ip route add local 10.9.5.5 dev a1
	refused_with "Nexthop device is in another VR than the table" || return 1
	ktap_run ip route add local 10.9.5.5 dev a1 table "$VR1_TABLE" &&
	ktap_run ip route del local 10.9.5.5 dev a1 table "$VR1_TABLE"
}

# Policy rules serve VR 0's flows: one that names VR 1's table is skipped,
# so VR 0 does not route through VR 1's routes and interfaces.
t_rule_vr_table() {
	ktap_run ip route add 10.9.7.0/24 dev c1 table "$VR1_TABLE" &&
	ktap_run ip rule add to 10.9.7.0/24 lookup "$VR1_TABLE" pref 100 || return 1
	ktap_run ip route get 10.9.7.1
	cat "$KTAP_STDOUT" > "$T/route-get"
	ip rule del pref 100
	ip route del 10.9.7.0/24 dev c1 table "$VR1_TABLE"
	ktap_check "VR 0's lookup did not use VR 1's route" \
		sh -c "! grep -q 'dev c1' '$T/route-get'"
}

# The same for IPv6: VR 1's IPv6 table (made with the VR) is skipped by a
# rule of VR 0, so VR 0's IPv6 does not route through VR 1's interface.
t_rule_vr_table6() {
	ktap_run ip -6 route add 2001:db8:97::/64 dev c1 table "$VR1_TABLE" &&
	ktap_run ip -6 rule add to 2001:db8:97::/64 lookup "$VR1_TABLE" pref 100 ||
		return 1
	ktap_run ip -6 route get 2001:db8:97::1
	cat "$KTAP_STDOUT" > "$T/route-get6"
	ip -6 rule del pref 100
	ip -6 route del 2001:db8:97::/64 dev c1 table "$VR1_TABLE"
	ktap_check "VR 0's IPv6 lookup did not use VR 1's route" \
		sh -c "! grep -q 'dev c1' '$T/route-get6'"
}

# A router-alert packet forwarded in VR 0 is offered to VR 0's raw socket
# that asked for them, not to VR 1's.
t_router_alert() {
	local p0 p1
	ktap_run sysctl -qw net.ipv4.ip_forward=1 &&
	ktap_run ip route add 10.66.0.0/24 via 10.7.9.2 dev a0 &&
	ktap_run ip -n "$P0" route add 10.66.0.0/24 via 10.7.0.1 || return 1
	ktap_bg_ready "$T/ra0" vr-sock -v 0 -t 6000 racount 253 &&
	p0=$KTAP_BG_PID &&
	ktap_bg_ready "$T/ra1" vr-sock -v 1 -t 6000 racount 253 &&
	p1=$KTAP_BG_PID &&
	ktap_run ip netns exec "$P0" vr-sock rasend 10.7.0.2 10.66.0.1 253 || return 1
	wait "$p0" "$p1"
	sysctl -qw net.ipv4.ip_forward=0
	ip route del 10.66.0.0/24
	ip -n "$P0" route del 10.66.0.0/24
	ktap_expect_eq "router-alert packets at VR 0's socket" 1 "$(tail -n 1 "$T/ra0")" &&
	ktap_expect_eq "router-alert packets at VR 1's socket" 0 "$(tail -n 1 "$T/ra1")"
}

# nft_count TABLE RULE-COMMENT: the packets counted by the nft rule of
# TABLE with that comment.
nft_count() {
	nft list table ip "$1" | sed -n "s/.*counter packets \([0-9]*\) .*comment \"$2\".*/\1/p"
}

# Conntrack is not keyed by VR: VR 1's packets are untracked rather than
# share the entry of VR 0's connection with the same tuple; a template
# giving them a zone of their own (ct zone set) has them tracked there.
t_conntrack() { ct_cases conntrack_cases vrct; }

# ct_cases CASES TABLE: run CASES (which pin both peers' ephemeral ports,
# for identical tuples in VR 0 and VR 1), then delete nft table TABLE and
# give the peers their port range back.
ct_cases() {
	local rc
	"$1"
	rc=$?
	nft delete table ip "$2" 2>/dev/null
	ip netns exec "$P0" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
	ip netns exec "$P1" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
	return $rc
}

conntrack_cases() {
	# both peers send from port 40000: identical tuples in VR 0 and VR 1
	ktap_run ip netns exec "$P0" sysctl -qw net.ipv4.ip_local_port_range="40000 40000" &&
	ktap_run ip netns exec "$P1" sysctl -qw net.ipv4.ip_local_port_range="40000 40000" &&
	cat > "$T/ct.nft" <<-'NFT'
	table ip vrct {
		chain in {
			type filter hook input priority 0;
			iif "a0" ct state established counter comment "a0-est"
			iif "a1" ct state established counter comment "a1-est"
			iif "a1" ct state new counter comment "a1-new"
			iif "a1" ct state untracked counter comment "a1-untracked"
		}
	}
	NFT
	ktap_run nft -f "$T/ct.nft" || return 1
	ktap_bg_ready "$T/ct0" vr-sock -v 0 serve udp 10.7.0.1 7600 vr0 || return 1
	ktap_run ip netns exec "$P0" vr-sock request udp 10.7.0.1 7600
	ktap_expect_stdout vr0 || return 1
	ktap_run ip netns exec "$P0" vr-sock request udp 10.7.0.1 7600
	ktap_expect_eq "VR 0's second datagram: established" 1 "$(nft_count vrct a0-est)" \
		|| return 1
	# VR 1's datagram with the same tuple, no server in VR 1
	ktap_run ip netns exec "$P1" vr-sock -t 500 request udp 10.7.0.1 7600
	ktap_expect_eq "VR 1's datagram seen as VR 0's connection" 0 "$(nft_count vrct a1-est)" &&
	ktap_expect_eq "VR 1's datagram untracked" 1 "$(nft_count vrct a1-untracked)" || return 1
	# a zone of its own: tracked, as a new connection
	ktap_run nft add chain ip vrct pre "{ type filter hook prerouting priority raw; }" &&
	ktap_run nft add rule ip vrct pre iif a1 ct zone set 1 || return 1
	ktap_run ip netns exec "$P1" vr-sock -t 500 request udp 10.7.0.1 7600
	ktap_expect_eq "VR 1 in zone 1: new" 1 "$(nft_count vrct a1-new)" &&
	ktap_expect_eq "VR 1 in zone 1: not VR 0's connection" 0 "$(nft_count vrct a1-est)"
}

# SO_ORIGINAL_DST looks a connection up in conntrack's default zone, which
# is VR 0's: a VR 1 socket must not get the entry of VR 0's connection with
# the same tuple (refused, EOPNOTSUPP), while VR 0's gets its own.
t_origdst() { ct_cases origdst_cases vrod; }

origdst_cases() {
	ktap_run ip netns exec "$P0" sysctl -qw net.ipv4.ip_local_port_range="40001 40001" &&
	ktap_run ip netns exec "$P1" sysctl -qw net.ipv4.ip_local_port_range="40001 40001" &&
	cat > "$T/od.nft" <<-'NFT'
	table ip vrod {
		chain in {
			type filter hook input priority 0;
			iif "a0" ct state new counter comment "a0-new"
		}
	}
	NFT
	ktap_run nft -f "$T/od.nft" || return 1
	ktap_bg_ready "$T/od0" vr-sock -v 0 serve tcp 10.7.0.1 7610 origdst &&
	ktap_bg_ready "$T/od1" vr-sock -v 1 serve tcp 10.7.0.1 7610 origdst || return 1
	ktap_run ip netns exec "$P0" vr-sock -s 10.7.0.2 request tcp 10.7.0.1 7610
	ktap_expect_stdout "origdst 10.7.0.1:7610" || return 1
	ktap_expect_eq "VR 0's connection tracked" 1 "$(nft_count vrod a0-new)" || return 1
	# the same tuple in VR 1, while VR 0's entry is still in the table
	ktap_run ip netns exec "$P1" vr-sock -s 10.7.0.2 request tcp 10.7.0.1 7610
	ktap_expect_stdout "origdst EOPNOTSUPP"
}

# The socket match (nft "socket", xt_socket) looks in the packet's VR: a VR 1
# datagram to VR 0's UDP socket's address and port finds no socket.
t_socket_match() {
	local rc
	socket_match_cases
	rc=$?
	nft delete table ip vrsk 2>/dev/null
	return $rc
}

socket_match_cases() {
	cat > "$T/sk.nft" <<-'NFT'
	table ip vrsk {
		chain pre {
			type filter hook prerouting priority 0;
			iif "a0" udp dport 7700 socket transparent 0 counter comment "a0-sock"
			iif "a1" udp dport 7700 socket transparent 0 counter comment "a1-sock"
		}
	}
	NFT
	ktap_run nft -f "$T/sk.nft" || return 1
	ktap_bg_ready "$T/sk0" vr-sock -v 0 bind udp 10.7.0.1 7700 &&
	ktap_run ip netns exec "$P0" vr-sock send 10.7.0.1 7700 &&
	ktap_run ip netns exec "$P1" vr-sock send 10.7.0.1 7700 || return 1
	sleep 0.3
	ktap_expect_eq "VR 0's datagram: VR 0's socket" 1 "$(nft_count vrsk a0-sock)" &&
	ktap_expect_eq "VR 1's datagram: no socket" 0 "$(nft_count vrsk a1-sock)"
}

# Multicast routing is VR 0's: a raw IGMP socket of VR 1 cannot become the
# multicast routing socket, and VR 0's cannot add a vif on VR 1's interface.
t_mroute() {
	ktap_run vr-sock -v 1 mrt
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 mrt a1
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 mrt a0
	ktap_expect_stdout "vif added" || return 1
	# a vif of VR 0 cannot be moved to VR 1; once it is gone, it can
	ktap_run ip link add mr0 type dummy && ktap_run ip link set mr0 up || return 1
	ktap_bg_ready "$T/mrt" vr-sock -v 0 mrt mr0 hold || return 1
	ktap_run vrctl assign mr0 1
	ktap_bg_stop
	ktap_expect_rc 1 &&
	ktap_expect_match "refused, and why" "*multicast routing vif*" "$KTAP_STDERR_TEXT" &&
	ktap_run vrctl assign mr0 1 &&
	ktap_run ip link del mr0
}

# The same for IPv6 multicast routing: a raw ICMPv6 socket of VR 1 cannot
# become the multicast routing socket, VR 0's cannot add a mif on VR 1's
# interface, and a mif of VR 0 is not moved to VR 1.
t_mroute6() {
	ktap_run vr-sock -v 1 mrt6
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 mrt6 a1
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 mrt6 a0
	ktap_expect_stdout "mif added" || return 1
	ktap_run ip link add mr6 type dummy && ktap_run ip link set mr6 up || return 1
	ktap_bg_ready "$T/mrt6" vr-sock -v 0 mrt6 mr6 hold || return 1
	ktap_run vrctl assign mr6 1
	ktap_bg_stop
	ktap_expect_rc 1 &&
	ktap_expect_match "refused, and why" "*IPv6 multicast routing mif*" "$KTAP_STDERR_TEXT" &&
	ktap_run vrctl assign mr6 1 &&
	ktap_run ip link del mr6
}

# An L3 ipvlan routes its slaves' packets in its master's VR: a slave of
# VR 1's a1 reaches VR 1's peer at 10.7.0.2 (VR 0's peer has the same
# address), and its IPv6 does not leave through VR 0's a0 to fd00:7::2.
t_ipvlan_l3() {
	local ns="isoipvl-$$" b0 b1 u0

	ktap_run ip netns add "$ns" || return 1
	if ! ktap_run ip link add link a1 name ipvl1 type ipvlan mode l3 ||
	   ! ktap_run ip link set ipvl1 netns "$ns" ||
	   ! ktap_run ip -n "$ns" addr add 10.7.0.9/24 dev ipvl1 ||
	   ! ktap_run ip -n "$ns" addr add fd00:71::9/64 dev ipvl1 nodad ||
	   ! ktap_run ip -n "$ns" link set ipvl1 up ||
	   ! ktap_run ip -n "$ns" -6 route add default dev ipvl1; then
		ip netns del "$ns"
		return 1
	fi
	b0=$(received "$P0") b1=$(received "$P1") u0=$(udp6_received "$P0")
	ktap_run ip netns exec "$ns" vr-sock send 10.7.0.2 7820
	ktap_run ip netns exec "$ns" vr-sock send6 fd00:7::2 7821
	sleep 0.5
	ip netns del "$ns"
	ktap_check "IPv4 at VR 1's peer" [ $(($(received "$P1") - b1)) -ge 1 ] &&
	ktap_expect_eq "IPv4 at VR 0's peer" 0 $(($(received "$P0") - b0)) &&
	ktap_expect_eq "IPv6 at VR 0's peer" 0 $(($(udp6_received "$P0") - u0))
}

# Multicast addresses added with autojoin are joined on their interface,
# one of VR 1 included, by the namespace's (VR 0) kernel socket.
t_autojoin() {
	local rc

	ktap_run ip link add aj1 type dummy &&
	ktap_run vrctl assign aj1 1 &&
	ktap_run ip link set aj1 up || { ip link del aj1; return 1; }
	ktap_run ip addr add 239.1.2.3/32 dev aj1 autojoin &&
	ktap_run ip -6 addr add ff0e::1:2/128 dev aj1 autojoin
	rc=$?
	ip link del aj1
	return $rc
}

# The same for IPv6: VR 1 sends 5 datagrams to its peer and receives 5,
# counted in VR 1's counters and not in VR 0's.
t_counters6() {
	local i
	# shellcheck disable=SC2046 # four numbers
	set -- $(vr_stats 0) $(vr_stats 1)
	ktap_expect_eq "counters read" 8 $# || return 1
	for i in 1 2 3 4 5; do
		vr-sock -v 1 send6 fd00:71::2 9 >/dev/null
		ip netns exec "$P1" vr-sock send6 fd00:71::1 9 >/dev/null
	done
	sleep 0.5
	# shellcheck disable=SC2046,SC2086
	set -- "$@" $(vr_stats 0) $(vr_stats 1)
	ktap_print_msg "VR 0 rx tx fwd drop: $1 $2 $3 $4 -> $9 ${10} ${11} ${12}"
	ktap_print_msg "VR 1 rx tx fwd drop: $5 $6 $7 $8 -> ${13} ${14} ${15} ${16}"
	ktap_check "VR 1 counted its 5 IPv6 sends" [ $((${14} - $6)) -ge 5 ] &&
	ktap_check "VR 1 counted the 5 IPv6 datagrams it received" \
		[ $((${13} - $5)) -ge 5 ] &&
	ktap_check "VR 0 did not count VR 1's sends" [ $((${10} - $2)) -lt 5 ] &&
	ktap_check "VR 0 did not count VR 1's receives" [ $((${9} - $1)) -lt 5 ]
}

# vr_stat VR NAME: the counter NAME (rx_packets, ...) of VR, from vrctl -j show.
vr_stat() {
	vrctl -j show "$1" | tr ',{}[]' '\n\n\n\n\n' |
		sed -n "s/^\"$2\":\([0-9][0-9]*\)$/\1/p"
}

# vr_stats VR: "rx tx fwd drop" of VR.
vr_stats() {
	echo "$(vr_stat "$1" rx_packets) $(vr_stat "$1" tx_packets)" \
		"$(vr_stat "$1" fwd_packets) $(vr_stat "$1" drop_packets)"
}

# Each VR counts its own packets: what VR 1 sends, receives, forwards and
# drops shows in VR 1's counters and not in VR 0's.
t_counters() {
	local s0 s1 i
	ktap_run sysctl -qw net.ipv4.ip_forward=1 &&
	ktap_run ip route add 10.8.1.0/24 via 10.8.0.2 dev c1 table "$VR1_TABLE" &&
	ktap_run ip -n "$P1" route add 10.8.1.0/24 via 10.7.0.1 dev b1 || return 1
	# shellcheck disable=SC2046 # four numbers
	set -- $(vr_stats 0) $(vr_stats 1)
	ktap_expect_eq "counters read" 8 $# || return 1
	s0="$*"
	for i in 1 2 3 4 5; do
		vr-sock -v 1 send 10.7.0.2 9 >/dev/null
		# over loopback: sent and received in VR 1
		vr-sock -v 1 send 10.7.0.1 9 >/dev/null
		# in through a1, forwarded out of c1 (the peer does not forward it back)
		ip netns exec "$P1" vr-sock send 10.8.1.1 9 >/dev/null
	done
	# not VR 1's to carry: SCTP
	ip netns exec "$P1" vr-sock -t 500 request sctp 10.7.0.1 7200 >/dev/null
	sleep 0.5
	sysctl -qw net.ipv4.ip_forward=0
	ip route del 10.8.1.0/24 table "$VR1_TABLE"
	ip -n "$P1" route del 10.8.1.0/24
	# shellcheck disable=SC2046,SC2086
	set -- $s0 $(vr_stats 0) $(vr_stats 1)
	ktap_print_msg "VR 0 rx tx fwd drop: $1 $2 $3 $4 -> $9 ${10} ${11} ${12}"
	ktap_print_msg "VR 1 rx tx fwd drop: $5 $6 $7 $8 -> ${13} ${14} ${15} ${16}"
	ktap_check "VR 1 sent its 10 datagrams and forwarded 5" \
		[ $((${14} - $6)) -ge 15 ] &&
	ktap_expect_eq "VR 1 forwarded" 5 $((${15} - $7)) &&
	ktap_check "VR 1 received the 5 forwarded, its 5 looped back and answers" \
		[ $((${13} - $5)) -ge 11 ] &&
	ktap_check "VR 1 dropped the SCTP packet" [ $((${16} - $8)) -ge 1 ] &&
	ktap_expect_eq "VR 0 forwarded" 0 $((${11} - $3)) &&
	ktap_check "VR 0 did not count VR 1's sends" [ $((${10} - $2)) -lt 5 ] &&
	ktap_check "VR 0 did not count VR 1's receives" [ $((${9} - $1)) -lt 5 ] &&
	ktap_expect_eq "VR 0 dropped" 0 $((${12} - $4))
}

# vrctl show counts a VR's sockets, processes and routes.
t_show_counts() {
	local pid routes
	ktap_bg_ready "$T/sc1" vr-sock -v 1 bind tcp 10.7.0.1 7500 || return 1
	sh -c 'echo 1 > /proc/self/vr && exec sleep 30' &
	pid=$!
	sleep 0.3
	ip -4 route show table "$VR1_TABLE" > "$T/routes"
	routes=$(wc -l < "$T/routes")
	ktap_run vrctl show 1
	kill "$pid"
	ktap_check "VR 1's TCP listener counted" \
		grep -Eq '^	sockets: tcp [1-9][0-9]* \(.*LISTEN [1-9]' "$KTAP_STDOUT" &&
	ktap_check "a process counted" grep -Eq '^	processes: [1-9]' "$KTAP_STDOUT" &&
	ktap_check "packet counters shown" \
		grep -Eq '^	packets: rx [0-9]+ tx ' "$KTAP_STDOUT" &&
	ktap_expect_eq "routes of VR 1's table" "$routes" \
		"$(sed -n 's/^	routes: //p' "$KTAP_STDOUT")" || {
		ktap_print_file "ip: " "$T/routes"
		ktap_run vrctl route show vr 1
		return 1
	}
}

# ESP-in-UDP hands packets to xfrm, which is not keyed by VR: UDP_ENCAP is
# refused outside VR 0, and SO_VR does not move a socket that has one.
t_udp_encap() {
	ktap_run vr-sock -v 1 udpencap 3
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 udpencap 3 1
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 udpencap 3
	ktap_expect_stdout set
}

# unreachables NS: ICMP destination unreachables received in netns NS.
unreachables() { snmp "$1" Icmp InDestUnreachs; }

# The ICMP error rate limit of an address (its inetpeer entry) is per VR:
# VR 0's peer using up the tokens of 10.7.0.3 leaves VR 1's untouched. A
# new entry starts with a minute of tokens: with one error per minute, each
# VR's 10.7.0.3 gets one, and its 2nd to 10th errors are not sent (a slow
# machine would need a minute to earn another: with one per 10 s, a debug
# kernel under load earned a 7th while the test ran).
t_icmp_ratelimit() {
	local old u0 u1 i
	old=$(sysctl -n net.ipv4.icmp_ratelimit)
	ktap_run ip -n "$P0" addr add 10.7.0.3/24 dev b0 &&
	ktap_run ip -n "$P1" addr add 10.7.0.3/24 dev b1 &&
	ktap_run sysctl -qw net.ipv4.icmp_ratelimit=60000 || return 1
	u0=$(unreachables "$P0") u1=$(unreachables "$P1")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec "$P0" vr-sock -s 10.7.0.3 send 10.7.0.1 9 >/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec "$P1" vr-sock -s 10.7.0.3 send 10.7.0.1 9 >/dev/null
	done
	sleep 0.5
	sysctl -qw net.ipv4.icmp_ratelimit="$old"
	ip -n "$P0" addr del 10.7.0.3/24 dev b0
	ip -n "$P1" addr del 10.7.0.3/24 dev b1
	ktap_expect_eq "unreachables at VR 0's peer (its token)" 1 \
		$(($(unreachables "$P0") - u0)) &&
	ktap_expect_eq "unreachables at VR 1's peer (its own token)" 1 \
		$(($(unreachables "$P1") - u1))
}

# TCP upper-layer protocols: ESP in TCP hands packets to xfrm, not keyed by
# VR: refused in VR 1, and SO_VR does not move a socket that has it; TLS
# is not refused (a fresh socket is not connected: ENOTCONN from TLS).
t_tcp_ulp() {
	ktap_run vr-sock -v 0 ulp espintcp
	ktap_expect_stdout set || return 1
	ktap_run vr-sock -v 1 ulp espintcp
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 0 ulp espintcp 1
	ktap_expect_stdout "error: EOPNOTSUPP" || return 1
	ktap_run vr-sock -v 1 ulp tls
	ktap_expect_stdout "error: ENOTCONN"
}

# A local packet that a netfilter hook changes (here a mark set in an nft
# route chain) is routed again in its own VR (ip_route_me_harder()): VR 1's
# marked datagram still reaches VR 1's peer, not VR 0's.
t_nf_reroute() {
	local p0 p1
	cat > "$T/rr.nft" <<-'NFT'
	table ip vrrr {
		chain out {
			type route hook output priority 0;
			udp dport 7700 meta mark set 7
		}
	}
	NFT
	ktap_run nft -f "$T/rr.nft" || return 1
	ktap_bg_ready "$T/rr0" ip netns exec "$P0" vr-sock -t 3000 recv 10.7.0.2 7700 || return 1
	p0=$KTAP_BG_PID
	ktap_bg_ready "$T/rr1" ip netns exec "$P1" vr-sock -t 3000 recv 10.7.0.2 7700 || return 1
	p1=$KTAP_BG_PID
	ktap_run vr-sock -v 1 send 10.7.0.2 7700
	wait "$p0" "$p1"
	nft delete table ip vrrr
	ktap_print_file "VR 0's peer: " "$T/rr0"
	ktap_print_file "VR 1's peer: " "$T/rr1"
	ktap_expect_match "VR 1's peer got VR 1's datagram" "*got *" "$(cat "$T/rr1")" &&
	ktap_expect_match "VR 0's peer got nothing" "*error: ETIMEDOUT*" "$(cat "$T/rr0")"
}

# vr1_recv OUT PORT SEND-COMMAND...: a VR 1 UDP receiver on 10.7.0.1:PORT
# (2 s), then the send command; OUT holds what the receiver printed ("got
# ..." or "error: ETIMEDOUT").
vr1_recv() {
	local out=$1 port=$2 pid
	shift 2
	ktap_bg_ready "$out" vr-sock -v 1 -t 2000 recv 10.7.0.1 "$port" || return 1
	pid=$KTAP_BG_PID
	ktap_run "$@"
	wait "$pid"
	ktap_print_file "VR 1's receiver: " "$out"
}

# A datagram that reaches VR 1 from a peer whose address is local in VR 0
# only (10.7.9.1, on a0) is delivered: the local-source check of the input
# route looks among VR 1's addresses. From an address local in VR 1
# (10.7.5.1, on e1) it is still dropped. Run before any test adds a policy
# rule or a local route: either takes the check off its fast path for good.
t_src_other_vr() {
	local so1 so2
	echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter &&
	echo 0 > /proc/sys/net/ipv4/conf/a1/rp_filter &&
	ktap_run ip -n "$P1" addr add 10.7.9.1/32 dev b1 &&
	ktap_run ip -n "$P1" addr add 10.7.5.1/32 dev b1 || return 1
	vr1_recv "$T/so1" 7710 ip netns exec "$P1" vr-sock -s 10.7.9.1 send 10.7.0.1 7710
	so1=$KTAP_STDOUT_TEXT
	vr1_recv "$T/so2" 7711 ip netns exec "$P1" vr-sock -s 10.7.5.1 send 10.7.0.1 7711
	so2=$KTAP_STDOUT_TEXT
	ip -n "$P1" addr del 10.7.9.1/32 dev b1
	ip -n "$P1" addr del 10.7.5.1/32 dev b1
	ktap_expect_eq "sent from 10.7.9.1 and from 10.7.5.1" "sent sent" "$so1 $so2" &&
	ktap_expect_match "from VR 0's address: delivered in VR 1" "*got *" "$(cat "$T/so1")" &&
	ktap_expect_match "from VR 1's own address: dropped" "*error: ETIMEDOUT*" \
		"$(cat "$T/so2")"
}

# arp_filter on a VR 1 interface checks the route back to the sender in VR
# 1 (VR 0 routes 10.7.0.2 through a0, and would have a1 answer nothing).
t_arp_filter() {
	local pid
	echo 1 > /proc/sys/net/ipv4/conf/a1/arp_filter || return 1
	ip -n "$P1" neigh flush dev b1
	# Not vr1_recv's 2 s: the datagram waits for the peer's ARP exchange,
	# and on the debug kernel, beside another VM, the peer's start and that
	# exchange took longer once.
	ktap_bg_ready "$T/af" vr-sock -v 1 -t 10000 recv 10.7.0.1 7712 || return 1
	pid=$KTAP_BG_PID
	ktap_run ip netns exec "$P1" vr-sock send 10.7.0.1 7712
	wait "$pid"
	ktap_print_file "VR 1's receiver: " "$T/af"
	echo 0 > /proc/sys/net/ipv4/conf/a1/arp_filter
	ktap_expect_match "VR 1's address resolved and reached" "*got *" "$(cat "$T/af")"
}

# A strict reverse-path rule (nft fib) on a VR 1 interface checks the source
# against VR 1's routes: 10.7.0.2 is routed back through a1 and passes,
# 10.8.0.99 (VR 1 routes it through c1) is dropped.
t_nft_fib() {
	local f1 f2
	cat > "$T/fib.nft" <<-'NFT'
	table ip vrfib {
		chain pre {
			type filter hook prerouting priority 0;
			iifname "a1" udp dport { 7713, 7714 } fib saddr . iif oif missing drop
		}
	}
	NFT
	ktap_run nft -f "$T/fib.nft" &&
	ktap_run ip -n "$P1" addr add 10.8.0.99/32 dev b1 || return 1
	vr1_recv "$T/fib1" 7713 ip netns exec "$P1" vr-sock send 10.7.0.1 7713
	f1=$KTAP_STDOUT_TEXT
	vr1_recv "$T/fib2" 7714 ip netns exec "$P1" vr-sock -s 10.8.0.99 send 10.7.0.1 7714
	f2=$KTAP_STDOUT_TEXT
	ip -n "$P1" addr del 10.8.0.99/32 dev b1
	nft delete table ip vrfib
	ktap_expect_eq "sent from 10.7.0.2 and from 10.8.0.99" "sent sent" "$f1 $f2" &&
	ktap_expect_match "a source VR 1 routes through a1: passes" "*got *" "$(cat "$T/fib1")" &&
	ktap_expect_match "a source VR 1 routes elsewhere: dropped" "*error: ETIMEDOUT*" \
		"$(cat "$T/fib2")"
}

# nft dup copies a VR 1 datagram to 10.7.0.2: the copy is routed in VR 1,
# to VR 1's peer, which gets both; VR 0's peer gets nothing.
t_nft_dup() {
	local b0 b1
	cat > "$T/dup.nft" <<-'NFT'
	table ip vrdup {
		chain out {
			type filter hook output priority 0;
			udp dport 7715 dup to 10.7.0.2
		}
	}
	NFT
	ktap_run nft -f "$T/dup.nft" || return 1
	b0=$(received "$P0") b1=$(received "$P1")
	ktap_run vr-sock -v 1 send 10.7.0.2 7715
	sleep 0.5
	nft delete table ip vrdup
	ktap_expect_eq "packets at VR 0's peer" 0 $(($(received "$P0") - b0)) &&
	ktap_expect_eq "packets at VR 1's peer (the datagram and its copy)" 2 \
		$(($(received "$P1") - b1))
}

# A TCP reset sent by an nft reject rule (input, prerouting and inet ingress
# hooks) for a connection to VR 1 goes back to VR 1's peer: its connect
# fails at once with ECONNREFUSED, and VR 0's peer gets nothing.
t_nft_reject() {
	local b0 in pre ing
	cat > "$T/rej.nft" <<-'NFT'
	table ip vrrej {
		chain in {
			type filter hook input priority 0;
			iifname "a1" tcp dport 7716 reject with tcp reset
		}
		chain pre {
			type filter hook prerouting priority 0;
			iifname "a1" tcp dport 7717 reject with tcp reset
		}
	}
	table inet vrreji {
		chain ing {
			type filter hook ingress device "a1" priority 0;
			tcp dport 7718 reject with tcp reset
		}
	}
	NFT
	ktap_run nft -f "$T/rej.nft" || return 1
	b0=$(received "$P0")
	ktap_run ip netns exec "$P1" vr-sock -t 2000 request tcp 10.7.0.1 7716
	in=$KTAP_STDOUT_TEXT
	# from 10.8.0.2, which VR 1 routes back through c1 and VR 0 not at all
	ktap_run ip netns exec "$P1" vr-sock -t 2000 -s 10.8.0.2 request tcp 10.7.0.1 7717
	pre=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock -t 2000 -s 10.8.0.2 request tcp 10.7.0.1 7718
	ing=$KTAP_STDOUT_TEXT
	nft delete table ip vrrej
	nft delete table inet vrreji
	ktap_expect_eq "reset from the input hook" "error: ECONNREFUSED" "$in" &&
	ktap_expect_eq "reset from the prerouting hook" "error: ECONNREFUSED" "$pre" &&
	ktap_expect_eq "reset from the inet ingress hook" "error: ECONNREFUSED" "$ing" &&
	ktap_expect_eq "packets at VR 0's peer" 0 $(($(received "$P0") - b0))
}

# "ip route get" asked from VR 1 answers with VR 1's routes (10.8.0.0/24
# goes through c1 in VR 1 only); asked from VR 0, there is no route.
t_route_get() {
	ktap_run vrctl exec 1 -- "$IPROUTE2" route get 10.8.0.2
	ktap_expect_match "asked from VR 1: VR 1's route" "*10.8.0.2 dev c1 table $VR1_TABLE *" \
		"$KTAP_STDOUT_TEXT" || return 1
	ktap_run "$IPROUTE2" route get 10.8.0.2
	ktap_expect_match "asked from VR 0: no route" "*Network is unreachable*" "$KTAP_STDERR_TEXT"
}

# The same for IPv6: asked from VR 1, VR 1's IPv6 table answers, with a
# source address of VR 1 (a1's fd00:71::1, not a0's fd00:7::1), also when
# the output interface is VR 1's c1; asked from VR 0, or naming VR 0's a0,
# there is no route.
t_route_get6() {
	local out1 oif1 err0 erra0

	ktap_run ip -6 route add 2001:db8:98::/64 dev c1 table "$VR1_TABLE" || return 1
	ktap_run vrctl exec 1 -- "$IPROUTE2" -6 route get 2001:db8:98::2
	out1=$KTAP_STDOUT_TEXT
	ktap_run vrctl exec 1 -- "$IPROUTE2" -6 route get 2001:db8:98::2 oif c1
	oif1=$KTAP_STDOUT_TEXT
	ktap_run vrctl exec 1 -- "$IPROUTE2" -6 route get 2001:db8:98::2 oif a0
	erra0=$KTAP_STDERR_TEXT
	ktap_run "$IPROUTE2" -6 route get 2001:db8:98::2
	err0=$KTAP_STDERR_TEXT
	ip -6 route del 2001:db8:98::/64 dev c1 table "$VR1_TABLE"
	ktap_expect_match "asked from VR 1: VR 1's route" \
		"*2001:db8:98::2 *dev c1 table $VR1_TABLE *" "$out1" &&
	ktap_expect_match "asked from VR 1: a source address of VR 1" \
		"* src fd00:71::1 *" "$out1" &&
	ktap_expect_match "asked from VR 1 naming c1: VR 1's route" \
		"*2001:db8:98::2 *dev c1 table $VR1_TABLE *" "$oif1" &&
	ktap_expect_match "asked from VR 1 naming VR 0's a0: no route" \
		"*Network is unreachable*" "$erra0" &&
	ktap_expect_match "asked from VR 0: no route" "*Network is unreachable*" "$err0"
}

# An RFC 8335 PROBE that reaches VR 1 learns about VR 1's interfaces only:
# asked about a1 (VR 1) the answer is "found" (code 0), about a0 (VR 0) "no
# such interface" (code 2), as for a name that does not exist. By address,
# each VR finds its own interface with 10.7.0.1, and VR 1 none with 10.7.9.1.
t_icmp_probe() {
	local a1 a0 none addr0 addr1 addr9
	echo 1 > /proc/sys/net/ipv4/icmp_echo_enable_probe || return 1
	ktap_run ip netns exec "$P1" vr-sock -t 2000 probe 10.7.0.1 a1
	a1=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock -t 2000 probe 10.7.0.1 a0
	a0=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock -t 2000 probe 10.7.0.1 nosuch0
	none=$KTAP_STDOUT_TEXT
	# by address: 10.7.0.1 is a0's in VR 0 and a1's in VR 1
	ktap_run ip netns exec "$P0" vr-sock -t 2000 probe 10.7.0.1 10.7.0.1
	addr0=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock -t 2000 probe 10.7.0.1 10.7.0.1
	addr1=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock -t 2000 probe 10.7.0.1 10.7.9.1
	addr9=$KTAP_STDOUT_TEXT
	echo 0 > /proc/sys/net/ipv4/icmp_echo_enable_probe
	ktap_expect_match "a1, VR 1's: found" "probe code 0 *" "$a1" &&
	ktap_expect_match "a name that exists nowhere: no such interface" "probe code 2 *" \
		"$none" &&
	ktap_expect_eq "a0, VR 0's: no such interface, as for that name" "$none" "$a0" &&
	ktap_expect_match "10.7.0.1 asked from VR 0: found" "probe code 0 *" "$addr0" &&
	ktap_expect_match "10.7.0.1 asked from VR 1: found" "probe code 0 *" "$addr1" &&
	ktap_expect_match "10.7.9.1 (VR 0's only) asked from VR 1: no such interface" \
		"probe code 2 *" "$addr9"
}

# A route of VR 1's table takes a preferred source of VR 1 (10.7.6.1, on a1
# only) and not one that is local in VR 0 only (10.7.9.1, a0's).
t_route_prefsrc() {
	ktap_run ip addr add 10.7.6.1/32 dev a1 || return 1
	ktap_run ip route add 10.9.9.0/24 dev a1 src 10.7.9.1 table "$VR1_TABLE"
	ktap_expect_rc 2 &&
	ktap_expect_match "VR 0's address refused" "*Invalid prefsrc address*" \
		"$KTAP_STDERR_TEXT" &&
	ktap_run ip route add 10.9.9.0/24 dev a1 src 10.7.6.1 table "$VR1_TABLE" &&
	ktap_run ip route del 10.9.9.0/24 table "$VR1_TABLE"
	local rc=$?
	ip addr del 10.7.6.1/32 dev a1
	return $rc
}

# nft fib type lookups without an interface (output hook) answer in the
# packet's VR: a VR 1 datagram to 10.7.6.1, local in VR 1 only (a1), is
# "local", counted once.
t_nft_fib_type() {
	local n sent
	cat > "$T/ft.nft" <<-'NFT'
	table ip vrft {
		chain out {
			type filter hook output priority 0;
			udp dport 7721 fib daddr type local counter
		}
	}
	NFT
	ktap_run nft -f "$T/ft.nft" &&
	ktap_run ip addr add 10.7.6.1/32 dev a1 || return 1
	ktap_run vr-sock -v 1 send 10.7.6.1 7721
	sent=$KTAP_STDOUT_TEXT
	n=$(nft list chain ip vrft out | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	nft delete table ip vrft
	ip addr del 10.7.6.1/32 dev a1
	ktap_expect_eq "sent" "sent" "$sent" &&
	ktap_expect_eq "VR 1 datagrams to a VR 1 local address counted as local" 1 "$n"
}

# IP_MULTICAST_IF by address, with 10.7.0.1 on a0 (VR 0) and a1 (VR 1):
# each VR's socket sends through its own interface, to its own peer.
t_mcast_if_addr() {
	local b0 b1
	b0=$(received "$P0") b1=$(received "$P1")
	ktap_run vr-sock -v 0 -m 10.7.0.1 send 239.1.1.1 9 &&
	ktap_run vr-sock -v 1 -m 10.7.0.1 send 239.1.1.1 9 || return 1
	sleep 0.5
	ktap_expect_eq "packets at VR 0's peer" 1 $(($(received "$P0") - b0)) &&
	ktap_expect_eq "packets at VR 1's peer" 1 $(($(received "$P1") - b1))
}

# IPsec is VR 0's. A VR 0 policy tunnels UDP to 10.7.0.2:7730 through ESP:
# VR 0's datagram leaves encrypted to VR 0's peer; VR 1's is not
# transformed and reaches VR 1's peer, never VR 0's. VR 1 cannot read or
# set SAs or policies, nor give a socket a policy, and SO_VR does not move a
# socket that has one.
t_xfrm() {
	local b0 b1 d0 d1 ls pol0 pol1 move
	ktap_run ip xfrm state add src 10.7.0.1 dst 10.7.0.2 proto esp spi 0x7730 reqid 7 \
		mode tunnel aead 'rfc4106(gcm(aes))' \
			0x00112233445566778899aabbccddeeff00112233 128 &&
	ktap_run ip xfrm policy add src 10.7.0.1/32 dst 10.7.0.2/32 proto 17 dport 7730 dir out \
		tmpl src 10.7.0.1 dst 10.7.0.2 proto esp reqid 7 mode tunnel || return 1
	b0=$(received "$P0") b1=$(received "$P1")
	ktap_run vr-sock -v 0 send 10.7.0.2 7730
	sleep 0.5
	d0=$(($(received "$P0") - b0))
	b0=$(received "$P0")
	ktap_run vr-sock -v 1 send 10.7.0.2 7730
	sleep 0.5
	d1="$(($(received "$P0") - b0)) $(($(received "$P1") - b1))"
	ktap_run vrctl exec 1 -- "$IPROUTE2" xfrm state list
	ls=$KTAP_STDERR_TEXT
	ip xfrm policy flush
	ip xfrm state flush
	ktap_run vr-sock -v 0 xfrmpol
	pol0=$KTAP_STDOUT_TEXT
	ktap_run vr-sock -v 1 xfrmpol
	pol1=$KTAP_STDOUT_TEXT
	ktap_run vr-sock -v 0 xfrmpol 1
	move=$KTAP_STDOUT_TEXT
	ktap_expect_eq "VR 0's datagram, encrypted, at VR 0's peer" 1 "$d0" &&
	ktap_expect_eq "VR 1's datagram: at VR 0's peer, at VR 1's peer" "0 1" "$d1" &&
	ktap_expect_match "VR 1 cannot list SAs" "*Operation not supported*" "$ls" &&
	ktap_expect_eq "socket policy in VR 0" set "$pol0" &&
	ktap_expect_eq "socket policy in VR 1" "error: EOPNOTSUPP" "$pol1" &&
	ktap_expect_eq "SO_VR moves no socket with a policy" "error: EOPNOTSUPP" "$move"
}

# nft fib at the netdev ingress hook uses the VR of the interface: on a1
# (VR 1), VR 1's route back to 10.7.0.2 passes; in isop1 (no VRs), a
# datagram from a VR 1 socket is checked in isop1's own routes, not in a
# table of VR 1 that isop1 does not have.
t_nft_fib_netdev() {
	local d1 p1
	cat > "$T/nd.nft" <<-'NFT'
	table netdev vrnd {
		chain in {
			type filter hook ingress device "a1" priority 0;
			ip protocol udp udp dport 7742 fib saddr . iif oif missing drop
		}
	}
	NFT
	sed 's/"a1"/"b1"/; s/7742/7743/' "$T/nd.nft" > "$T/nd1.nft"
	ktap_run nft -f "$T/nd.nft" &&
	ktap_run ip netns exec "$P1" nft -f "$T/nd1.nft" || return 1
	vr1_recv "$T/nd" 7742 ip netns exec "$P1" vr-sock send 10.7.0.1 7742
	ktap_bg_ready "$T/nd1" ip netns exec "$P1" vr-sock -t 2000 recv 10.7.0.2 7743 || return 1
	p1=$KTAP_BG_PID
	ktap_run vr-sock -v 1 send 10.7.0.2 7743
	wait "$p1"
	ktap_print_file "isop1's receiver: " "$T/nd1"
	nft delete table netdev vrnd
	ip netns exec "$P1" nft delete table netdev vrnd
	ktap_expect_match "on a1: passes" "*got *" "$(cat "$T/nd")" &&
	ktap_expect_match "in isop1: passes" "*got *" "$(cat "$T/nd1")"
}

# Deleting 10.7.0.1 from a1 (VR 1) kills VR 1's routes with it as source,
# not VR 0's, where a0 still has it.
t_addr_del_routes() {
	local r0 r1
	ktap_run ip route add 10.9.8.0/24 dev a0 src 10.7.0.1 &&
	ktap_run ip route add 10.9.7.0/24 dev a1 src 10.7.0.1 table "$VR1_TABLE" &&
	ktap_run ip addr del 10.7.0.1/24 dev a1 || return 1
	r0=$(ip route show 10.9.8.0/24)
	r1=$(ip route show 10.9.7.0/24 table "$VR1_TABLE")
	ktap_run ip addr add 10.7.0.1/24 dev a1
	ip route del 10.9.8.0/24 2>/dev/null
	ip route del 10.9.7.0/24 table "$VR1_TABLE" 2>/dev/null
	ktap_print_msg "VR 0's route: ${r0:-(none)}; VR 1's route: ${r1:-(none)}"
	ktap_expect_match "VR 0's route kept" "10.9.8.0/24 dev a0 *src 10.7.0.1*" "$r0" &&
	ktap_expect_eq "VR 1's route gone" "" "$r1"
}

# SIOCSARP without a device from a VR 1 socket: the entry goes on the
# interface of VR 1's route to the address (a1), not VR 0's (a0). A proxy
# entry without a device, which would answer on every VR's interfaces, is
# refused.
t_arp_ioctl() {
	local dev
	ktap_run vr-sock -v 1 arpset 10.7.0.77 02:00:00:07:00:77 || return 1
	dev=$(ip neigh show 10.7.0.77 | awk '{ print $3 }')
	ip neigh del 10.7.0.77 dev "$dev"
	ktap_expect_stdout set &&
	ktap_expect_eq "interface of the entry" a1 "$dev" || return 1
	ktap_run vr-sock -v 1 arpset 10.7.0.78 02:00:00:07:00:78 pub
	ktap_expect_stdout "error: EOPNOTSUPP"
}

# A VR 1 host stamps the timestamp option slot (prespecified addresses) of
# its own VR 1 address, not of 10.7.9.1, an address only VR 0 has.
t_ts_option() {
	local own other
	ktap_run ip netns exec "$P1" vr-sock -t 2000 tsping 10.7.0.1 10.7.0.1 || return 1
	own=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock -t 2000 tsping 10.7.0.1 10.7.9.1 || return 1
	other=$KTAP_STDOUT_TEXT
	ktap_expect_eq "slot of VR 1's address" "stamped 1" "$own" &&
	ktap_expect_eq "slot of VR 0's address" "stamped 0" "$other"
}

# mss_clamp: with a clamp to the path MTU set up in VR 1's forward path, a
# SYN that VR 1 forwards keeps the MSS of VR 1's route back to the sender
# (a1, 1500: MSS 1460), not VR 0's (a /32 route through a0 with MTU 1000:
# MSS 960). The SYN goes from isop1's b1 through a1 and c1 back to isop1's
# d1, where nft reads its MSS.
mss_clamp() {
	local kept clamped
	cat > "$T/mss1.nft" <<-'NFT'
	table ip vrmss1 {
		counter kept { }
		counter clamped { }
		chain pre {
			type filter hook prerouting priority 0;
			ip daddr 10.8.0.99 tcp option maxseg size 1460 counter name kept
			ip daddr 10.8.0.99 tcp option maxseg size 960 counter name clamped
		}
	}
	NFT
	if ktap_run ip netns exec "$P1" nft -f "$T/mss1.nft" &&
	   ktap_run ip route add 10.7.0.2/32 dev a0 mtu 1000 &&
	   ktap_run ip route add 10.8.0.99/32 via 10.8.0.2 dev c1 table "$VR1_TABLE" &&
	   ktap_run ip -n "$P1" route add 10.8.0.99/32 via 10.7.0.1 dev b1 &&
	   ktap_run sysctl -qw net.ipv4.ip_forward=1; then
		ip netns exec "$P1" vr-sock -t 500 request tcp 10.8.0.99 7720 >/dev/null 2>&1
	fi
	kept=$(nft_packets "$P1" ip vrmss1 kept)
	clamped=$(nft_packets "$P1" ip vrmss1 clamped)
	sysctl -qw net.ipv4.ip_forward=0
	ip -n "$P1" route del 10.8.0.99/32
	ip route del 10.8.0.99/32 table "$VR1_TABLE"
	ip route del 10.7.0.2/32 dev a0
	ip netns exec "$P1" nft delete table ip vrmss1
	ktap_expect_eq "SYNs with VR 1's MSS (1460)" 1 "$kept" &&
	ktap_expect_eq "SYNs clamped to VR 0's route (960)" 0 "$clamped"
}

# nft rt mtu, in the forward hook.
t_nft_rt_mtu() {
	cat > "$T/mss.nft" <<-'NFT'
	table ip vrmss {
		chain mssfwd {
			type filter hook forward priority 0;
			tcp flags syn tcp option maxseg size set rt mtu
		}
	}
	NFT
	ktap_run nft -f "$T/mss.nft" || return 1
	mss_clamp
	KTAP_RC=$?
	nft delete table ip vrmss
	return "$KTAP_RC"
}

# iptables' TCPMSS target (--clamp-mss-to-pmtu).
t_xt_tcpmss() {
	ktap_run iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN \
		-j TCPMSS --clamp-mss-to-pmtu || { nft delete table ip mangle; return 1; }
	mss_clamp
	KTAP_RC=$?
	nft delete table ip mangle
	return "$KTAP_RC"
}

# addrtype_count TYPE: packets of iptables' mangle PREROUTING rule matching
# --dst-type TYPE.
addrtype_count() {
	iptables -t mangle -nvxL PREROUTING | awk -v t="dst-type $1" 'index($0, t) { print $1 }'
}

# iptables' addrtype match without an interface: a VR 1 datagram to
# 10.7.44.1, an address of VR 0 only, is not LOCAL (UNICAST: VR 1 has no
# such address); one to 10.7.0.1, VR 1's own, is.
t_xt_addrtype() {
	local local1 unicast1 local2
	if ktap_run ip addr add 10.7.44.1/32 dev a0 &&
	   ktap_run ip -n "$P1" route add 10.7.44.1/32 via 10.7.0.1 dev b1 &&
	   ktap_run iptables -t mangle -A PREROUTING -i a1 -p udp --dport 7740 \
		-m addrtype --dst-type LOCAL &&
	   ktap_run iptables -t mangle -A PREROUTING -i a1 -p udp --dport 7740 \
		-m addrtype --dst-type UNICAST &&
	   ktap_run ip netns exec "$P1" vr-sock send 10.7.44.1 7740; then
		local1=$(addrtype_count LOCAL) unicast1=$(addrtype_count UNICAST)
		ktap_run ip netns exec "$P1" vr-sock send 10.7.0.1 7740
		local2=$(addrtype_count LOCAL)
	fi
	nft delete table ip mangle
	ip -n "$P1" route del 10.7.44.1/32
	ip addr del 10.7.44.1/32 dev a0
	ktap_expect_eq "VR 0's address: LOCAL, UNICAST" "0 1" "$local1 $unicast1" &&
	ktap_expect_eq "VR 1's address: LOCAL" 1 "$local2"
}

# IPVS is VR 0's: a virtual service on 10.7.0.1:7750, NAT to the real
# server 10.7.9.2 at VR 0's peer, serves a VR 0 client on this host; VR 1's
# peer connecting to the same address and port is refused in VR 1 (no
# socket there), and nothing reaches VR 0's peer.
t_ipvs() {
	local b0 vr0 vr1
	if ktap_run ipvsadm -A -t 10.7.0.1:7750 -s rr &&
	   ktap_run ipvsadm -a -t 10.7.0.1:7750 -r 10.7.9.2:7750 -m &&
	   ktap_bg_ready "$T/rs" ip netns exec "$P0" vr-sock serve tcp 10.7.9.2 7750 rs; then
		ktap_run vr-sock -v 0 -t 2000 request tcp 10.7.0.1 7750
		vr0=$KTAP_STDOUT_TEXT
		b0=$(received "$P0")
		ktap_run ip netns exec "$P1" vr-sock -t 2000 request tcp 10.7.0.1 7750
		vr1=$KTAP_STDOUT_TEXT
		b0=$(($(received "$P0") - b0))
	fi
	ktap_bg_stop
	ipvsadm -C
	ktap_expect_eq "VR 0 client through the virtual service" rs "$vr0" &&
	ktap_expect_eq "VR 1 client" "error: ECONNREFUSED" "$vr1" &&
	ktap_expect_eq "packets at VR 0's peer from VR 1's client" 0 "$b0"
}

# tc's ct action reassembles fragments at ingress, before the stack: the
# first fragment arriving in VR 1 and the last in VR 0, same addresses and
# IP id, are never joined, and nothing is delivered in either VR.
t_act_ct_frag() {
	local p0 p1 d
	for d in a0 a1; do
		ktap_run "$TC" qdisc add dev "$d" clsact &&
		ktap_run "$TC" filter add dev "$d" ingress protocol ip matchall action ct ||
			{ "$TC" qdisc del dev a0 clsact; "$TC" qdisc del dev a1 clsact; return 1; }
	done
	ktap_bg_ready "$T/ctf0" vr-sock -v 0 -t 6000 recv 10.7.0.1 5562 &&
	p0=$KTAP_BG_PID &&
	ktap_bg_ready "$T/ctf1" vr-sock -v 1 -t 6000 recv 10.7.0.1 5562 &&
	p1=$KTAP_BG_PID &&
	ktap_run ip netns exec "$P1" vr-sock frag 10.7.0.2 10.7.0.1 5562 4662 first 1 &&
	ktap_run ip netns exec "$P0" vr-sock frag 10.7.0.2 10.7.0.1 5562 4662 last 0 &&
	wait "$p0" "$p1"
	"$TC" qdisc del dev a0 clsact
	"$TC" qdisc del dev a1 clsact
	ktap_print_file "VR 0 recv: " "$T/ctf0"
	ktap_print_file "VR 1 recv: " "$T/ctf1"
	ktap_expect_match "nothing in VR 0" "*error: ETIMEDOUT*" "$(cat "$T/ctf0")" &&
	ktap_expect_match "nothing in VR 1" "*error: ETIMEDOUT*" "$(cat "$T/ctf1")"
}

# Encapsulations that would forward or transform a VR's packets in VR 0
# (segment routing here; MPLS, RPL, IOAM, ILA and xfrm too) are refused in
# a VR's table, for IPv4 and IPv6 routes; VR 0's table takes them (BPF's,
# which reroute in the packet's VR, are allowed: bpf.sh).
t_lwt_encap_vr() {
	local rc0

	ktap_run ip -6 route add fd00:99::/64 encap seg6 mode encap segs fc00::1 \
		dev c1 table "$VR1_TABLE"
	ktap_expect_match "IPv6 route in VR 1's table" \
		"*Encapsulation type is not supported in a VR's table*" \
		"$KTAP_STDERR_TEXT" || return 1
	ktap_run ip route add 10.9.99.0/24 encap seg6 mode encap segs fc00::1 \
		dev c1 table "$VR1_TABLE"
	ktap_expect_match "IPv4 route in VR 1's table" \
		"*Encapsulation type is not supported in a VR's table*" \
		"$KTAP_STDERR_TEXT" || return 1
	ktap_run ip -6 route add fd00:99::/64 encap seg6 mode encap segs fc00::1 dev a0
	rc0=$KTAP_RC
	ip -6 route del fd00:99::/64 dev a0 2>/dev/null
	ktap_check "VR 0's table takes it" [ "$rc0" = 0 ] || return 1
	# the other way round: a VR 0 route whose seg6local End.T forwards in
	# VR 1's table
	ktap_run ip -6 route add fd00:98::1/128 encap seg6local action End.T \
		table "$VR1_TABLE" dev a0
	ktap_expect_match "seg6local End.T naming VR 1's table" \
		"*Table of a virtual router*" "$KTAP_STDERR_TEXT" || {
		ip -6 route del fd00:98::1/128 dev a0 2>/dev/null
		return 1
	}
	ktap_run ip -6 route add fd00:98::1/128 encap seg6local action End.T table 100 dev a0
	rc0=$KTAP_RC
	ip -6 route del fd00:98::1/128 dev a0 2>/dev/null
	ktap_check "seg6local End.T naming another table" [ "$rc0" = 0 ]
}

# ip route get naming an output interface of another VR is refused as a
# socket's flow would be (ENETUNREACH), from either VR; naming one of the
# asking VR answers. (The flow was taken as on link through that interface.)
t_oif_route_get() {
	ktap_run "$IPROUTE2" route get 10.7.0.2 oif a1
	ktap_expect_match "VR 0 naming VR 1's a1" "*Network is unreachable*" \
		"$KTAP_STDERR_TEXT" || return 1
	ktap_run vrctl exec 1 -- "$IPROUTE2" route get 10.7.0.2 oif a0
	ktap_expect_match "VR 1 naming VR 0's a0" "*Network is unreachable*" \
		"$KTAP_STDERR_TEXT" || return 1
	ktap_run vrctl exec 1 -- "$IPROUTE2" route get 10.7.0.2 oif a1
	ktap_expect_match "VR 1 naming its a1" "*10.7.0.2 dev a1 *" "$KTAP_STDOUT_TEXT"
}

# A GRE tunnel of VR 0 whose underlay device (link) is VR 1's a1: its outer
# packets are refused that interface (a carrier error), and VR 1's peer
# gets no GRE packet. An nft counter at the peer counts GRE only, so the
# IGMP reports VR 1's own a1 sends meanwhile do not count; the tunnel's
# IPv6 (MLD, router solicitations) is inner traffic and must not leave
# either.
t_tunnel_link_other_vr() {
	local gre errs
	cat > "$T/gtl.nft" <<-'NFT'
	table ip vrgtl {
		counter c { }
		chain pre {
			type filter hook prerouting priority 0;
			ip protocol 47 counter name c
		}
	}
	NFT
	ktap_run ip netns exec "$P1" nft -f "$T/gtl.nft" || return 1
	ktap_run ip link add gtl type gre local 10.7.0.1 remote 10.7.0.2 dev a1 &&
	ktap_run ip addr add 10.71.0.1/30 dev gtl &&
	ktap_run ip link set gtl up || {
		ip link del gtl 2>/dev/null
		ip netns exec "$P1" nft delete table ip vrgtl
		return 1
	}
	ktap_run vr-sock -v 0 send 10.71.0.2 9
	sleep 0.5
	gre=$(nft_packets "$P1" ip vrgtl c)
	errs=$(cat /sys/class/net/gtl/statistics/tx_carrier_errors)
	ip link del gtl
	ip netns exec "$P1" nft delete table ip vrgtl
	ktap_expect_eq "GRE packets at VR 1's peer" 0 "${gre:-x}" &&
	ktap_check "a carrier error counted" [ "$errs" -ge 1 ]
}

# A VR 1 socket joins a group on a1: the IGMP report leaves through a1 to
# VR 1's peer (routed in VR 1, whose interface it is), as an IGMPv3 report
# and, with IGMPv2 forced, as a v2 report (sent from a timer).
t_igmp_report() {
	local n v2
	cat > "$T/igmp.nft" <<-'NFT'
	table ip vrigmp {
		counter c { }
		chain pre {
			type filter hook prerouting priority 0;
			ip protocol igmp counter name c
		}
	}
	NFT
	ktap_run ip netns exec "$P1" nft -f "$T/igmp.nft" || return 1
	ktap_bg_ready "$T/igmp" vr-sock -v 1 join 239.1.1.6 a1 || return 1
	sleep 0.5
	ktap_bg_stop
	n=$(nft_packets "$P1" ip vrigmp c)
	sysctl -qw net.ipv4.conf.a1.force_igmp_version=2
	ktap_bg_ready "$T/igmp2" vr-sock -v 1 join 239.1.1.7 a1 || return 1
	sleep 1.5
	ktap_bg_stop
	sysctl -qw net.ipv4.conf.a1.force_igmp_version=0
	v2=$(nft_packets "$P1" ip vrigmp c)
	ip netns exec "$P1" nft delete table ip vrigmp
	ktap_check "IGMPv3 reports at VR 1's peer" [ "${n:-0}" -ge 1 ] &&
	ktap_check "IGMPv2 reports at VR 1's peer" [ "${v2:-0}" -gt "${n:-0}" ]
}

# nft synproxy answers a SYN that arrived in VR 1 (10.7.0.1:7400 on a1):
# its SYN-ACK is routed in VR 1, out of a1, not in VR 0 (where 10.7.0.2 is
# behind a0).
t_synproxy() {
	local out0 out1
	cat > "$T/sp.nft" <<-'NFT'
table ip vrsp {
	counter a0 { }
	counter a1 { }
	chain in {
		type filter hook input priority 0;
		tcp dport 7400 tcp flags syn synproxy mss 1460
	}
	chain post {
		type filter hook postrouting priority 0;
		tcp sport 7400 tcp flags & (syn | ack) == syn | ack oifname "a0" counter name a0
		tcp sport 7400 tcp flags & (syn | ack) == syn | ack oifname "a1" counter name a1
	}
}
	NFT
	ktap_run nft -f "$T/sp.nft" || return 1
	ktap_run ip netns exec "$P1" vr-sock -t 1000 request tcp 10.7.0.1 7400
	out0=$(nft_packets - ip vrsp a0)
	out1=$(nft_packets - ip vrsp a1)
	nft delete table ip vrsp
	ktap_expect_eq "SYN-ACKs out of VR 0's a0" 0 "$out0" &&
	ktap_check "SYN-ACKs out of VR 1's a1" [ "${out1:-0}" -ge 1 ]
}

# A GRE tunnel in VR 1 over VR 0's underlay (10.7.9.1 to 10.7.9.2, behind
# a0): an nft route chain that marks the outer packets re-routes them in
# VR 0, the underlay's, so they still reach VR 0's peer (in VR 1 there is no
# route to 10.7.9.2).
t_tunnel_reroute() {
	local before after
	cat > "$T/gre.nft" <<-'NFT'
	table ip vrgre {
		chain out {
			type route hook output priority 0;
			ip protocol 47 meta mark set 9
		}
	}
	NFT
	# no IPv6 on gt1: its MLD and router solicitations would be GRE
	# packets too
	ktap_run ip link add gt1 type gre local 10.7.9.1 remote 10.7.9.2 &&
	ktap_run sysctl -qw net.ipv6.conf.gt1.disable_ipv6=1 &&
	ktap_run vrctl assign gt1 1 &&
	ktap_run ip addr add 10.72.0.1/30 dev gt1 &&
	ktap_run ip link set gt1 up &&
	ktap_run nft -f "$T/gre.nft" || {
		nft delete table ip vrgre 2>/dev/null
		ip link del gt1 2>/dev/null
		return 1
	}
	before=$(received "$P0")
	ktap_run vr-sock -v 1 send 10.72.0.2 9
	sleep 0.5
	after=$(received "$P0")
	nft delete table ip vrgre
	ip link del gt1
	ktap_expect_stdout sent &&
	ktap_expect_eq "GRE packets at VR 0's peer" 1 $((after - before))
}

# Tunnels of VR 1 over VR 0's underlay, whose remote ends (fd00:79::2,
# 10.79.0.2, behind a0) VR 0's peer answers with "unreachable": each
# tunnel relays the error to the source of its inner packet, routed in VR 1,
# the tunnel's: a local address of VR 1 (fd00:76::1, 10.76.0.1 on the
# ip6tnl t6; fd00:78::1 on the GRE gt6), or VR 1's peer (fd00:71::2,
# 10.7.0.2), whose datagrams VR 1 forwards into t6. VR 0 routes all these
# addresses to its own peer (10.7.0.2 is isop0's too): an error relayed in
# VR 0 reaches isop0 instead. The GRE tunnel
# (IPv6 over IPv4) relays nothing in any VR: the ICMPv6 error would come
# from the v4-mapped address of the IPv4 router, which ip6_dst_lookup_tail()
# refuses (EAFNOSUPPORT); it is here so that a relay that starts working
# shows at isop0 if it is routed in VR 0.
t_tunnel_err_relay() {
	local leak in6 in4 fwd fwd4 fwd6 p6 p4 warn0 warn
	warn0=$(dmesg | grep -c "detected local route")
	cat > "$T/relay.nft" <<-'NFT'
	table inet vrrelay {
		counter in6 { }
		counter in4 { }
		chain in {
			type filter hook input priority 0;
			ip6 daddr fd00:76::1 icmpv6 type destination-unreachable counter name in6
			ip daddr 10.76.0.1 icmp type destination-unreachable counter name in4
		}
	}
	NFT
	cat > "$T/relay0.nft" <<-'NFT'
	table inet vrrelay {
		counter leak { }
		chain pre {
			type filter hook prerouting priority 0;
			ip6 daddr { fd00:76::1, fd00:78::1 } counter name leak
			ip daddr 10.76.0.1 counter name leak
			ip6 daddr fd00:71::2 icmpv6 type destination-unreachable counter name leak
			ip daddr 10.7.0.2 icmp type destination-unreachable counter name leak
		}
	}
	NFT
	cat > "$T/relay1.nft" <<-'NFT'
	table inet vrrelay {
		counter p6 { }
		counter p4 { }
		chain pre {
			type filter hook prerouting priority 0;
			ip6 daddr fd00:71::2 icmpv6 type destination-unreachable counter name p6
			ip daddr 10.7.0.2 icmp type destination-unreachable counter name p4
		}
	}
	NFT
	ktap_run nft -f "$T/relay.nft" &&
	ktap_run ip netns exec "$P0" nft -f "$T/relay0.nft" &&
	ktap_run ip netns exec "$P1" nft -f "$T/relay1.nft" &&
	# IPv4 answers "unreachable" only on a router
	fwd=$(ip netns exec "$P0" sysctl -n net.ipv4.ip_forward)
	ktap_run ip netns exec "$P0" sysctl -qw net.ipv6.icmp.ratelimit=0 \
		net.ipv4.icmp_ratelimit=0 net.ipv4.ip_forward=1 &&
	ktap_run ip -n "$P0" -6 route add unreachable fd00:79::/64 &&
	ktap_run ip -n "$P0" route add unreachable 10.79.0.0/24 &&
	ktap_run ip -6 route add fd00:79::/64 via fd00:7::2 dev a0 &&
	ktap_run ip -6 route add fd00:76::/64 via fd00:7::2 dev a0 &&
	ktap_run ip -6 route add fd00:78::/64 via fd00:7::2 dev a0 &&
	ktap_run ip -6 route add fd00:71::/64 via fd00:7::2 dev a0 &&
	ktap_run ip route add 10.79.0.0/24 via 10.7.9.2 dev a0 &&
	ktap_run ip route add 10.76.0.0/30 via 10.7.9.2 dev a0 &&
	ktap_run ip link add t6 type ip6tnl mode any local fd00:7::1 remote fd00:79::2 \
		encaplimit none &&
	ktap_run vrctl assign t6 1 &&
	ktap_run ip addr add fd00:76::1/64 dev t6 nodad &&
	ktap_run ip addr add 10.76.0.1/30 dev t6 &&
	ktap_run ip link set t6 up &&
	ktap_run ip link add gt6 type gre local 10.7.9.1 remote 10.79.0.2 &&
	ktap_run vrctl assign gt6 1 &&
	ktap_run ip addr add fd00:78::1/64 dev gt6 nodad &&
	ktap_run ip link set gt6 up &&
	ktap_run vr-sock -v 1 send6 fd00:76::2 9 &&
	ktap_run vr-sock -v 1 send 10.76.0.2 9 &&
	ktap_run vr-sock -v 1 send6 fd00:78::2 9 &&
	# VR 1 forwards its peer's datagrams into t6
	fwd4=$(sysctl -n net.ipv4.ip_forward) &&
	fwd6=$(sysctl -n net.ipv6.conf.all.forwarding) &&
	ktap_run sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	ktap_run ip -n "$P1" route add 10.76.0.0/30 via 10.7.0.1 &&
	ktap_run ip -n "$P1" -6 route add fd00:76::/64 via fd00:71::1 &&
	ktap_run ip netns exec "$P1" vr-sock send6 fd00:76::2 9 &&
	ktap_run ip netns exec "$P1" vr-sock send 10.76.0.2 9
	sleep 0.5
	leak=$(nft_packets "$P0" inet vrrelay leak)
	in6=$(nft_packets - inet vrrelay in6)
	in4=$(nft_packets - inet vrrelay in4)
	p6=$(nft_packets "$P1" inet vrrelay p6)
	p4=$(nft_packets "$P1" inet vrrelay p4)
	warn=$(dmesg | grep -c "detected local route")
	sysctl -qw net.ipv4.ip_forward="${fwd4:-0}" net.ipv6.conf.all.forwarding="${fwd6:-0}"
	ip -n "$P1" route del 10.76.0.0/30 2>/dev/null
	ip -n "$P1" -6 route del fd00:76::/64 2>/dev/null
	ip netns exec "$P1" nft delete table inet vrrelay 2>/dev/null
	ip -6 route del fd00:71::/64 via fd00:7::2 dev a0 2>/dev/null
	ip link del gt6 2>/dev/null
	ip link del t6 2>/dev/null
	ip route del 10.76.0.0/30 2>/dev/null
	ip route del 10.79.0.0/24 2>/dev/null
	ip -6 route del fd00:78::/64 2>/dev/null
	ip -6 route del fd00:76::/64 2>/dev/null
	ip -6 route del fd00:79::/64 2>/dev/null
	ip -n "$P0" route del unreachable 10.79.0.0/24 2>/dev/null
	ip -n "$P0" -6 route del unreachable fd00:79::/64 2>/dev/null
	ip netns exec "$P0" sysctl -qw net.ipv6.icmp.ratelimit=1000 net.ipv4.icmp_ratelimit=1000 \
		net.ipv4.ip_forward="${fwd:-0}"
	ip netns exec "$P0" nft delete table inet vrrelay 2>/dev/null
	nft delete table inet vrrelay 2>/dev/null
	ktap_expect_eq "relayed errors at VR 0's peer" 0 "${leak:-x}" &&
	ktap_check "ip6ip6: the ICMPv6 error reached VR 1's fd00:76::1" [ "${in6:-0}" -ge 1 ] &&
	ktap_check "ip4ip6: the ICMP error reached VR 1's 10.76.0.1" [ "${in4:-0}" -ge 1 ] &&
	ktap_check "ip6ip6: the ICMPv6 error reached VR 1's peer" [ "${p6:-0}" -ge 1 ] &&
	ktap_check "ip4ip6: the ICMP error reached VR 1's peer" [ "${p4:-0}" -ge 1 ] &&
	ktap_expect_eq "kernel warnings \"detected local route\"" "$warn0" "$warn"
}

suite() {
	ktap_test_result "setup: VR 0 and VR 1 with the same addresses, peers in their own netns" \
		t_setup
	ktap_test_result "control: each VR's packet reaches its own peer" t_control
	ktap_test_result "a source local in VR 0 only is a peer's in VR 1: delivered" t_src_other_vr
	ktap_test_result \
		"VR 1 socket, SO_BINDTODEVICE to VR 0's interface: ENETUNREACH, nothing sent" \
		t_bindtodevice
	ktap_test_result \
		"VR 1 socket, IP_UNICAST_IF of VR 0's interface: ENETUNREACH, nothing sent" \
		t_unicast_if
	ktap_test_result \
		"VR 1 socket, IP_PKTINFO naming VR 0's interface: ENETUNREACH, nothing sent" \
		t_pktinfo
	ktap_test_result \
		"VR 1 socket, IP_MULTICAST_IF of VR 0's interface: ENETUNREACH, nothing sent" \
		t_mcast_if
	ktap_test_result "VR 1 socket, link-local multicast out of VR 0's interface: ENETUNREACH" \
		t_mcast_if_local
	ktap_test_result "control: VR 0 reaches its peer's IPv6 link-local address" t_control6
	ktap_test_result "VR 1 socket, IPv6 SO_BINDTODEVICE to VR 0's interface: ENETUNREACH" \
		t_bindtodevice6
	ktap_test_result "VR 1 socket, IPV6_UNICAST_IF of VR 0's interface: ENETUNREACH" \
		t_unicast_if6
	ktap_test_result "VR 1 socket, IPV6_PKTINFO naming VR 0's interface: ENETUNREACH" \
		t_pktinfo6
	ktap_test_result "VR 1 socket, scope id of VR 0's interface: ENETUNREACH" t_scope_id6
	ktap_test_result "VR 1 socket, IPV6_MULTICAST_IF of VR 0's interface: ENETUNREACH" \
		t_mcast_if6
	ktap_test_result "VR 1 socket with a source, IPV6_UNICAST_IF of VR 0's: ENETUNREACH" \
		t_unicast_if6_src
	ktap_test_result "a VR 0 IPv6 VXLAN whose link is VR 1's interface sends nothing" \
		t_tunnel_link6
	ktap_test_result "VR 1 socket, IPv6 link-local multicast out of VR 0's: ENETUNREACH" \
		t_mcast_if_local6
	ktap_test_result "IP_MULTICAST_IF by an address of VR 0 and VR 1: each VR's own interface" \
		t_mcast_if_addr
	ktap_test_result "VR 1 socket, limited broadcast from a VR 0 address: ENETUNREACH" \
		t_bcast_saddr
	ktap_test_result "VR 1 source address selection stays in VR 1" t_select_addr
	ktap_test_result "VR 1 socket cannot join a group on VR 0's interface" t_join_other_vr
	ktap_test_result "VR 1 join without an interface uses VR 1's multicast route" t_join_routed
	ktap_test_result "a group left by address after its interface moved to VR 2 is left" \
		t_leave_moved
	ktap_test_result "ICMP frag needed in VR 1 lowers VR 1's path MTU, not VR 0's" t_pmtu
	ktap_test_result "a VR 1 connection completed by a syncookie stays in VR 1" t_syncookies
	ktap_test_result "control: native IPv6 from VR 0 reaches VR 0's peer" t_v6_control
	ktap_test_result "VR 1 socket sends IPv6 to VR 1's peer; VR 0's prefix: ENETUNREACH" \
		t_v6_send
	ktap_test_result "a VR 1 flow matching only a source-specific route: a source of VR 1" \
		t_v6_src_specific
	ktap_test_result "VR 1 socket binds VR 1's IPv6 addresses only: EADDRNOTAVAIL" t_v6_bind
	ktap_test_result "VR 1 socket joins IPv6 groups on VR 1's interfaces only: ENODEV" t_join6
	ktap_test_result "VR 0 socket binds and joins none of VR 1's IPv6 addresses or links" \
		t_v6_vr0_other_vr
	ktap_test_result "VR 1 server on :: answers IPv4 and IPv6 in VR 1, not IPv6 from VR 0" \
		t_v6_wildcard
	ktap_test_result "IPv6 arriving on a VR 1 interface reaches no VR 0 socket" t_v6_ingress
	ktap_test_result "VR 1 task: MPTCP, SCTP, L2TP/IP and packet sockets refused" t_sock_refused
	ktap_test_result "VR 1 task: TCP, UDP, raw, AF_UNIX and netlink sockets created" \
		t_sock_keyed
	ktap_test_result "SO_VR refuses to move an SCTP, L2TP/IP, MPTCP or packet socket" \
		t_sovr_unkeyed
	ktap_test_result "control: both fragments in VR 1 are reassembled in VR 1" t_frag_control
	ktap_test_result "fragments with the same key in VR 1 and VR 0 are not merged" t_frag_cross
	ktap_test_result "SCTP of VR 1's peer reaches no VR 0 socket: protocol unreachable" \
		t_proto_sctp
	ktap_test_result "SCTP offers a VR 0 socket bound to all addresses VR 0's only" \
		t_sctp_laddrs
	ktap_test_result "SCTP's ASCONF announces VR 0's new addresses, not VR 1's" t_sctp_asconf
	ktap_test_result "Mobile IPv6 headers: processed in VR 0, unknown in VR 1" t_mip6_vr0
	ktap_test_result "an MTU below 68 on a VR 1 interface is refused, it stays in VR 1" \
		t_mtu_keeps_vr
	ktap_test_result "a route's interface must be in its table's VR" t_route_dev_vr
	ktap_test_result "an IPv6 route's interface must be in its table's VR" t_route_dev_vr6
	ktap_test_result "VR 0 multipath route: no next hop via an interface moved to VR 1" \
		t_multipath_move
	ktap_test_result "nexthop objects: VR 0 only, flushed when their interface moves" \
		t_nexthop_vr
	ktap_test_result "vrctl show VR sockets lists that VR's sockets only" t_show_sockets
	ktap_test_result "TCP metrics: one entry per VR, shown and deleted in the asker's VR" \
		t_tcp_metrics
	ktap_test_result "TCP metrics: a VR created again does not inherit the old one's" \
		t_tcp_metrics_gone
	ktap_test_result "a local route of VR 0's table cannot use VR 1's interface" \
		t_route_local_vr
	ktap_test_result "a policy rule naming VR 1's table is skipped for VR 0's flows" \
		t_rule_vr_table
	ktap_test_result "an IPv6 policy rule naming VR 1's table is skipped for VR 0's flows" \
		t_rule_vr_table6
	ktap_test_result "a router-alert packet forwarded in VR 0 reaches VR 0's raw socket only" \
		t_router_alert
	ktap_test_result "UDP encapsulation refused in VR 1, and SO_VR refuses to move it" \
		t_udp_encap
	ktap_test_result "per-VR packet counters: VR 1's traffic counts in VR 1 only" t_counters
	ktap_test_result "per-VR packet counters: VR 1's IPv6 counts in VR 1 only" t_counters6
	ktap_test_result "vrctl show counts a VR's sockets, processes and routes" t_show_counts
	ktap_test_result \
		"conntrack: VR 1 untracked, not VR 0's entry; tracked in a zone of its own" \
		t_conntrack
	ktap_test_result "nft socket match: a VR 1 datagram finds no VR 0 socket" t_socket_match
	ktap_test_result \
		"multicast routing: refused to VR 1's sockets and interfaces, vifs not moved" \
		t_mroute
	ktap_test_result "IPv6 multicast routing: refused to VR 1, mifs not moved" \
		t_mroute6
	ktap_test_result "L3 ipvlan slaves are routed in their master's VR" t_ipvlan_l3
	ktap_test_result "address autojoin works on interfaces of every VR" t_autojoin
	ktap_test_result "ICMP error rate limits: VR 0's use of an address leaves VR 1's tokens" \
		t_icmp_ratelimit
	ktap_test_result "SO_ORIGINAL_DST refused to VR 1, not VR 0's conntrack entry" t_origdst
	ktap_test_result "TCP ULPs: espintcp refused in VR 1 and not moved there, TLS allowed" \
		t_tcp_ulp
	ktap_test_result "a VR 1 datagram re-routed by netfilter (mark) stays in VR 1" t_nf_reroute
	ktap_test_result "arp_filter on a VR 1 interface uses VR 1's route back" t_arp_filter
	ktap_test_result "nft fib reverse-path check of a VR 1 packet uses VR 1's routes" t_nft_fib
	ktap_test_result "nft dup of a VR 1 datagram: the copy goes to VR 1's peer" t_nft_dup
	ktap_test_result "nft reject: the TCP reset to VR 1's peer is sent in VR 1" t_nft_reject
	ktap_test_result "ip route get answers with the asking task's VR's routes" t_route_get
	ktap_test_result "ip -6 route get answers with the asking task's VR's routes" \
		t_route_get6
	ktap_test_result "ICMP PROBE from VR 1's peer: VR 0's interfaces do not exist" t_icmp_probe
	ktap_test_result "a VR 1 route's preferred source must be an address of VR 1" \
		t_route_prefsrc
	ktap_test_result "nft fib type in the output hook: a VR 1 local address is local" \
		t_nft_fib_type
	ktap_test_result "IPsec is VR 0's: VR 1's datagram not sent to VR 0's IPsec peer" t_xfrm
	ktap_test_result "nft fib at netdev ingress: the interface's VR; none from another netns" \
		t_nft_fib_netdev
	ktap_test_result "an address deleted in VR 1 kills VR 1's routes using it, not VR 0's" \
		t_addr_del_routes
	ktap_test_result "SIOCSARP without a device from VR 1: VR 1's interface, no proxy for all" \
		t_arp_ioctl
	ktap_test_result "IP timestamp option: a VR 1 host stamps for VR 1's addresses only" \
		t_ts_option
	ktap_test_result "nft rt mtu: a SYN VR 1 forwards is clamped to VR 1's route back" \
		t_nft_rt_mtu
	ktap_test_result "iptables TCPMSS: a SYN VR 1 forwards is clamped to VR 1's route back" \
		t_xt_tcpmss
	ktap_test_result "iptables addrtype without an interface: types in the packet's VR" \
		t_xt_addrtype
	ktap_test_result "IPVS is VR 0's: VR 1's clients do not reach its real servers" t_ipvs
	ktap_test_result "tc ct action: fragments of two VRs are not reassembled together" \
		t_act_ct_frag
	ktap_test_result "ip route get with an output interface of another VR: unreachable" \
		t_oif_route_get
	ktap_test_result "segment routing in or into a VR's table is refused" \
		t_lwt_encap_vr
	ktap_test_result "a VR 0 tunnel whose link is VR 1's interface sends nothing there" \
		t_tunnel_link_other_vr
	ktap_test_result "IGMP report of a VR 1 join leaves through VR 1's interface" \
		t_igmp_report
	ktap_test_result "nft synproxy: the SYN-ACK to a VR 1 client is routed in VR 1" t_synproxy
	ktap_test_result "a VR 1 tunnel's outer packet re-routed by nft stays in VR 0" \
		t_tunnel_reroute
	ktap_test_result "a VR 1 tunnel relays ICMP errors for its inner packets in VR 1" \
		t_tunnel_err_relay
}
ktap_run_suite suite
