#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: BPF programs see the VR of the packet they handle (issue 12,
# the BPF lines of the audit). A tc program's socket lookups
# (bpf_sk_lookup_udp/_tcp, bpf_skc_lookup_tcp) find the sockets of the
# ingress interface's VR only; bpf_fib_lookup with BPF_FIB_LOOKUP_DIRECT
# looks up that VR's table and may not name another VR's (TBID);
# bpf_redirect_neigh routes in the target device's VR; an LWT program's
# BPF_LWT_REROUTE routes in the packet's VR; a netns sk_lookup program
# cannot hand a VR 1 packet to a VR 0 socket.
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
LIB=${VR_TEST_LIB:-$HERE/../lib}
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }

fresh_netns "$HERE/$(basename "$0")" bpf bpfp0 bpfp1 bpfp2
# shellcheck disable=SC2086 # one word per namespace
set -- $VR_NETNS_PEERS
P0=$1
P1=$2
P2=$3
VR1_TABLE=65537
OBJ=${VR_BPF_OBJ:-/usr/lib/vr-bpf}
C1_IFINDEX=100
# iproute2's tc, not busybox's
TC=${VR_TC:-/usr/sbin/tc}

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-bpf.XXXXXX) || exit 1
trap 'ktap_bg_stop; rm -rf "$T" "$KTAP_TMPDIR"' EXIT

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

# tc_attach SECTION OBJECT: the tc program SECTION of OBJECT on a1's ingress.
tc_attach() {
	ktap_run "$TC" qdisc add dev a1 clsact &&
	ktap_run "$TC" filter add dev a1 ingress bpf da obj "$OBJ/$2.o" sec "$1"
}

# undo: remove what a test may have set up: a1's tc programs, the nft
# table of marks, background commands.
undo() {
	"$TC" qdisc del dev a1 clsact 2>/dev/null
	nft delete table ip vrbpf 2>/dev/null
	ktap_bg_stop
}

# marks RULE...: an nft table counting, in prerouting, the packets that match
# each RULE (an nft match on a1's packets), in counters c0, c1, ...
marks() {
	local i=0 r
	{
		echo "table ip vrbpf {"
		for r in "$@"; do
			echo "counter c$i { }"
			i=$((i + 1))
		done
		echo "chain pre { type filter hook prerouting priority 0;"
		i=0
		for r in "$@"; do
			echo "iifname \"a1\" $r counter name c$i"
			i=$((i + 1))
		done
		echo "}"
		echo "}"
	} > "$T/marks.nft"
	ktap_run nft -f "$T/marks.nft"
}

# counted N: packets counter cN of marks has seen.
counted() {
	nft list counter ip vrbpf "c$1" | awk '$1 == "packets" { print $2 }'
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
}
ktap_run_suite suite
