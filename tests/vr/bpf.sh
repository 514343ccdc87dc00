#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: BPF programs see the VR of the packet they handle. A tc
# program's socket lookups (bpf_sk_lookup_udp/_tcp, bpf_skc_lookup_tcp)
# find the sockets of the ingress interface's VR only; bpf_fib_lookup
# with BPF_FIB_LOOKUP_DIRECT looks up that VR's table and may not name
# another VR's (TBID);
# bpf_redirect_neigh routes in the target device's VR; an LWT program's
# BPF_LWT_REROUTE routes in the packet's VR; a netns sk_lookup program
# cannot hand a VR 1 packet to a VR 0 socket, nor can a tc program with
# bpf_sk_assign(), even by redirecting the packet into a VR 1 interface;
# bpf_fib_lookup and bpf_redirect_neigh route IPv6 in the VR of the
# interface as they do IPv4, and sk_lookup steers VR 0's IPv6 to no VR 1
# socket.
#
#   netns bpfp0-PID            netns bpf-PID (tests run here)
#   +----------------+         +------------------------------------+
#   | b0 10.9.0.2    |-- veth -| a0 10.9.0.1, 10.99.0.1 (VR 0)      |
#   |    10.99.0.2   |         |                                    |
#   +----------------+         |                                    |
#   netns bpfp1-PID            |                                    |
#   | b1 10.9.0.2    |-- veth -| a1 10.9.0.1 (VR 1)                 |
#   netns bpfp2-PID            |                                    |
#   | d1 10.99.0.2   |-- veth -| c1 10.99.0.1 (VR 1), ifindex 100   |
#   +----------------+         +------------------------------------+
#
# 10.99.0.0/24 is behind a0 in VR 0 and behind c1 in VR 1: a packet routed
# in the wrong VR shows at bpfp0's Ip InReceives count instead of bpfp2's.
# tc programs report what they found in skb->mark, which nft counts.

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
vr_require nft

fresh_netns "$HERE/$(basename "$0")" bpf bpfp0 bpfp1 bpfp2
# shellcheck disable=SC2086 # one word per namespace
set -- $VR_NETNS_PEERS
P0=$1
P1=$2
P2=$3
VR1_TABLE=65537
OBJ=${VR_BPF_OBJ:-$HERE}
C1_IFINDEX=100
# iproute2's tc, not busybox's
TC=${VR_TC:-/usr/sbin/tc}

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-bpf.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

t_setup() {
	# iproute2 with libbpf keeps its pinned objects in bpffs
	{ grep -q ' /sys/fs/bpf bpf ' /proc/mounts || ktap_run mount -t bpf bpf /sys/fs/bpf; } &&
	ktap_run ip link set lo up &&
	ktap_run vrctl create 1 name one &&
	ktap_run ip link add a0 type veth peer name b0 netns "$P0" &&
	ktap_run ip addr add 10.9.0.1/24 dev a0 &&
	ktap_run ip addr add 10.99.0.1/24 dev a0 &&
	ktap_run ip link set a0 up &&
	ktap_run ip link add a1 type veth peer name b1 netns "$P1" &&
	ktap_run vrctl assign a1 1 &&
	ktap_run ip addr add 10.9.0.1/24 dev a1 &&
	ktap_run ip link set a1 up &&
	ktap_run ip link add c1 index "$C1_IFINDEX" type veth peer name d1 netns "$P2" &&
	ktap_run vrctl assign c1 1 &&
	ktap_run ip addr add 10.99.0.1/24 dev c1 &&
	ktap_run ip link set c1 up &&
	ktap_run ip -n "$P0" addr add 10.9.0.2/24 dev b0 &&
	ktap_run ip -n "$P0" addr add 10.99.0.2/24 dev b0 &&
	ktap_run ip -n "$P0" link set b0 up &&
	ktap_run ip -n "$P1" addr add 10.9.0.2/24 dev b1 &&
	ktap_run ip -n "$P1" link set b1 up &&
	ktap_run ip -n "$P1" route add 10.99.0.0/24 via 10.9.0.1 &&
	ktap_run ip -n "$P2" addr add 10.99.0.2/24 dev d1 &&
	ktap_run ip -n "$P2" link set d1 up &&
	ktap_run sysctl -qw net.ipv4.conf.all.forwarding=1 &&
	ktap_run sysctl -qw net.ipv4.conf.a1.forwarding=1 &&
	# every neighbour resolved before any count is taken
	ktap_run vr-sock -v 0 send 10.99.0.2 9 &&
	ktap_run vr-sock -v 1 send 10.99.0.2 9 &&
	ktap_run vr-sock -v 1 send 10.9.0.2 9 &&
	ktap_run ip netns exec "$P1" vr-sock send 10.9.0.1 9 &&
	sleep 1
}

# received NS: IP packets received in netns NS so far.
# shellcheck source=../lib/snmp.sh
. "$LIB/snmp.sh"

# tc_attach SECTION OBJECT [DEV]: the tc program SECTION of OBJECT on the
# ingress of DEV (a1 if not given).
tc_attach() {
	ktap_run "$TC" qdisc add dev "${3:-a1}" clsact &&
	ktap_run "$TC" filter add dev "${3:-a1}" ingress bpf da obj "$OBJ/$2.o" sec "$1"
}

# undo: remove what a test may have set up: a1's and a0's tc programs, the
# nft tables of marks, background commands.
undo() {
	"$TC" qdisc del dev a1 clsact 2>/dev/null
	"$TC" qdisc del dev a0 clsact 2>/dev/null
	nft delete table inet vrbpf 2>/dev/null
	nft delete table netdev vrbpf6 2>/dev/null
	ktap_bg_stop
}

# marks RULE...: an nft table counting, in prerouting, the packets that match
# each RULE (an nft match on the packets of a1, or of $MARKS_IF if set), in
# counters c0, c1, ...
marks() {
	local i=0 r
	{
		echo "table inet vrbpf {"
		for r in "$@"; do
			echo "counter c$i { }"
			i=$((i + 1))
		done
		echo "chain pre { type filter hook prerouting priority 0;"
		i=0
		for r in "$@"; do
			echo "iifname \"${MARKS_IF:-a1}\" $r counter name c$i"
			i=$((i + 1))
		done
		echo "}"
		echo "}"
	} > "$T/marks.nft"
	ktap_run nft -f "$T/marks.nft"
}

# counted N: packets counter cN of marks has seen.
counted() {
	nft_packets - inet vrbpf "c$1"
}

# bpf_sk_lookup_udp on a1: a VR 0 socket on 10.9.0.1:7801 is not found for
# a datagram arriving in VR 1; VR 1's own socket on 7802 is.
t_sk_lookup_udp() {
	local none found
	ktap_bg_ready "$T/u0" vr-sock -v 0 bind udp 10.9.0.1 7801 &&
	ktap_bg_ready "$T/u1" vr-sock -v 1 bind udp 10.9.0.1 7802 &&
	marks "udp dport 7801 meta mark 0xdead" "udp dport 7802 meta mark 1" &&
	tc_attach tc/udp tc_sk_lookup &&
	ktap_run ip netns exec "$P1" vr-sock send 10.9.0.1 7801 &&
	ktap_run ip netns exec "$P1" vr-sock send 10.9.0.1 7802 || { undo; return 1; }
	sleep 0.3
	none=$(counted 0) found=$(counted 1)
	undo
	ktap_expect_eq "VR 1 datagram to VR 0's port: no socket found" 1 "$none" &&
	ktap_expect_eq "VR 1 datagram to VR 1's port: its socket found" 1 "$found"
}

# lookup_tcp SECTION: SECTION's TCP lookup on a1 finds no VR 0 listener on
# 10.9.0.1:7803 for a VR 1 SYN, and VR 1's own listener on 7804.
lookup_tcp() {
	local none found
	ktap_bg_ready "$T/t0" vr-sock -v 0 bind tcp 10.9.0.1 7803 &&
	ktap_bg_ready "$T/t1" vr-sock -v 1 bind tcp 10.9.0.1 7804 &&
	marks "tcp dport 7803 tcp flags syn meta mark 0xdead" \
		"tcp dport 7804 tcp flags syn meta mark 1" &&
	tc_attach "$1" tc_sk_lookup || { undo; return 1; }
	ip netns exec "$P1" vr-sock -t 500 request tcp 10.9.0.1 7803 >/dev/null 2>&1
	ip netns exec "$P1" vr-sock -t 500 request tcp 10.9.0.1 7804 >/dev/null 2>&1
	none=$(counted 0) found=$(counted 1)
	undo
	ktap_expect_eq "VR 1 SYN to VR 0's listener: no socket found" 1 "$none" &&
	ktap_expect_eq "VR 1 SYN to VR 1's listener: its socket found" 1 "$found"
}

t_sk_lookup_tcp() { lookup_tcp tc/tcp; }
t_skc_lookup_tcp() { lookup_tcp tc/skc; }

# fib_case SECTION MARK: SECTION's bpf_fib_lookup of 10.99.0.2, for a VR 1
# packet arriving on a1, sets MARK (matched under 0xffffffff).
fib_case() {
	local n
	marks "udp dport 7805 meta mark $2" &&
	tc_attach "$1" tc_fib &&
	ktap_run ip netns exec "$P1" vr-sock send 10.99.0.2 7805 || { undo; return 1; }
	sleep 0.3
	n=$(counted 0)
	undo
	ktap_expect_eq "packets with mark $2" 1 "$n"
}

# rc 0 (success), through c1 (ifindex 100 = 0x64): VR 1's route.
FIB_C1=0x1000064

t_fib_plain() { fib_case tc/fib "$FIB_C1"; }
t_fib_direct() { fib_case tc/fib_direct "$FIB_C1"; }

# DIRECT with TBID 254 (VR 0's main table) from a VR 1 device: refused,
# BPF_FIB_LKUP_RET_NOT_FWDED (4).
t_fib_tbid() { fib_case tc/fib_main "and 0xffff0000 == 0x1040000"; }

# bpf_redirect_neigh to c1 (VR 1) without a nexthop: the kernel routes
# 10.97.0.5 in VR 1, through the gateway 10.99.0.2 (bpfp2's d1), which gets
# the datagram. (In VR 0 there is no route: the flow would be taken as on
# link, and nobody answers ARP for 10.97.0.5.)
t_redirect_neigh() {
	local b0 b2
	ktap_run ip route add 10.97.0.0/24 via 10.99.0.2 dev c1 table "$VR1_TABLE" &&
	ktap_run ip -n "$P1" route add 10.97.0.0/24 via 10.9.0.1 &&
	tc_attach tc/redirect_neigh tc_fib || { undo; return 1; }
	b0=$(received "$P0") b2=$(received "$P2")
	ktap_run ip netns exec "$P1" vr-sock send 10.97.0.5 7806
	sleep 0.5
	undo
	ip route del 10.97.0.0/24 table "$VR1_TABLE"
	ip -n "$P1" route del 10.97.0.0/24
	ktap_expect_stdout sent &&
	ktap_expect_eq "packets at VR 0's side (bpfp0)" 0 $(($(received "$P0") - b0)) &&
	ktap_expect_eq "packets at VR 1's gateway (bpfp2)" 1 $(($(received "$P2") - b2))
}

# An LWT xmit program on VR 1's route to 10.98.0.2 rewrites the destination
# to 10.99.0.2 and asks for a reroute: it is routed in VR 1, out of c1.
t_lwt_reroute() {
	local b0 b2
	ktap_run ip route add 10.98.0.2/32 encap bpf xmit obj "$OBJ/lwt_reroute.o" \
		sec lwt_xmit dev a1 table "$VR1_TABLE" || return 1
	b0=$(received "$P0") b2=$(received "$P2")
	ktap_run vr-sock -v 1 send 10.98.0.2 7807
	sleep 0.5
	ip route del 10.98.0.2/32 table "$VR1_TABLE"
	ktap_expect_stdout sent &&
	ktap_expect_eq "packets at VR 0's side (bpfp0)" 0 $(($(received "$P0") - b0)) &&
	ktap_expect_eq "packets at VR 1's side (bpfp2)" 1 $(($(received "$P2") - b2))
}

# mac_of DEV [NS]: the MAC address of DEV (in netns NS).
mac_of() {
	ip ${2:+-n "$2"} -br link show "$1" | awk '{ print $3 }'
}

# tx_dropped DEV: DEV's transmit drops so far (core stats included).
tx_dropped() {
	ip -s -j link show "$1" | sed -n 's/.*"tx":{[^}]*"dropped":\([0-9]*\).*/\1/p'
}

# udp6_received NS: UDP datagrams received in netns NS over IPv6 so far,
# to a socket or not (MLD and ND, which may run meanwhile, are not UDP).
udp6_received() { snmp6 "$1" Udp6InDatagrams Udp6NoPorts; }

# v6 on|off: IPv6 addresses, static neighbours (no waiting for neighbour
# discovery) and routes for the IPv6 cases: a0 fd00:90::1 (b0 ::2), a1
# fd00:91::1 (b1 ::2), c1 fd00:92::1 (d1 ::2); bpfp1 routes fd00:90::/64
# and fd00:92::/64, bpfp0 fd00:92::/64 through us. fd00:92::/64 is on c1
# in VR 1, behind b0 (fd00:90::2) in VR 0: IPv6 routed in the wrong VR
# shows at bpfp0.
v6() {
	if [ "$1" = off ]; then
		sysctl -qw net.ipv6.conf.all.forwarding=0
		ip -6 route del fd00:92::/64 via fd00:90::2
		ip neigh del fd00:92::2 dev c1
		ip neigh del fd00:90::2 dev a0
		ip -n "$P1" neigh del fd00:91::1 dev b1
		ip -n "$P0" neigh del fd00:90::1 dev b0
		ip -n "$P1" route del fd00:90::/64
		ip -n "$P1" route del fd00:92::/64
		ip -n "$P0" route del fd00:92::/64
		ip addr del fd00:90::1/64 dev a0
		ip addr del fd00:91::1/64 dev a1
		ip addr del fd00:92::1/64 dev c1
		ip -n "$P0" addr del fd00:90::2/64 dev b0
		ip -n "$P1" addr del fd00:91::2/64 dev b1
		ip -n "$P2" addr del fd00:92::2/64 dev d1
		return 0
	fi
	ip addr add fd00:90::1/64 dev a0 nodad &&
	ip addr add fd00:91::1/64 dev a1 nodad &&
	ip addr add fd00:92::1/64 dev c1 nodad &&
	ip -n "$P0" addr add fd00:90::2/64 dev b0 nodad &&
	ip -n "$P1" addr add fd00:91::2/64 dev b1 nodad &&
	ip -n "$P2" addr add fd00:92::2/64 dev d1 nodad &&
	ip neigh replace fd00:92::2 lladdr "$(mac_of d1 "$P2")" dev c1 &&
	ip neigh replace fd00:90::2 lladdr "$(mac_of b0 "$P0")" dev a0 &&
	ip -n "$P1" neigh replace fd00:91::1 lladdr "$(mac_of a1)" dev b1 &&
	ip -n "$P0" neigh replace fd00:90::1 lladdr "$(mac_of a0)" dev b0 &&
	ip -n "$P1" route add fd00:90::/64 via fd00:91::1 &&
	ip -n "$P1" route add fd00:92::/64 via fd00:91::1 &&
	ip -6 route add fd00:92::/64 via fd00:90::2 &&
	ip -n "$P0" route add fd00:92::/64 via fd00:90::1 &&
	sysctl -qw net.ipv6.conf.all.forwarding=1
}

# bpf_fib_lookup for IPv6 packets arriving on a1 (VR 1), with forwarding
# on: fd00:92::2 is found in VR 1's table, through c1 (rc 0, ifindex 100);
# fd00:90::2, in VR 0's table only, is not forwarded
# (BPF_FIB_LKUP_RET_NOT_FWDED, 4).
t_fib6() {
	local n92 n90
	# counted at a1's netdev ingress, after tc
	cat > "$T/fib6.nft" <<-'NFT'
	table netdev vrbpf6 {
		counter c92 { }
		counter c90 { }
		chain in {
			type filter hook ingress device "a1" priority 0;
			udp dport 7830 meta mark 0x1000064 counter name c92
			udp dport 7832 meta mark and 0xffff0000 == 0x1040000 counter name c90
		}
	}
	NFT
	ktap_run v6 on &&
	ktap_run nft -f "$T/fib6.nft" &&
	tc_attach tc/fib6 tc_fib &&
	ktap_run ip netns exec "$P1" vr-sock send6 fd00:92::2 7830 &&
	ktap_run ip netns exec "$P1" vr-sock send6 fd00:90::2 7832 || {
		undo
		v6 off 2>/dev/null
		return 1
	}
	sleep 0.3
	n92=$(nft_packets - netdev vrbpf6 c92)
	n90=$(nft_packets - netdev vrbpf6 c90)
	undo
	v6 off 2>/dev/null
	ktap_expect_eq "IPv6 packets to fd00:92::2 routed through c1" 1 "$n92" &&
	ktap_expect_eq "IPv6 packets to VR 0's fd00:90::2 not forwarded" 1 "$n90"
}

# bpf_redirect_neigh of an IPv6 packet arriving on a1 (VR 1) to c1 (VR 1),
# without a nexthop: the kernel routes fd00:92::2 in VR 1, out of c1 to
# bpfp2 (in VR 0 it would go to bpfp0).
t_redirect_neigh6() {
	local b0 b2
	ktap_run v6 on &&
	tc_attach tc/redirect_neigh6 tc_fib a1 || { undo; v6 off 2>/dev/null; return 1; }
	b0=$(udp6_received "$P0") b2=$(udp6_received "$P2")
	ktap_run ip netns exec "$P1" vr-sock send6 fd00:92::2 7831
	sleep 0.5
	b0=$(($(udp6_received "$P0") - b0)) b2=$(($(udp6_received "$P2") - b2))
	undo
	v6 off 2>/dev/null
	ktap_expect_stdout sent &&
	ktap_expect_eq "IPv6 packets at bpfp2 (behind VR 1's c1)" 1 "$b2" &&
	ktap_expect_eq "IPv6 packets at bpfp0 (VR 0's route)" 0 "$b0"
}

# A netns sk_lookup program steers port 7777 to a VR 0 socket: VR 1's
# connection and datagram do not reach it (refused, unanswered). Steering
# port 7778 to a VR 1 socket works for VR 1's peer.
t_sk_lookup_prog() {
	local tcp0 udp0
	ktap_bg_ready "$T/s0" vr-sklookup -v 0 tcp 10.9.0.1 7810 7777 vr0 &&
	ktap_bg_ready "$T/s1" vr-sklookup -v 1 tcp 10.9.0.1 7811 7778 vr1 &&
	ktap_bg_ready "$T/s2" vr-sklookup -v 0 udp 10.9.0.1 7812 7779 vr0 || { undo; return 1; }
	ktap_run ip netns exec "$P1" vr-sock -t 1000 request tcp 10.9.0.1 7777
	tcp0=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock send 10.9.0.1 7779
	ktap_run ip netns exec "$P1" vr-sock -t 1000 request tcp 10.9.0.1 7778
	sleep 0.3
	udp0=$(grep -c '^from' "$T/s2")
	ktap_bg_stop
	ktap_print_file "VR 0's UDP socket: " "$T/s2"
	ktap_expect_eq "VR 1 connection steered to VR 0's socket" "error: ECONNREFUSED" "$tcp0" &&
	ktap_expect_eq "VR 1 datagrams steered to VR 0's socket" 0 "$udp0" &&
	ktap_expect_stdout vr1
}

# A netns sk_lookup program steering port 7780 to a VR 1 dual-stack socket
# on [::] hands it VR 1's IPv6 datagram, not VR 0's; steering port 7781 to
# a VR 0 socket on [::] hands it VR 0's, not VR 1's.
t_sk_lookup_prog6() {
	local n0 n1
	ktap_run v6 on &&
	ktap_bg_ready "$T/s6a" vr-sklookup -v 1 udp :: 7814 7780 vr1 &&
	ktap_bg_ready "$T/s6b" vr-sklookup -v 0 udp :: 7815 7781 vr0 || {
		ktap_bg_stop
		v6 off 2>/dev/null
		return 1
	}
	ktap_run ip netns exec "$P0" vr-sock send6 fd00:90::1 7780
	ktap_run ip netns exec "$P0" vr-sock send6 fd00:90::1 7781
	ktap_run ip netns exec "$P1" vr-sock send6 fd00:91::1 7780
	ktap_run ip netns exec "$P1" vr-sock send6 fd00:91::1 7781
	sleep 0.3
	n1=$(grep -c '^from' "$T/s6a")
	n0=$(grep -c '^from' "$T/s6b")
	ktap_bg_stop
	v6 off 2>/dev/null
	ktap_print_file "VR 1's socket: " "$T/s6a"
	ktap_print_file "VR 0's socket: " "$T/s6b"
	ktap_expect_eq "IPv6 datagrams VR 1's socket got (VR 1's only)" 1 "$n1" &&
	ktap_expect_eq "IPv6 datagrams VR 0's socket got (VR 0's only)" 1 "$n0" &&
	ktap_expect_match "VR 1's socket got VR 1's peer" "*fd00:91::2*" "$(cat "$T/s6a")" &&
	ktap_expect_match "VR 0's socket got VR 0's peer" "*fd00:90::2*" "$(cat "$T/s6b")"
}

# bpf_sk_assign() on a1 (VR 1): a VR 0 socket is refused (-ENETUNREACH in
# the mark, 0xffffff9b) and the datagram goes on to VR 1's own socket; a
# VR 1 socket is assigned (mark 1) and gets its datagram.
t_sk_assign() {
	local reply refused assigned from0 from1
	marks "udp dport 7820 meta mark 0xffffff9b" "udp dport 7822 meta mark 1" &&
	ktap_bg_ready "$T/k0" vr-sklookup -v 0 -i a1 udp 0.0.0.0 7821 7820 vr0 &&
	ktap_bg_ready "$T/k1" vr-sklookup -v 1 -i a1 udp 0.0.0.0 7823 7822 x &&
	ktap_bg_ready "$T/k2" vr-sock -v 1 serve udp 10.9.0.1 7820 vr1 || { undo; return 1; }
	ktap_run ip netns exec "$P1" vr-sock -t 1000 request udp 10.9.0.1 7820
	reply=$KTAP_STDOUT_TEXT
	ktap_run ip netns exec "$P1" vr-sock send 10.9.0.1 7822
	sleep 0.3
	refused=$(counted 0) assigned=$(counted 1)
	from0=$(grep -c '^from' "$T/k0") from1=$(grep -c '^from' "$T/k1")
	undo
	ktap_expect_eq "VR 0 socket assigned on a1: refused" 1 "$refused" &&
	ktap_expect_eq "datagrams VR 0's socket got" 0 "$from0" &&
	ktap_expect_eq "answer from VR 1's own socket" vr1 "$reply" &&
	ktap_expect_eq "VR 1 socket assigned on a1" 1 "$assigned" &&
	ktap_expect_eq "datagrams VR 1's socket got" 1 "$from1"
}

# A tc program on a0 (VR 0) assigns a VR 0 socket to a datagram from bpfp0,
# then redirects it into e0 (VR 1, with a0's MAC address), where 10.9.0.1
# is VR 1's: the assigned socket is not used for a VR 1 packet (it gets
# nothing); the regular lookup in VR 1 finds VR 1's socket on port 7850.
t_sk_assign_redirect() {
	local seen from pid MARKS_IF=e0
	ktap_run ip link add e0 type veth peer name e1 &&
	ktap_run vrctl assign e0 1 &&
	ktap_run ip link set e0 address "$(mac_of a0)" &&
	ktap_run ip link set e1 up &&
	ktap_run ip link set e0 up &&
	ktap_run sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.e0.rp_filter=0 &&
	marks "udp dport 7850 meta mark 1" &&
	ktap_bg_ready "$T/k3" vr-sklookup -v 0 -i a0 -r e0 udp 0.0.0.0 7851 7850 vr0 &&
	ktap_bg_ready "$T/k4" vr-sock -v 1 -t 2000 recv 10.9.0.1 7850 &&
	pid=$KTAP_BG_PID &&
	ktap_run ip netns exec "$P0" vr-sock send 10.9.0.1 7850 ||
		{ undo; ip link del e0; return 1; }
	wait "$pid"
	seen=$(counted 0) from=$(grep -c '^from' "$T/k3")
	undo
	ip link del e0
	ktap_print_file "VR 1's socket: " "$T/k4"
	ktap_expect_eq "datagrams assigned on a0 and redirected into e0" 1 "$seen" &&
	ktap_expect_eq "datagrams VR 0's assigned socket got in VR 1" 0 "$from" &&
	ktap_expect_match "VR 1's own socket got it" "*got *" "$(cat "$T/k4")"
}

suite() {
	ktap_test_result "setup: VR 0 and VR 1 with the same addresses, a VR 1 route out of c1" \
		t_setup
	ktap_test_result "tc bpf_sk_lookup_udp: a VR 1 datagram finds VR 1's sockets only" \
		t_sk_lookup_udp
	ktap_test_result "tc bpf_sk_lookup_tcp: a VR 1 SYN finds VR 1's listeners only" \
		t_sk_lookup_tcp
	ktap_test_result "tc bpf_skc_lookup_tcp: a VR 1 SYN finds VR 1's listeners only" \
		t_skc_lookup_tcp
	ktap_test_result "tc bpf_fib_lookup: a VR 1 packet routes in VR 1's table" t_fib_plain
	ktap_test_result "tc bpf_fib_lookup DIRECT: VR 1's table, not the main one" t_fib_direct
	ktap_test_result "tc bpf_fib_lookup DIRECT TBID: VR 0's table refused to a VR 1 device" \
		t_fib_tbid
	ktap_test_result "tc bpf_redirect_neigh to a VR 1 device routes in VR 1" t_redirect_neigh
	ktap_test_result "LWT BPF_LWT_REROUTE of a VR 1 packet routes in VR 1" t_lwt_reroute
	ktap_test_result "netns sk_lookup program cannot steer VR 1 packets to VR 0's sockets" \
		t_sk_lookup_prog
	ktap_test_result "netns sk_lookup program steers IPv6 to its own VR's sockets only" \
		t_sk_lookup_prog6
	ktap_test_result "tc bpf_sk_assign on a VR 1 device: VR 0's socket refused, VR 1's taken" \
		t_sk_assign
	ktap_test_result "tc bpf_sk_assign then redirect into VR 1: VR 0's socket not used" \
		t_sk_assign_redirect
	ktap_test_result "tc bpf_fib_lookup of IPv6 from a VR 1 device: VR 1's table" t_fib6
	ktap_test_result "tc bpf_redirect_neigh of IPv6 to a VR 1 device routes in VR 1" \
		t_redirect_neigh6
}
ktap_run_suite suite
