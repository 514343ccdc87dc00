#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: randomized cross-VR traffic. Three VRs with identical
# addressing; a random sequence of senders, receivers, protocols and
# socket options; after every step, the answer must come from the
# sender's own VR (or be refused), and no peer other than the sender's VR's
# own may have received an IPv4 packet (Ip InReceives, counted at every peer).
#
#   netns rnd-PID (VRs 0, 1, 2)            netns rpV-PID, V = 0, 1, 2
#   +----------------------------+         +---------------------+
#   | aV 10.9.0.1/24 (VR V)      |-- veth -| bV 10.9.0.2/24      |
#   | servers of VR V on         |         | servers on          |
#   |  10.9.0.1:6000/udp, 6001/tcp,|       |  10.9.0.2:6000/udp, |
#   |  0.0.0.0:6002/udp, reply "vrV"|      |  6001/tcp, 6002/udp |
#   +----------------------------+         |  reply "peerV"      |
#                                          +---------------------+
# The veths have an MTU of 1000, so a 2500-byte datagram is fragmented.
#
# Steps (kinds): out (a socket of VR u to 10.9.0.2, UDP or TCP, with no
# option, SO_BINDTODEVICE or IP_UNICAST_IF naming aW: answered by peer u, or
# ENETUNREACH when W is another VR's; TCP ignores IP_UNICAST_IF), in (peer x
# to 10.9.0.1: answered by VR x), wild (peer x to VR x's wildcard server),
# frag (peer x, 2500 bytes: reassembled and answered in VR x), bcast (VR u
# to 10.9.0.255: answered by peer u, or by VR u's own wildcard server, which
# gets a looped-back copy), ping (a raw ICMP echo from VR u: only peer u
# sees it).
#
# VR_RANDOM_SEED replays a run (the seed is printed); VR_RANDOM_STEPS sets
# the number of steps (default 60).

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

fresh_netns "$HERE/$(basename "$0")" rnd rp0 rp1 rp2
# shellcheck disable=SC2086 # one word per namespace
set -- $VR_NETNS_PEERS
PEER0=$1
PEER1=$2
PEER2=$3
VRS="0 1 2"

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-rnd.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

SEED=${VR_RANDOM_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
STEPS=${VR_RANDOM_STEPS:-60}

peer() { eval echo "\$PEER$1"; }

t_setup() {
	local v p
	ktap_run ip link set lo up &&
	ktap_run vrctl create 1 &&
	ktap_run vrctl create 2 || return 1
	for v in $VRS; do
		p=$(peer "$v")
		ktap_run ip link add "a$v" mtu 1000 type veth peer name "b$v" netns "$p" &&
		ktap_run vrctl assign "a$v" "$v" &&
		ktap_run ip addr add 10.9.0.1/24 brd + dev "a$v" &&
		ktap_run ip link set "a$v" up &&
		ktap_run ip -n "$p" link set lo up &&
		ktap_run ip -n "$p" link set "b$v" mtu 1000 &&
		ktap_run ip -n "$p" addr add 10.9.0.2/24 brd + dev "b$v" &&
		ktap_run ip -n "$p" link set "b$v" up &&
		ktap_bg_ready "$T/s$v-u" vr-sock -v "$v" serve udp 10.9.0.1 6000 "vr$v" &&
		ktap_bg_ready "$T/s$v-t" vr-sock -v "$v" serve tcp 10.9.0.1 6001 "vr$v" &&
		ktap_bg_ready "$T/s$v-w" vr-sock -v "$v" serve udp 0.0.0.0 6002 "vr$v" &&
		ktap_bg_ready "$T/p$v-u" ip netns exec "$p" \
			vr-sock serve udp 10.9.0.2 6000 "peer$v" &&
		ktap_bg_ready "$T/p$v-t" ip netns exec "$p" \
			vr-sock serve tcp 10.9.0.2 6001 "peer$v" &&
		ktap_bg_ready "$T/p$v-w" ip netns exec "$p" \
			vr-sock serve udp 0.0.0.0 6002 "peer$v" ||
			return 1
	done
	# every peer's and VR's neighbour resolved before any count is taken
	for v in $VRS; do
		ktap_run vr-sock -v "$v" request udp 10.9.0.2 6000 || return 1
		ktap_expect_stdout "peer$v" || return 1
	done
	sleep 1
}

# received V: IPv4 packets received by peer V so far (Ip InReceives).
received() {
	ip netns exec "$(peer "$1")" cat /proc/net/snmp |
		awk '$1 == "Ip:" { if (h) { print $4; exit } h = 1 }'
}

counts() {
	echo "$(received 0) $(received 1) $(received 2)"
}

# only_peer BEFORE AFTER V: no peer but V (none if V is -) received a packet.
only_peer() {
	local v i=0 b a
	for v in $VRS; do
		i=$((i + 1))
		b=$(echo "$1" | cut -d' ' -f$i)
		a=$(echo "$2" | cut -d' ' -f$i)
		[ "$v" = "$3" ] && continue
		[ "$a" = "$b" ] && continue
		ktap_check_fail "peer $v received $((a - b)) packet(s)"
		return 1
	done
}

# step KIND U W PROTO OPT: one step; fails on a cross-VR delivery, a missing
# answer or a packet at another VR's peer.
step() {
	local kind=$1 u=$2 w=$3 proto=$4 opt=$5 before after want alt='' expect_peer port
	port=6000
	[ "$proto" = tcp ] && port=6001
	before=$(counts)
	case $kind in
	out)
		want="peer$u" expect_peer=$u
		case $opt in
		dev) set -- -d "a$w" ;;
		uif) set -- -i "a$w" ;;
		*) set -- ;;
		esac
		# IP_UNICAST_IF applies to datagram sockets only: TCP ignores it
		if [ "$opt" != none ] && [ "$w" != "$u" ] &&
			{ [ "$opt" = dev ] || [ "$proto" = udp ]; }; then
			want="error: ENETUNREACH" expect_peer=-
		fi
		ktap_run vr-sock -t 3000 -v "$u" "$@" request "$proto" 10.9.0.2 "$port"
		;;
	in)
		want="vr$u" expect_peer=$u
		ktap_run ip netns exec "$(peer "$u")" \
			vr-sock -t 3000 request "$proto" 10.9.0.1 "$port"
		;;
	wild)
		want="vr$u" expect_peer=$u
		ktap_run ip netns exec "$(peer "$u")" vr-sock -t 3000 request udp 10.9.0.1 6002
		;;
	frag)
		want="vr$u" expect_peer=$u
		ktap_run ip netns exec "$(peer "$u")" \
			vr-sock -t 3000 -l 2500 request udp 10.9.0.1 6000
		;;
	bcast)
		# the broadcast is looped back to VR u's own wildcard server too
		want="peer$u" alt="vr$u" expect_peer=$u
		ktap_run vr-sock -t 3000 -v "$u" -b request udp 10.9.0.255 6002
		;;
	ping)
		want="" expect_peer=$u
		ktap_run vr-sock -t 3000 -v "$u" rawping 10.9.0.2
		;;
	esac
	# the last packets of the exchange (TCP's FINs) are in before counting
	sleep 0.5
	after=$(counts)
	if [ -n "$want" ] && [ "$KTAP_STDOUT_TEXT" != "$want" ] &&
		{ [ -z "$alt" ] || [ "$KTAP_STDOUT_TEXT" != "$alt" ]; }; then
		ktap_check_fail "answer: want '$want', got '$KTAP_STDOUT_TEXT'"
		return 1
	fi
	if [ "$kind" = ping ] && [ "$KTAP_RC" != 0 ]; then
		ktap_check_fail "ping from VR $u to its peer failed"
		return 1
	fi
	only_peer "$before" "$after" "$expect_peer"
}

# The plan: one line "KIND U W PROTO OPT" per step, from the seed.
plan() {
	awk -v seed="$SEED" -v n="$STEPS" 'BEGIN {
		srand(seed)
		split("out out out in in wild frag bcast ping", kinds, " ")
		split("none dev uif", opts, " ")
		for (i = 0; i < n; i++) {
			k = kinds[1 + int(rand() * 9)]
			u = int(rand() * 3); w = int(rand() * 3)
			p = rand() < 0.5 ? "udp" : "tcp"
			if (k == "wild" || k == "frag" || k == "bcast" || k == "ping")
				p = "udp"
			print k, u, w, p, opts[1 + int(rand() * 3)]
		}
	}'
}

t_random() {
	local n=0 kind u w proto opt
	echo "# seed $SEED, $STEPS steps (replay with VR_RANDOM_SEED=$SEED)"
	plan > "$T/plan"
	while read -r kind u w proto opt; do
		n=$((n + 1))
		echo "# step $n: $kind vr $u other $w $proto $opt"
		step "$kind" "$u" "$w" "$proto" "$opt" || {
			echo "# failed at step $n of seed $SEED"
			return 1
		}
	done < "$T/plan"
}

suite() {
	local desc="random cross-VR traffic: every answer from the sender's VR"
	ktap_test_result "setup: VRs 0, 1, 2 with the same addresses, a peer each" t_setup
	ktap_test_result "$desc, no packet at another VR's peer" \
		t_random
}
ktap_run_suite suite
