#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: an IPv6 distributed address, seen by one member and a client on
# its link. What a single kernel can show, without a daemon (ownership is
# set with vrctl dhost owner): who answers neighbour solicitations and
# echo, what the member announces, what the lead bridges.
#
#   netns M (member): m0 fd00:6::1/64, D6 = fd00:6::100/128 (nodad)
#        |  veth
#   netns C (client): c0 fd00:6::2/64 (nodad)
#
# C observes M's frames with vr-capture on c0 (per source MAC).

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
vr_require
# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"

M=vrd6m-$$
C=vrd6c-$$
D6=fd00:6::100
M_MAC=02:00:00:06:00:01
M_MAC2=02:00:00:06:00:02
MAC_X=02:00:00:00:00:99
T=$(mktemp -d /tmp/vr-d6.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	ip netns del "$M" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

m() { ip netns exec "$M" "$@"; }
c() { ip netns exec "$C" "$@"; }

# capture OUT KIND ARGS...: count the frames of KIND that C receives on c0
# for 2 s; the capture's pid is in CAP_PID.
capture() {
	local out=$1
	shift
	ktap_bg_ready "$out" ip netns exec "$C" vr-capture -t 2000 c0 "$@" || return 1
	CAP_PID=$KTAP_BG_PID
}

# captured OUT PID: wait for capture PID; its result lines, on one line, in
# CAPTURED.
captured() {
	wait "$2" 2>/dev/null
	sed 's/^/# captured: /' "$1"
	CAPTURED=$(grep -v '^ready$' "$1" | tr '\n' ' ' | sed 's/ $//')
}

t_setup() {
	ktap_run ip netns add "$M" && ktap_run ip netns add "$C" &&
		ktap_run ip -n "$M" link set lo up && ktap_run ip -n "$C" link set lo up &&
		ktap_run ip -n "$M" link add m0 address $M_MAC type veth \
			peer name c0 netns "$C" &&
		ktap_run ip -n "$M" addr add fd00:6::1/64 dev m0 nodad &&
		ktap_run ip -n "$M" addr add $D6/128 dev m0 nodad &&
		ktap_run ip -n "$C" addr add fd00:6::2/64 dev c0 nodad &&
		ktap_run ip -n "$M" link set m0 up && ktap_run ip -n "$C" link set c0 up &&
		ktap_run m vr-sock -t 5000 rawping fd00:6::2
}

# dhost_set_fails ADDR ERRNO EXTACK: vrctl dhost set of ADDR on m0 is refused.
dhost_set_fails() {
	ktap_run m vrctl dhost set "$1" dev m0 member 2 lead 1
	ktap_expect_rc 1 || return 1
	ktap_expect_match "$1: $3" "*$3*" "$KTAP_STDERR_TEXT"
}

t_refusals() {
	dhost_set_fails fe80::1 EINVAL "not a global or unique-local unicast address" &&
		dhost_set_fails ff02::1 EINVAL "not a global or unique-local unicast address" &&
		dhost_set_fails ::1 EINVAL "not a global or unique-local unicast address" &&
		dhost_set_fails fd00:6::200 EADDRNOTAVAIL \
			"address is not configured on the interface" || return 1
	# dhost-set (8) with addr (1) and addr6 (6), or a mapped addr6
	ktap_run m vr-nlraw 8 u32:1=0x0100000a bin:6=fd000006000000000000000000000100 \
		u32:3="$(m cat /sys/class/net/m0/ifindex)" u32:4=2 u32:5=1
	ktap_expect_match "addr and addr6" \
		"errno=22 name=EINVAL extack=\"give an IPv4 or an IPv6 address, not both\"*" \
		"$KTAP_STDOUT_TEXT" || return 1
	ktap_run m vr-nlraw 8 bin:6=00000000000000000000ffff0a000001 \
		u32:3="$(m cat /sys/class/net/m0/ifindex)" u32:4=2 u32:5=1
	ktap_expect_match "an IPv4-mapped addr6" "errno=22 name=EINVAL extack=\"an IPv4-mapped*" \
		"$KTAP_STDOUT_TEXT"
}

# Every member holds D6: DAD would fail on all but the lead, so a tentative
# address cannot be distributed.
t_tentative() {
	ktap_run m sysctl -qw net.ipv6.conf.m0.dad_transmits=5 &&
		ktap_run ip -n "$M" addr add fd00:6::300/128 dev m0 || return 1
	dhost_set_fails fd00:6::300 EADDRNOTAVAIL "tentative or failed DAD (add it with nodad)"
	local rc=$?
	ktap_run ip -n "$M" addr del fd00:6::300/128 dev m0
	ktap_run m sysctl -qw net.ipv6.conf.m0.dad_transmits=1
	return $rc
}

t_follower() {
	ktap_run m vrctl dhost set $D6 dev m0 member 2 lead 1 &&
		ktap_run m vrctl dhost show
	ktap_expect_match "listed" "*$D6*member 2*lead 1*" "$KTAP_STDOUT_TEXT"
}

# A member answers no neighbour solicitation for D6, nor echo.
t_follower_silent() {
	capture "$T/na" na $D6 || return 1
	ktap_run c vr-sock ns c0 $D6
	captured "$T/na" "$CAP_PID"
	ktap_expect_eq "no NA for $D6" "total 0" "$CAPTURED" || return 1
	ktap_run ip -n "$C" neigh replace $D6 lladdr $M_MAC dev c0 nud permanent &&
		ktap_run c vr-sock -t 1000 rawping $D6
	ktap_expect_rc 10
	ktap_run ip -n "$C" neigh del $D6 dev c0
}

# NETDEV_CHANGEADDR with ndisc_notify announces every address of m0 but D6.
t_follower_announces_nothing() {
	local d6 one rc
	ktap_run m sysctl -qw net.ipv6.conf.m0.ndisc_notify=1 || return 1
	capture "$T/na-d6" na $D6 || return 1
	d6=$CAP_PID
	capture "$T/na-1" na fd00:6::1 || return 1
	one=$CAP_PID
	ktap_run ip -n "$M" link set m0 address $M_MAC2
	captured "$T/na-d6" "$d6"
	ktap_expect_eq "no NA for $D6" "total 0" "$CAPTURED"
	rc=$?
	captured "$T/na-1" "$one"
	ktap_expect_match "an NA for fd00:6::1" "$M_MAC2 [1-9]* total [1-9]*" "$CAPTURED" ||
		rc=1
	ktap_run ip -n "$M" link set m0 address $M_MAC
	ktap_run m sysctl -qw net.ipv6.conf.m0.ndisc_notify=0
	return $rc
}

# The IPv4 twin: with arp_notify, a MAC address change announces every
# IPv4 address of m0 with a gratuitous ARP, but not a distributed one this
# kernel follows. C's entries tell: an announcement updates them.
t_follower_no_garp() {
	local rc=0
	ktap_run ip -n "$M" addr add 10.6.0.1/24 dev m0 &&
		ktap_run ip -n "$M" addr add 10.6.0.100/32 dev m0 &&
		ktap_run m vrctl dhost set 10.6.0.100 dev m0 member 2 lead 1 &&
		ktap_run ip -n "$C" addr add 10.6.0.2/24 dev c0 &&
		ktap_run ip -n "$C" neigh replace 10.6.0.1 lladdr $MAC_X dev c0 nud stale &&
		ktap_run ip -n "$C" neigh replace 10.6.0.100 lladdr $MAC_X dev c0 nud stale &&
		ktap_run m sysctl -qw net.ipv4.conf.m0.arp_notify=1 &&
		ktap_run ip -n "$M" link set m0 address $M_MAC2 || return 1
	sleep 0.5
	ktap_run ip -n "$C" neigh show 10.6.0.1 dev c0
	ktap_expect_match "10.6.0.1 announced" "*lladdr $M_MAC2*" "$KTAP_STDOUT_TEXT" || rc=1
	ktap_run ip -n "$C" neigh show 10.6.0.100 dev c0
	ktap_expect_match "10.6.0.100 not announced" "*lladdr $MAC_X*" "$KTAP_STDOUT_TEXT" || rc=1
	ktap_run m sysctl -qw net.ipv4.conf.m0.arp_notify=0
	ktap_run ip -n "$M" link set m0 address $M_MAC
	ktap_run m vrctl dhost del 10.6.0.100
	return $rc
}

# A member resolving a neighbour for a packet from D6 solicits from another
# of its addresses: an NS from D6 would point the client's entry for D6 at
# this member.
t_follower_ns_source() {
	local ns rc
	ktap_run ip -n "$M" neigh flush dev m0 && ktap_run ip -n "$C" neigh flush dev c0 ||
		return 1
	capture "$T/ns-src" ns-src $D6 || return 1
	ns=$CAP_PID
	capture "$T/ns" ns fd00:6::2 || return 1
	ktap_run m vr-sock -s $D6 send fd00:6::2 9
	captured "$T/ns-src" "$ns"
	ktap_expect_eq "no NS from $D6" "total 0" "$CAPTURED"
	rc=$?
	captured "$T/ns" "$CAP_PID"
	ktap_expect_match "an NS for fd00:6::2" "$M_MAC [1-9]* total [1-9]*" "$CAPTURED" ||
		rc=1
	ktap_run ip -n "$C" -6 neigh show $D6
	ktap_expect_eq "C has no MAC address for $D6" "" \
		"$(echo "$KTAP_STDOUT_TEXT" | grep -o 'lladdr [0-9a-f:]*')" || rc=1
	return $rc
}

# The lead's unsolicited NA reaches a member without a warning that
# someone "advertised our address".
t_follower_no_warning() {
	local before
	before=$(dmesg | grep -c "advertised our address $D6")
	ktap_run c vr-sock na c0 $D6 || return 1
	sleep 0.5
	ktap_expect_eq "no new warning" "$before" "$(dmesg | grep -c "advertised our address $D6")"
}

# Becoming the lead announces D6, once.
t_becomes_lead() {
	ktap_run ip -n "$C" neigh replace $D6 lladdr $MAC_X dev c0 nud stale &&
		capture "$T/unsol" unsol-na $D6 || return 1
	ktap_run m vrctl dhost set $D6 dev m0 member 1 lead 1
	captured "$T/unsol" "$CAP_PID"
	ktap_expect_eq "one unsolicited NA, from M" "$M_MAC 1 total 1" "$CAPTURED" || return 1
	ktap_run ip -n "$C" -6 neigh show $D6 dev c0
	ktap_expect_match "C's entry for $D6 is M's" "*lladdr $M_MAC*" "$KTAP_STDOUT_TEXT" ||
		return 1
	capture "$T/unsol2" unsol-na $D6 || return 1
	ktap_run m vrctl dhost set $D6 dev m0 member 1 lead 1
	captured "$T/unsol2" "$CAP_PID"
	ktap_expect_eq "still the lead: no NA" "total 0" "$CAPTURED"
}

# The lead answers neighbour solicitations and echo for D6.
t_lead_answers() {
	capture "$T/na-lead" na $D6 || return 1
	ktap_run c vr-sock ns c0 $D6
	captured "$T/na-lead" "$CAP_PID"
	ktap_expect_eq "one NA, from M" "$M_MAC 1 total 1" "$CAPTURED" || return 1
	capture "$T/echo" echo-reply $D6 || return 1
	ktap_run c vr-sock -t 2000 rawping $D6
	ktap_expect_stdout "reply from $D6"
	captured "$T/echo" "$CAP_PID"
	ktap_expect_eq "one echo reply, from M" "$M_MAC 1 total 1" "$CAPTURED"
}

# Lead 0, what a daemon that stood down sets: no lead is known, M is a
# member that is not the lead (silent); the lead again, it announces.
t_no_lead() {
	ktap_run m vrctl dhost set $D6 dev m0 member 1 lead 0 || return 1
	ktap_run m vrctl dhost show
	ktap_expect_match "no lead" "*$D6*member 1 lead - role member*" "$KTAP_STDOUT_TEXT" ||
		return 1
	capture "$T/na-none" na $D6 || return 1
	ktap_run c vr-sock ns c0 $D6
	captured "$T/na-none" "$CAP_PID"
	ktap_expect_eq "no NA" "total 0" "$CAPTURED" || return 1
	capture "$T/unsol3" unsol-na $D6 || return 1
	ktap_run m vrctl dhost set $D6 dev m0 member 1 lead 1
	captured "$T/unsol3" "$CAP_PID"
	ktap_expect_eq "the lead again: one unsolicited NA, from M" "$M_MAC 1 total 1" "$CAPTURED"
}

# t_lead_bridges PROTO PORT [LEN]: what member 2 owns, the lead re-sends as
# an L2 broadcast (a fragmented datagram once reassembled, in fragments
# again: the capture counts first fragments).
t_lead_bridges() {
	ktap_run m vrctl dhost owner add $D6 "$1" "$2" member 2 || return 1
	capture "$T/bridged-$1" bridged $D6 "$2" || return 1
	# (within TCP's first retransmission)
	ktap_run c vr-sock -l "${3:-5}" -t 500 request "$1" $D6 "$2"
	ktap_expect_rc 10
	captured "$T/bridged-$1" "$CAP_PID"
	ktap_expect_eq "bridged once, by M" "$M_MAC 1 total 1" "$CAPTURED"
}

# t_answered KIND PROTO PORT COUNT: a request to D6 PROTO PORT gets COUNT
# answers of KIND (tcp-rst, port-unreach) from M.
t_answered() {
	local want="total 0"
	[ "$4" = 0 ] || want="$M_MAC $4 total $4"
	capture "$T/$1-$3" "$1" $D6 "$3" || return 1
	ktap_run c vr-sock -t 1000 request "$2" $D6 "$3"
	captured "$T/$1-$3" "$CAP_PID"
	ktap_expect_eq "$1 from M" "$want" "$CAPTURED"
}

t_lead_unowned() {
	t_answered tcp-rst tcp 8081 1 && t_answered port-unreach udp 9999 1
}

# A member stays silent for what nobody owns, and delivers what it owns.
t_member_verdicts() {
	ktap_run m vrctl dhost set $D6 dev m0 member 2 lead 1 &&
		ktap_run ip -n "$C" neigh replace $D6 lladdr $M_MAC dev c0 nud permanent &&
		t_answered tcp-rst tcp 8081 0 && t_answered port-unreach udp 9999 0 &&
		t_answered tcp-rst tcp 8080 1
}

# IPv6 sockets on D6, or on ::, claim their port: without a daemon the
# bind fails; other addresses bind.
t_claims() {
	ktap_run m vr-sock bind tcp $D6 8000
	ktap_expect_stdout "error: ENOTCONN" || return 1
	ktap_run m sysctl -qw net.ipv6.bindv6only=1 || return 1
	ktap_run m vr-sock bind udp :: 8000
	ktap_expect_stdout "error: ENOTCONN"
	local rc=$?
	ktap_run m sysctl -qw net.ipv6.bindv6only=0
	[ $rc = 0 ] || return 1
	ktap_bg_ready "$T/ord" ip netns exec "$M" vr-sock bind tcp fd00:6::1 8000 &&
		ktap_bg_ready "$T/v4" ip netns exec "$M" vr-sock bind tcp 0.0.0.0 8000
	rc=$?
	ktap_bg_stop
	return $rc
}

t_del() {
	ktap_run m vrctl dhost del $D6 && ktap_run m vrctl dhost show
	ktap_expect_eq "no distributed address" "" "$KTAP_STDOUT_TEXT"
}

suite() {
	ktap_test_result "setup: member M and client C on a veth pair" t_setup
	ktap_test_result "dhost set refusals: link-local, multicast, loopback, absent, mapped" \
		t_refusals
	ktap_test_result "dhost set refuses a tentative address: EADDRNOTAVAIL" t_tentative
	ktap_test_result "$D6 distributed, M a member (lead 1)" t_follower
	ktap_test_result "a member answers no NS and no echo for $D6" t_follower_silent
	ktap_test_result "a member's unsolicited NAs leave $D6 out" t_follower_announces_nothing
	ktap_test_result "a member sends no gratuitous ARP for a distributed IPv4 address" \
		t_follower_no_garp
	ktap_test_result "a member never solicits from $D6" t_follower_ns_source
	ktap_test_result "a member does not warn of the lead's NA for $D6" t_follower_no_warning
	ktap_test_result "becoming the lead sends one unsolicited NA" t_becomes_lead
	ktap_test_result "the lead answers NS and echo" t_lead_answers
	ktap_test_result "lead 0: no lead, no NA; the lead again announces" t_no_lead
	ktap_test_result "the lead bridges member 2's TCP port" t_lead_bridges tcp 8080
	ktap_test_result "the lead bridges member 2's UDP port, a fragmented datagram too" \
		t_lead_bridges udp 7000 3000
	ktap_test_result "the lead answers unowned ports: one RST, one port unreachable" \
		t_lead_unowned
	ktap_test_result "a member is silent for unowned ports and delivers its own" \
		t_member_verdicts
	ktap_test_result "IPv6 binds on $D6 and an IPv6-only :: claim their port" t_claims
	ktap_test_result "dhost del" t_del
}
ktap_run_suite suite
