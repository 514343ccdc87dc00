#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: network namespaces with VRs and distributed IPv4 and IPv6 addresses
# are torn down while traffic flows into them and a daemon listens to their dhost
# group, as a busy host's containers are: the per-namespace state of net/vr
# (registry, distributed-host table read per packet under RCU, waiting
# claims) must go away without a use after free or a leak (on a debug
# kernel, KASAN, lockdep and kmemleak judge: check the kernel log after the
# run).
#
#   netns vrtd-PID-N                         netns vrtp-PID-N
#   +----------------------------------+     +---------------------------+
#   | v0 10.8.0.1/24, D 10.8.0.100/32  |-----| v1 10.8.0.2/24            |
#   |    fd00:8::1/64, D6 fd00:8::100  |     |    fd00:8::2/64           |
#   | VR 3 (d3, dummy), D, D6 distrib. |     | UDP requests and pings    |
#   | vr-claimd, UDP servers on D, D6  |     | to D and D6, no pause     |
#   +----------------------------------+     +---------------------------+

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
T=$(mktemp -d /tmp/vr-td.XXXXXX) || exit 1
D=10.8.0.100
D6=fd00:8::100
ROUNDS=${VR_TEARDOWN_ROUNDS:-2}
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for n in $(ip netns list | awk '/^vrt[dp]-'$$'-/ { print $1 }'); do ip netns del "$n"; done
	rm -rf "$T" "$KTAP_TMPDIR"
}
ktap_trap_cleanup cleanup

# bg NETNS OUT CMD...: run CMD in NETNS in the background.
bg() {
	ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 </dev/null &
	PIDS="$PIDS $!"
	LAST=$!
}

# wait_file FILE TEXT: up to 10 s for a line TEXT in FILE.
wait_file() {
	w=0
	while [ $w -lt 100 ]; do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		w=$((w + 1))
	done
	ktap_print_file "$(basename "$1"): " "$1"
	ktap_check_fail "no line '$2' in $(basename "$1")"
}

round() {
	local req="vr-sock -t 20 request udp"
	ns=vrtd-$$-$1 peer=vrtp-$$-$1
	ktap_run ip netns add "$ns" && ktap_run ip netns add "$peer" &&
		ktap_run ip link add v0 netns "$ns" type veth peer name v1 netns "$peer" || return 1
	ktap_run ip netns exec "$ns" sh -c "ip link set lo up && ip link set v0 up &&
		ip addr add 10.8.0.1/24 dev v0 && ip addr add $D/32 dev v0 &&
		ip link add d3 type dummy && ip link set d3 up && ip addr add 10.8.3.1/24 dev d3 &&
		vrctl create 3 && vrctl assign d3 3 &&
		vrctl dhost set $D dev v0 member 1 lead 1" || return 1
	# iproute2's ip for nodad (busybox's in sh -c lacks it)
	ktap_run ip -n "$ns" addr add fd00:8::1/64 dev v0 nodad &&
	ktap_run ip -n "$ns" addr add $D6/128 dev v0 nodad &&
	ktap_run ip netns exec "$ns" vrctl dhost set $D6 dev v0 member 1 lead 1 &&
	ktap_run ip netns exec "$peer" sh -c "ip link set lo up && ip link set v1 up &&
		ip addr add 10.8.0.2/24 dev v1" &&
	ktap_run ip -n "$peer" addr add fd00:8::2/64 dev v1 nodad || return 1
	# The daemon stand-in grants every claim; the server's bind is one.
	bg "$ns" "$T/claimd-$1" vr-claimd -t 120000
	wait_file "$T/claimd-$1" ready || return 1
	bg "$ns" "$T/server-$1" vr-sock serve udp $D 7000 hi
	wait_file "$T/server-$1" ready || return 1
	bg "$ns" "$T/server6-$1" vr-sock serve udp $D6 7000 hi6
	wait_file "$T/server6-$1" ready || return 1
	ktap_run ip netns exec "$peer" vr-sock request udp $D 7000
	ktap_expect_stdout hi || return 1
	ktap_run ip netns exec "$peer" vr-sock -t 3000 request udp $D6 7000
	ktap_expect_stdout hi6 || return 1
	bg "$peer" "$T/traffic-$1" sh -c "while :; do $req $D 7000; $req $D 7001;
		$req $D6 7000; $req $D6 7001; vr-sock -t 20 rawping $D6; done"
	traffic=$LAST
	bg "$peer" "$T/ping-$1" ping -q -i 0.01 $D
	ping=$LAST
	sleep 1
	# Everything in the namespace goes at once; the traffic does not stop.
	ktap_run ip netns pids "$ns"
	for p in $KTAP_STDOUT_TEXT; do kill -9 "$p" 2>/dev/null; done
	ktap_run ip netns del "$ns"
	sleep 1
	kill "$traffic" "$ping" 2>/dev/null
	wait "$traffic" "$ping" 2>/dev/null
	ktap_run ip netns del "$peer"
	ktap_expect_eq "namespaces left" "" "$(ip netns list | grep -E "^($ns|$peer)( |\$)")"
}

suite() {
	r=1
	while [ $r -le "$ROUNDS" ]; do
		ktap_test_result "round $r: torn down with traffic and a daemon attached" \
			round $r
		r=$((r + 1))
	done
}
ktap_run_suite suite
