#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Distributed IP host selftest (KTAP), run on every node of a 4-VM cluster on
# one L2 segment (qemu/cluster.sh --nodes 4; node i has eth0 with MAC
# 52:54:00:12:34:0i and its own address 10.9.0.1i/24):
#
#   node0  member 1, the lead     \
#   node1  member 2                > all three serve D = 10.9.0.100
#   node2  member 3               /
#   node3  the client, 10.9.0.13
#
# Each member's kernel gets the same ownership entries (as the sync daemon
# would program them): tcp 8001 and udp 9001 -> member 1, tcp 8002 and udp
# 9002 -> member 2, tcp 8003 and udp 9003 -> member 3. Each member serves its
# own ports on D; members 1 and 3 also run decoy servers on member 2's ports,
# which must never answer.
#
# The client counts, by capturing frames on its eth0 (vr-capture), who
# answers: exactly one ARP reply and one echo reply for D, from the lead's
# MAC; one SYN-ACK per connection, from the owner's MAC (members reply
# directly; the client reaches them through the lead, which re-sends their
# frames as L2 broadcast); exactly one RST / port unreachable for an unowned
# port, from the lead. The members check their own counters: members 2 and 3
# sent no RST and no ICMP unreachable at all.
#
# Nodes meet through marker addresses: a member adds 10.9.0.(110+i) when its
# servers run; the client waits for those, runs its tests and adds
# 10.9.0.200, which the members wait for before they check and exit.

LIB=${VR_TEST_LIB:-$(dirname "$0")/../lib}
# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }

KTAP_TIMEOUT=30
ME=${VR_NODE:?}
D=10.9.0.100
LEAD_MAC=52:54:00:12:34:00
CLIENT=3
DONE=10.9.0.200
DEADLINE=${DHOST_DEADLINE:-240}
T=$(mktemp -d /tmp/dhost.XXXXXX) || exit 1

cleanup() {
	ktap_bg_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mac_of() { printf '52:54:00:12:34:%02x' "$1"; }

# wait_addr ADDR: ARP for ADDR until it answers (or the deadline passes). Not
# ping: an echo to an unresolved neighbour makes the kernel count an ICMP host
# unreachable, and the members count the ICMP errors they send.
wait_addr() {
	local start
	start=$(cut -d. -f1 /proc/uptime)
	while ! arping -q -c 1 -w 1 -I eth0 "$1" >/dev/null 2>&1; do
		[ $(($(cut -d. -f1 /proc/uptime) - start)) -lt "$DEADLINE" ] || return 1
	done
}

# snmp PROTO FIELD: a counter of /proc/net/snmp.
snmp() {
	awk -v p="$1:" -v f="$2" '$1 == p { if (!n) { for (i = 2; i <= NF; i++) if ($i == f) c = i; n = 1 } else print $c }' /proc/net/snmp
}

# --- members -------------------------------------------------------------------

t_member_setup() {
	local id=$((ME + 1)) p
	ktap_run ip link set lo up && ktap_run ip link set eth0 up &&
		ktap_run ip addr add "10.9.0.$((10 + ME))/24" dev eth0 &&
		ktap_run ip addr add "$D/32" dev eth0 &&
		ktap_run vrctl dhost set "$D" dev eth0 member "$id" lead 1 || return 1
	for p in 1 2 3; do
		ktap_run vrctl dhost owner add "$D" tcp "800$p" member "$p" || return 1
		ktap_run vrctl dhost owner add "$D" udp "900$p" member "$p" || return 1
	done
	ktap_run vrctl dhost show
	ktap_expect_match "this kernel is member $id, lead 1" "*$D*member $id*lead 1*" "$KTAP_STDOUT_TEXT"
	ktap_run vrctl dhost owner show
	ktap_expect_match "six ownership entries" "*tcp 8002*member 2*udp 9003*member 3*" \
		"$(echo "$KTAP_STDOUT_TEXT" | tr '\n' ' ')"
}

t_member_servers() {
	local id=$((ME + 1))
	ktap_bg_ready "$T/tcp" vr-sock serve tcp "$D" "800$id" "m$id" &&
		ktap_bg_ready "$T/udp" vr-sock serve udp "$D" "900$id" "m$id" || return 1
	if [ "$id" != 2 ]; then
		ktap_bg_ready "$T/decoy-tcp" vr-sock serve tcp "$D" 8002 "decoy-m$id" &&
			ktap_bg_ready "$T/decoy-udp" vr-sock serve udp "$D" 9002 "decoy-m$id" || return 1
	fi
	ktap_run ip addr add "10.9.0.$((110 + ME))/24" dev eth0
}

t_member_wait() {
	wait_addr "$DONE" || ktap_check_fail "the client did not finish within ${DEADLINE}s"
}

t_member_silent() {
	local rsts unreach
	rsts=$(snmp Tcp OutRsts)
	unreach=$(snmp Icmp OutDestUnreachs)
	echo "# Tcp OutRsts $rsts, Icmp OutDestUnreachs $unreach"
	if [ "$ME" = 0 ]; then
		ktap_expect_match "the lead sent the RST for the unowned port" "[1-9]*" "$rsts"
		ktap_expect_match "the lead sent the port unreachable" "[1-9]*" "$unreach"
	else
		ktap_expect_eq "member sent no TCP RST" 0 "$rsts"
		ktap_expect_eq "member sent no ICMP unreachable" 0 "$unreach"
	fi
}

member_suite() {
	ktap_test_result "member $((ME + 1)): distributed address and ownership entries set" t_member_setup
	ktap_test_result "member $((ME + 1)): servers running" t_member_servers
	ktap_test_result "member $((ME + 1)): client finished" t_member_wait
	ktap_test_result "member $((ME + 1)): silence counters" t_member_silent
}

# --- client --------------------------------------------------------------------

t_client_setup() {
	local i
	ktap_run ip link set lo up && ktap_run ip link set eth0 up &&
		ktap_run ip addr add "10.9.0.$((10 + ME))/24" dev eth0 || return 1
	for i in 0 1 2; do
		wait_addr "10.9.0.$((110 + i))" || ktap_check_fail "node$i not ready within ${DEADLINE}s"
	done
}

# capture OUT KIND ARGS...: start vr-capture on eth0 for 3 s.
capture() {
	local out=$1
	shift
	ktap_bg_ready "$out" vr-capture -t 3000 eth0 "$@"
}

# captured OUT: wait for the capture; its result lines, on one line, in
# CAPTURED.
captured() {
	wait "$KTAP_BG_PID" 2>/dev/null
	sed 's/^/# captured: /' "$1"
	CAPTURED=$(grep -v '^ready$' "$1" | tr '\n' ' ' | sed 's/ $//')
}

t_arp() {
	ktap_run ip neigh flush dev eth0
	capture "$T/arp" arp-reply "$D" || return 1
	ktap_run arping -c 1 -w 2 -I eth0 "$D"
	captured "$T/arp"
	ktap_expect_eq "one ARP reply for $D, from the lead" "$LEAD_MAC 1 total 1" "$CAPTURED"
}

t_echo() {
	capture "$T/echo" echo-reply "$D" || return 1
	ktap_run ping -c 1 -W 2 "$D"
	ktap_expect_rc 0
	captured "$T/echo"
	ktap_expect_eq "one echo reply, from the lead" "$LEAD_MAC 1 total 1" "$CAPTURED"
}

# t_tcp PORT MEMBER: a connection to D:PORT is served by MEMBER, whose SYN-ACK
# is the only one.
t_tcp() {
	capture "$T/synack" tcp-synack "$D" "$1" || return 1
	ktap_run vr-sock -t 3000 request tcp "$D" "$1"
	ktap_expect_rc 0
	ktap_expect_stdout "m$2"
	captured "$T/synack"
	ktap_expect_eq "one SYN-ACK, from member $2" "$(mac_of $(($2 - 1))) 1 total 1" "$CAPTURED"
}

t_udp() {
	capture "$T/udp" udp "$D" "$1" || return 1
	ktap_run vr-sock -t 3000 request udp "$D" "$1"
	ktap_expect_rc 0
	ktap_expect_stdout "m$2"
	captured "$T/udp"
	ktap_expect_eq "one answer, from member $2" "$(mac_of $(($2 - 1))) 1 total 1" "$CAPTURED"
}

# t_unowned PROTO PORT KIND: a request to a port nobody owns gets one answer
# of KIND (tcp-rst, port-unreach), from the lead.
t_unowned() {
	capture "$T/unowned" "$3" "$D" "$2" || return 1
	ktap_run vr-sock -t 3000 request "$1" "$D" "$2"
	ktap_expect_rc 11
	captured "$T/unowned"
	ktap_expect_eq "one $3, from the lead" "$LEAD_MAC 1 total 1" "$CAPTURED"
}

t_client_done() {
	ktap_run ip addr add "$DONE/24" dev eth0
	# The members see the marker and check their counters; stay up meanwhile.
	sleep 5
}

client_suite() {
	ktap_test_result "client: all three members ready" t_client_setup
	ktap_test_result "ARP for D answered once, by the lead" t_arp
	ktap_test_result "ICMP echo to D answered once, by the lead" t_echo
	ktap_test_result "tcp 8001 served by member 1 (the lead)" t_tcp 8001 1
	ktap_test_result "tcp 8002 served by member 2 only (decoys on 1 and 3 silent)" t_tcp 8002 2
	ktap_test_result "tcp 8003 served by member 3" t_tcp 8003 3
	ktap_test_result "udp 9001 served by member 1" t_udp 9001 1
	ktap_test_result "udp 9002 served by member 2 only (decoys silent)" t_udp 9002 2
	ktap_test_result "udp 9003 served by member 3" t_udp 9003 3
	ktap_test_result "unowned tcp port: one RST, from the lead" t_unowned tcp 8009 tcp-rst
	ktap_test_result "unowned udp port: one port unreachable, from the lead" t_unowned udp 9009 port-unreach
	ktap_test_result "client: done marker" t_client_done
}

if [ "$ME" = "$CLIENT" ]; then
	ktap_run_suite client_suite
else
	ktap_run_suite member_suite
fi
