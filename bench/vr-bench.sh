#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# VR data-plane benchmark, run in the VM by `make bench` (not a test).
#
# One echo server on the DUT (root netns) per case, one client in a peer
# netns over a veth pair, both with the same addresses:
#
#   vr0-off  VR 0 before any other VR exists (the vr_in_use static key off)
#   vr0      VR 0 once VRs exist (key on)
#   vr1      the server's socket and the interface in VR 1
#   vrf      the interface enslaved to a VRF device, the server bound to it
#
# For each of udp_rr, tcp_rr and tcp_crr (vr-sock bench), ROUNDS rounds of
# SECS seconds, interleaved between vr0, vr1 and vrf so that drift of the
# shared machine hits all three alike. Prints "BENCH kind case rate" lines
# and a table of the ratios vr1/vr0, vr1/vrf and vr0/vr0-off.

SECS=${VR_BENCH_SECS:-2}
ROUNDS=${VR_BENCH_ROUNDS:-3}
LIB=/tests/lib
. "$LIB/iproute2.sh" || exit 1
set -e

peer() {	# CASE DUT-IF PEER-IF
	ip netns add "b-$1"
	ip link add "$2" type veth peer name "$3" netns "b-$1"
	ip -n "b-$1" addr add 10.0.0.2/24 dev "$3"
	ip -n "b-$1" link set "$3" up
	ip -n "b-$1" link set lo up
}

up() {		# DUT-IF
	ip addr add 10.0.0.1/24 dev "$1"
	ip link set "$1" up
}

servers() {	# CASE SOCKET-OPTIONS...
	local c=$1
	shift
	vr-sock "$@" echo tcp 0.0.0.0 9000 > "/tmp/b-$c.tcp" &
	vr-sock "$@" echo udp 0.0.0.0 9000 > "/tmp/b-$c.udp" &
	sleep 0.5
}

run() {		# CASE KIND
	ip netns exec "b-$1" vr-sock bench "$2" 10.0.0.1 9000 "$SECS" |
		awk -v c="$1" '{ print "BENCH", $1, c, $2 }'
}

# VR 0 with the static key off: nothing but VR 0 exists yet.
peer vr0-off d0 e0
up d0
servers vr0-off
for r in $(seq "$ROUNDS"); do
	for k in udp_rr tcp_rr tcp_crr; do
		run vr0-off "$k"
	done
done
kill $(jobs -p) 2>/dev/null || true
wait 2>/dev/null || true
ip link del d0
ip netns del b-vr0-off

vrctl create 1 name bench
peer vr0 d0 e0
up d0
peer vr1 d1 e1
vrctl assign d1 1
up d1
peer vrf d3 e3
ip link add vrf-b type vrf table 100
ip link set vrf-b up
ip link set d3 master vrf-b
up d3
servers vr0 -v 0
sleep 0.2
# Different ports would change the hash chains; separate servers per case
# instead, each reachable only in its own context, all on port 9000.
servers vr1 -v 1
servers vrf -v 0 -d vrf-b
for r in $(seq "$ROUNDS"); do
	for k in udp_rr tcp_rr tcp_crr; do
		for c in vr0 vr1 vrf; do
			run "$c" "$k"
		done
	done
done
kill $(jobs -p) 2>/dev/null || true
