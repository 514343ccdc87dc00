#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# VR benchmark, run in a VM by `make bench` (scripts/bench.sh; not a test).
# VR_BENCH_SET says which part this VM runs:
#
#   base     on the unpatched kernel: VR 0, local and forwarded
#   patched  on the patched kernel: the same before any VR exists ("off":
#            the vr_in_use static key off), then with VR 1 in use: VR 0,
#            VR 1 and a VRF, local and forwarded, interleaved
#   scale    on the patched kernel: 4,096 VRs (VR_BENCH_VRS): the time and
#            slab memory to create them and to dump them, against as many
#            VRF devices made with `ip -batch`; traffic in the last VR
#            against VR 1
#
# Every case runs over IPv4 and over IPv6 (its label with a 6 appended:
# vr06, fvr16, ...), on the same links, with echo servers of each family.
#
# Local cases: a client in its own netns sends to an echo server on the
# DUT (the VM's root netns) over a veth pair. Forwarding cases: a client
# netns and a server netns, each on a veth pair to the DUT, which routes
# between them in VR 0, in a VR or through a VRF. Every case has its own
# subnets and its own server port, so every server socket sits alone in
# its hash chains: each case scores the same number of sockets, whatever
# other cases exist.
#
# For each kind (udp_rr, tcp_rr, tcp_crr: `vr-sock bench`), one run of
# VR_BENCH_SECS seconds per case, the cases of a phase interleaved. Prints
#   BENCH <kind> <case> <transactions per second>
#   BENCHCP <what> <value>
# scripts/bench.sh turns these into ratios.
#
# VR_BENCH_MARK=<label> (make bench-profile): run only the case of that
# label, between two sync(2) calls that mark the window for the
# instruction profile (bench/tbprof.c).

SECS=${VR_BENCH_SECS:-2}
KINDS=${VR_BENCH_KINDS:-udp_rr tcp_rr tcp_crr}
NVRS=${VR_BENCH_VRS:-4096}
MARK=${VR_BENCH_MARK:-}
SET=${VR_BENCH_SET:-patched}
LIB=/tests/lib
. "$LIB/iproute2.sh" || exit 1
set -e

sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv6.conf.all.forwarding=1
# No address-space randomisation: where the stack and the mappings land
# decides how many page-table pages every fork of an echo server copies
# and frees, which moved tcp_crr by 0.7% between two runs of one kernel.
sysctl -qw kernel.randomize_va_space=0

# attach IFACE VR MASTER: into VR VR (vrctl assign, not for VR 0) or
# enslaved to MASTER ("-" for none).
attach() {
	[ "$2" = 0 ] || vrctl assign "$1" "$2" > /dev/null
	[ "$3" = - ] || ip link set "$1" master "$3"
}

# local_case CASE N VR MASTER [SOCKET-OPTIONS...]: client netns "c-CASE"
# on veth lN/pN, subnets 10.N.0.0/24 and fdN::/64, echo servers (TCP and
# UDP) on port 9000+N (IPv4) and 9500+N (IPv6, case CASE6).
local_case() {
	local c=$1 n=$2 vr=$3 master=$4
	shift 4
	ip netns add "c-$c"
	ip link add "l$n" type veth peer name "p$n" netns "c-$c"
	attach "l$n" "$vr" "$master"
	ip addr add "10.$n.0.1/24" dev "l$n"
	ip addr add "fd$n::1/64" dev "l$n" nodad
	ip link set "l$n" up
	ip -n "c-$c" addr add "10.$n.0.2/24" dev "p$n"
	ip -n "c-$c" addr add "fd$n::2/64" dev "p$n" nodad
	ip -n "c-$c" link set "p$n" up
	ip -n "c-$c" link set lo up
	vr-sock "$@" echo tcp 0.0.0.0 $((9000 + n)) > /dev/null &
	vr-sock "$@" echo udp 0.0.0.0 $((9000 + n)) > /dev/null &
	vr-sock "$@" echo tcp "fd$n::1" $((9500 + n)) > /dev/null &
	vr-sock "$@" echo udp "fd$n::1" $((9500 + n)) > /dev/null &
	echo "$c 10.$n.0.1 $((9000 + n)) c-$c" >> /tmp/bench-cases
	echo "${c}6 fd$n::1 $((9500 + n)) c-$c" >> /tmp/bench-cases
}

# fwd_case CASE N VR MASTER: client netns "fc-CASE" (10.N.1.2, fdN:1::2)
# and server netns "fs-CASE" (10.N.2.2, fdN:2::2, echo servers on port
# 9000), each on a veth to the DUT (xN, yN), which routes between them in
# VR VR or through MASTER.
fwd_case() {
	local c=$1 n=$2 vr=$3 master=$4 s dev ns
	ip netns add "fc-$c"
	ip netns add "fs-$c"
	ip link add "x$n" type veth peer name "p$n" netns "fc-$c"
	ip link add "y$n" type veth peer name "p$n" netns "fs-$c"
	for s in 1 2; do
		dev=x$n
		[ $s = 1 ] || dev=y$n
		attach "$dev" "$vr" "$master"
		ip addr add "10.$n.$s.1/24" dev "$dev"
		ip addr add "fd$n:$s::1/64" dev "$dev" nodad
		ip link set "$dev" up
	done
	ip -n "fc-$c" addr add "10.$n.1.2/24" dev "p$n"
	ip -n "fs-$c" addr add "10.$n.2.2/24" dev "p$n"
	ip -n "fc-$c" addr add "fd$n:1::2/64" dev "p$n" nodad
	ip -n "fs-$c" addr add "fd$n:2::2/64" dev "p$n" nodad
	for ns in "fc-$c" "fs-$c"; do
		ip -n "$ns" link set "p$n" up
		ip -n "$ns" link set lo up
	done
	ip -n "fc-$c" route add default via "10.$n.1.1"
	ip -n "fs-$c" route add default via "10.$n.2.1"
	ip -n "fc-$c" -6 route add default via "fd$n:1::1"
	ip -n "fs-$c" -6 route add default via "fd$n:2::1"
	ip netns exec "fs-$c" vr-sock echo tcp 0.0.0.0 9000 > /dev/null &
	ip netns exec "fs-$c" vr-sock echo udp 0.0.0.0 9000 > /dev/null &
	ip netns exec "fs-$c" vr-sock echo tcp "fd$n:2::2" 9000 > /dev/null &
	ip netns exec "fs-$c" vr-sock echo udp "fd$n:2::2" 9000 > /dev/null &
	echo "$c 10.$n.2.2 9000 fc-$c" >> /tmp/bench-cases
	echo "${c}6 fd$n:2::2 9000 fc-$c" >> /tmp/bench-cases
}

# run LABEL CASE KIND: one measurement, printed as a BENCH line.
run() {
	local label=$1 c=$2 kind=$3 addr port ns
	[ -z "$MARK" ] || [ "$MARK" = "$label" ] || return 0
	read -r addr port ns <<-EOF
	$(awk -v c="$c" '$1 == c { print $2, $3, $4 }' /tmp/bench-cases)
	EOF
	[ -z "$MARK" ] || sync
	ip netns exec "$ns" vr-sock bench "$kind" "$addr" "$port" "$SECS" > /tmp/bench.out
	[ -z "$MARK" ] || sync
	awk -v c="$label" '{ print "BENCH", $1, c, $2, $3 }' /tmp/bench.out
}

# phase "LABEL:CASE ...": every kind, the cases interleaved.
phase() {
	local k lc
	sleep 0.5	# the servers are listening
	for k in $KINDS; do
		for lc in $1; do
			run "${lc%%:*}" "${lc#*:}" "$k"
		done
	done
}

# uptime in centiseconds (guest time: instructions under -icount)
cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
used_kb() { awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } END { print t - f }' /proc/meminfo; }

# created WHAT CMD...: run CMD (its output in /tmp/created.out), which makes
# NVRS objects; print the guest time it took and the slab and memory in use
# it added per object.
created() {
	local what=$1 s0 u0 t0
	shift
	s0=$(slab_kb) u0=$(used_kb) t0=$(cs)
	"$@" > /tmp/created.out
	echo "BENCHCP ${what}_create_cs $(($(cs) - t0))"
	echo "BENCHCP ${what}_slab_bytes $((($(slab_kb) - s0) * 1024 / NVRS))"
	echo "BENCHCP ${what}_mem_bytes $((($(used_kb) - u0) * 1024 / NVRS))"
}

# dumped WHAT CMD...: the guest time CMD takes, and the lines it prints.
dumped() {
	local what=$1 t0 n
	shift
	t0=$(cs)
	n=$("$@" | wc -l)
	echo "BENCHCP ${what}_dump_cs $(($(cs) - t0))"
	echo "BENCHCP ${what}_dump_lines $n"
}

: > /tmp/bench-cases
case "$SET" in
base | patched)
	# The same population in both kernels before any VR exists.
	ip link add vrf-l type vrf table 100
	ip link set vrf-l up
	ip link add vrf-f type vrf table 101
	ip link set vrf-f up
	local_case vr0 1 0 -
	local_case vrf 3 0 vrf-l -d vrf-l
	fwd_case fvr0 1 0 -
	fwd_case fvrf 3 0 vrf-f
	if [ "$SET" = base ]; then
		phase "base:vr0 fbase:fvr0 base6:vr06 fbase6:fvr06"
	else
		phase "off:vr0 foff:fvr0 off6:vr06 foff6:fvr06"
		vrctl create 1 name bench > /dev/null
		local_case vr1 2 1 - -v 1
		fwd_case fvr1 2 1 -
		phase "vr0:vr0 vr1:vr1 vrf:vrf fvr0:fvr0 fvr1:fvr1 fvrf:fvrf"
		phase "vr06:vr06 vr16:vr16 vrf6:vrf6 fvr06:fvr06 fvr16:fvr16 fvrf6:fvrf6"
	fi
	;;
scale)
	sysctl -qw net.vr.max_vrs="$NVRS"
	# VR_CMD_CREATE (1) with VR_A_ID (1) = 1, 2, ..., NVRS from one process
	created vr vr-nlraw --repeat "$NVRS" 1 u32:1=1
	out=$(cat /tmp/created.out)
	case "$out" in *"errno=0 "*"repeated=$NVRS"*) ;; *) echo "vr-nlraw: $out" >&2; exit 1 ;; esac
	# as many requests that only read (get VR 0, 1, ...): the cost of the
	# netlink round trip alone
	t0=$(cs)
	vr-nlraw --repeat "$NVRS" 3 u32:1=0 > /dev/null
	echo "BENCHCP vr_get_cs $(($(cs) - t0))"
	dumped vr vrctl list
	local_case vr1 2 1 - -v 1
	local_case vrlast 4 "$NVRS" - -v "$NVRS"
	phase "vr1s:vr1 vrlast:vrlast"
	awk -v n="$NVRS" 'BEGIN { for (i = 1; i <= n; i++) printf "link add vrf%d type vrf table %d\n", i, 1000 + i }' > /tmp/vrf.batch
	created vrf ip -batch /tmp/vrf.batch
	dumped vrf ip -o link show type vrf
	;;
*)
	echo "vr-bench: unknown VR_BENCH_SET '$SET'" >&2
	exit 1
	;;
esac
kill $(jobs -p) 2>/dev/null || true
wait 2>/dev/null || true
echo "BENCH-DONE $SET"
