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
#   dhost    on the patched kernel: the distributed host's ownership table
#            with the echo servers' 4 entries ("dh1") and with 100,000
#            more (VR_BENCH_DH_ENTRIES; "dh100k"), in two member namespaces
#            side by side: the guest time of single owner-set/owner-del
#            updates (claim, move, release) and request/response through
#            the member; then the bind (claim) latency with a Raft group of
#            three vr-dhostd. VR_BENCH_ROUNDS rounds (default 3) inside the
#            VM, interleaved. See dhost_set below.
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
#   BENCH <kind> <case> <transactions per second> <transactions>
#   BENCHCP <what> <value>
# (set dhost also BENCH claim|move|release <case> <updates per second>
# <updates>). scripts/bench.sh turns these into ratios.
#
# VR_BENCH_MARK=<label> (make bench-profile): run only the case of that
# label, between two sync(2) calls that mark the window for the
# instruction profile (bench/tbprof.c).

SECS=${VR_BENCH_SECS:-2}
KINDS=${VR_BENCH_KINDS:-udp_rr tcp_rr tcp_crr}
NVRS=${VR_BENCH_VRS:-4096}
MARK=${VR_BENCH_MARK:-}
SET=${VR_BENCH_SET:-patched}
ROUNDS=${VR_BENCH_ROUNDS:-3}
# set dhost: entries of the big table, the guest seconds its load may take,
# the updates per measurement, the binds per bind-latency run
DH_ENTRIES=${VR_BENCH_DH_ENTRIES:-100000}
DH_LOAD_SECS=${VR_BENCH_DH_LOAD_SECS:-300}
DH_UPDATES=${VR_BENCH_DH_UPDATES:-5000}
DH_BINDS=${VR_BENCH_DH_BINDS:-1000}
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

# --- set dhost: the distributed host's ownership table ---------------------
#
# Two member namespaces side by side, each a DUT with a client namespace on
# a veth pair (dh_ns): "small" (its table holds the 4 port entries of its
# echo servers: labels dh1, dh16) and "big" (the same, and DH_ENTRIES
# connection entries loaded by dh_load: dh100k, dh100k6). Then ROUNDS
# rounds, each: the update cost in small, then in big (dh_updates), then
# request/response through each member (phase: udp_rr, tcp_rr, tcp_crr,
# IPv4 and IPv6, the four cases interleaved). Then the bind latency with a
# Raft group (dh_raft). Netlink command and attribute numbers are those of
# include/uapi/linux/vr.h: VR_CMD_OWNER_SET 11, VR_CMD_OWNER_DEL 12,
# VR_CMD_OWNER_GET 13; VR_A_OWNER_ADDR 1, PROTO 3, PORT 4, REMOTE 6,
# REMOTE_PORT 7, MEMBER 8 (addresses big-endian: vr-nlraw bin: payloads).
DH_PORT=7000
DH_PIDS=

# field NAME LINE: the value of " NAME=" in a vr-nlraw or vr-sock line.
field() {
	echo "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1
}

# hexaddr A.B.C.D: the address's four bytes in network order, in hex.
hexaddr() {
	local a b c d
	IFS=. read -r a b c d <<-EOF
	$1
	EOF
	printf '%02x%02x%02x%02x\n' "$a" "$b" "$c" "$d"
}

# bg_ready OUT CMD...: CMD in the background, its output in OUT, its pid
# added to DH_PIDS; waits until it prints "ready" (the bench fails if it
# does not within 10 s). CMD is a program, not the ip function of
# iproute2.sh: a function would run in a subshell, whose pid $! would be,
# and killing that would leave CMD running ("$IPROUTE2" netns exec execs
# the command without a fork).
bg_ready() {
	local out=$1 i=0 pid
	shift
	: > "$out"
	"$@" > "$out" 2>&1 &
	pid=$!
	DH_PIDS="$DH_PIDS $pid"
	until grep -qx ready "$out"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "vr-bench: not ready: $*" >&2
			cat "$out" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# dh_ns NAME N LABEL: the member netns "dh-NAME" (the DUT) and its client
# netns "dhc-NAME" on a veth pair (dd0, dc0), subnets 10.20N.0.0/24 and
# fd20:N::/64. D = 10.20N.0.100 and D6 = fd20:N::100 (nodad) on dd0 are
# distributed with this kernel as member 2 and member 1 as the lead: a
# follower, which answers no ARP or neighbour solicitation for them, so
# both ends have static neighbour entries. Echo servers (TCP, UDP) on D
# and D6 port DH_PORT are bound before the addresses are distributed (a
# bind on a distributed address is a claim, refused with ENOTCONN when no
# daemon runs; sockets bound before are left alone), then their 4 port
# entries are owned by member 2. Cases LABEL (D) and LABEL6 (D6).
dh_ns() {
	local c=$1 n=$2 dut=dh-$1 cl=dhc-$1 d=10.20$2.0.100 d6=fd20:$2::100 p
	local dmac=02:00:00:dd:0$2:01 cmac=02:00:00:dd:0$2:02
	ip netns add "$dut"
	ip netns add "$cl"
	ip -n "$dut" link add dd0 address "$dmac" type veth peer name dc0 address "$cmac" \
		netns "$cl"
	ip -n "$dut" link set lo up
	ip -n "$cl" link set lo up
	ip -n "$dut" addr add "10.20$n.0.1/24" dev dd0
	ip -n "$dut" addr add "$d/32" dev dd0
	ip -n "$dut" addr add "fd20:$n::1/64" dev dd0 nodad
	ip -n "$dut" addr add "$d6/128" dev dd0 nodad
	ip -n "$cl" addr add "10.20$n.0.2/24" dev dc0
	ip -n "$cl" addr add "fd20:$n::2/64" dev dc0 nodad
	ip -n "$dut" link set dd0 up
	ip -n "$cl" link set dc0 up
	ip -n "$cl" neigh replace "$d" lladdr "$dmac" dev dc0 nud permanent
	ip -n "$cl" neigh replace "$d6" lladdr "$dmac" dev dc0 nud permanent
	ip -n "$dut" neigh replace "10.20$n.0.2" lladdr "$cmac" dev dd0 nud permanent
	ip -n "$dut" neigh replace "fd20:$n::2" lladdr "$cmac" dev dd0 nud permanent
	for p in tcp udp; do
		bg_ready "/tmp/dh-$c-$p" "$IPROUTE2" netns exec "$dut" \
			vr-sock echo "$p" "$d" "$DH_PORT"
		bg_ready "/tmp/dh-$c-${p}6" "$IPROUTE2" netns exec "$dut" \
			vr-sock echo "$p" "$d6" "$DH_PORT"
	done
	ip netns exec "$dut" vrctl dhost set "$d" dev dd0 member 2 lead 1
	ip netns exec "$dut" vrctl dhost set "$d6" dev dd0 member 2 lead 1
	for p in tcp udp; do
		ip netns exec "$dut" vrctl dhost owner add "$d" "$p" "$DH_PORT" member 2
		ip netns exec "$dut" vrctl dhost owner add "$d6" "$p" "$DH_PORT" member 2
	done
	echo "$3 $d $DH_PORT $cl" >> /tmp/bench-cases
	echo "${3}6 $d6 $DH_PORT $cl" >> /tmp/bench-cases
}

# dh_entries NS: the number of ownership entries of NS (an owner-get
# dump: one message each).
dh_entries() {
	field entries "$(ip netns exec "$1" vr-nlraw --dump --timeout 120 13)"
}

# dh_load NS D: DH_ENTRIES connection entries of D owned by member 3 (tcp
# port 8000 from 10.99.0.R port P: P = 1..50,000 for R = 1, 2, ...), one
# owner-set request each (vr-nlraw --repeat: the remote port counts), for at
# most DH_LOAD_SECS of guest time. The table of sorted arrays (before the
# hash table) copies itself on every update, so its load is quadratic, and
# cannot grow past about 87,000 entries (an array passes KMALLOC_MAX_SIZE):
# the load then stops, and the report says where (dh_load_entries) and why
# (dh_load_status: ok, time, or the errno of the refused request).
dh_load() {
	local ns=$1 dhex left=$DH_ENTRIES loaded=0 us=0 r=0 chunk out n u t status=ok
	dhex=$(hexaddr "$2")
	while [ "$left" -gt 0 ]; do
		t=$((DH_LOAD_SECS - us / 1000000))
		[ "$t" -gt 0 ] || { status='time'; break; }
		r=$((r + 1))
		chunk=$left
		[ "$chunk" -le 50000 ] || chunk=50000
		out=$(ip netns exec "$ns" vr-nlraw --time --timeout 120 --max-time "$t" \
			--repeat "$chunk" 11 u32:7=1 bin:1="$dhex" u32:3=6 u32:4=8000 \
			bin:6="$(printf '0a6300%02x' "$r")" u32:8=3) || true
		echo "# dhost load, remote 10.99.0.$r: $out"
		n=$(field repeated "$out")
		u=$(field usecs "$out")
		loaded=$((loaded + ${n:-0}))
		us=$((us + ${u:-0}))
		left=$((left - ${n:-0}))
		case "$out" in
		"errno=0 "*"stopped=time"*) status='time'; break ;;
		"errno=0 "*) ;;
		*)
			status=$(field name "$out")
			status=${status:-failed}
			break
			;;
		esac
	done
	[ "$status" = ok ] || echo "# dhost load failed at $loaded entries ($status)"
	echo "BENCHCP dh_load_want $DH_ENTRIES"
	echo "BENCHCP dh_load_entries $loaded"
	echo "BENCHCP dh_load_us $us"
	echo "BENCHCP dh_load_status $status"
	echo "BENCHCP dh_load_limit_s $DH_LOAD_SECS"
}

# dh_batch_args FIRST COUNT DHEX: vr-nlraw's attributes for COUNT entries of
# an owner-batch request (VR_CMD_OWNER_BATCH 16), dh_load's entries FIRST to
# FIRST+COUNT-1 (entry i: remote 10.99.0.R port P, R = i / 50,000 + 1,
# P = i % 50,000 + 1): each a "set" (VR_A_OWNER_BATCH_SET 1, a nest:
# NLA_F_NESTED 0x8000 in its type) of owner attributes, in the host order of
# x86 but addresses (DHEX: D's).
dh_batch_args() {
	awk -v first="$1" -v n="$2" -v d="$3" '
	function le16(v) { return sprintf("%02x%02x", v % 256, int(v / 256) % 256) }
	function le32(v) { return le16(v % 65536) le16(int(v / 65536)) }
	function a32(t, v) { return le16(8) le16(t) le32(v) }
	BEGIN {
		for (i = first; i < first + n; i++)
			printf "bin:32769=%s%s%s%s%s%s%s\n", le16(8) le16(1) d, a32(3, 6),
				a32(4, 8000), le16(8) le16(6),
				sprintf("0a6300%02x", int(i / 50000) + 1),
				a32(7, i % 50000 + 1), a32(8, 3)
	}'
}

# dh_load_batched NS D: dh_load's DH_ENTRIES entries again, in owner-batch
# requests of batch-max (1,024) entries, as vr-dhostd resynchronises its
# kernel. The guest time of the requests (vr-nlraw --time: from the send to
# the ack), summed, against dh_load's one request per entry.
dh_load_batched() {
	local ns=$1 dhex i=0 n out u us=0 reqs=0 status=ok
	dhex=$(hexaddr "$2")
	while [ "$i" -lt "$DH_ENTRIES" ]; do
		n=$((DH_ENTRIES - i))
		[ "$n" -le 1024 ] || n=1024
		# shellcheck disable=SC2046 # one argument per entry
		out=$(ip netns exec "$ns" vr-nlraw --time --timeout 120 16 \
			$(dh_batch_args "$i" "$n" "$dhex")) || true
		case "$out" in
		"errno=0 "*) ;;
		*)
			echo "# dhost batched load refused at entry $i: $out"
			status=$(field name "$out")
			status=${status:-failed}
			break
			;;
		esac
		u=$(field usecs "$out")
		us=$((us + ${u:-0}))
		reqs=$((reqs + 1))
		i=$((i + n))
	done
	echo "BENCHCP dh_bload_entries $i"
	echo "BENCHCP dh_bload_us $us"
	echo "BENCHCP dh_bload_requests $reqs"
	echo "BENCHCP dh_bload_status $status"
	echo "BENCHCP dh_bload_table $(dh_entries "$ns")"
}

# dh_update WHAT NS LABEL COUNT CMD ATTR...: COUNT requests CMD ATTR... in
# NS from one process (vr-nlraw --repeat, the first 4-byte attribute
# counting), for at most SECS of guest time; prints
#   BENCH WHAT LABEL <updates per guest second> <updates>
# or, if a request was refused, BENCHCP dh_WHAT_LABEL_error <errno name>.
# The updates done in DH_N.
dh_update() {
	local what=$1 ns=$2 lbl=$3 count=$4 out us
	shift 4
	out=$(ip netns exec "$ns" vr-nlraw --time --timeout 120 --max-time "$SECS" \
		--repeat "$count" "$@") || true
	echo "# dhost $what $lbl: $out"
	DH_N=$(field repeated "$out")
	DH_N=${DH_N:-0}
	us=$(field usecs "$out")
	case "$out" in
	"errno=0 "*)
		echo "BENCH $what $lbl $(awk -v n="$DH_N" -v us="${us:-0}" \
			'BEGIN { printf "%d", (us > 0 ? n * 1000000 / us : 0) }') $DH_N"
		;;
	*)
		out=$(field name "$out")
		echo "BENCHCP dh_${what}_${lbl}_error ${out:-failed}"
		;;
	esac
}

# dh_updates NS D LABEL: the guest time of single updates of NS's table:
# claim, DH_UPDATES owner-sets of new port entries of D (tcp 10000, 10001,
# ...: the port counts; member 2); move, as many owner-sets of the existing
# entry tcp 10000 to another member (4, 5, ...: the member counts, so the
# member attribute comes first); release, owner-del of the claimed entries.
dh_updates() {
	local ns=$1 dhex n
	dhex=$(hexaddr "$2")
	dh_update claim "$ns" "$3" "$DH_UPDATES" 11 u32:4=10000 bin:1="$dhex" u32:3=6 u32:8=2
	n=$DH_N
	[ "$n" -gt 0 ] || return 0
	dh_update move "$ns" "$3" "$DH_UPDATES" 11 u32:8=4 bin:1="$dhex" u32:3=6 u32:4=10000
	dh_update release "$ns" "$3" "$n" 12 u32:4=10000 bin:1="$dhex" u32:3=6
}

# dh_raft_ns I D: namespace dhnI of the Raft group: its own address
# 10.203.I.2 on veth e0 to the router namespace dhr (10.203.I.1), and D on
# a dummy, distributed with this kernel as member I and no lead yet.
dh_raft_ns() {
	local ns=dhn$1
	ip netns add "$ns" &&
		ip -n dhr link add "r$1" type veth peer name e0 netns "$ns" &&
		ip -n dhr addr add "10.203.$1.1/24" dev "r$1" &&
		ip -n dhr link set "r$1" up &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" addr add "10.203.$1.2/24" dev e0 &&
		ip -n "$ns" link set e0 up &&
		ip -n "$ns" route add default via "10.203.$1.1" &&
		ip -n "$ns" link add dh0 type dummy &&
		ip -n "$ns" link set dh0 up &&
		ip -n "$ns" addr add "$2/32" dev dh0 &&
		ip netns exec "$ns" vrctl dhost set "$2" dev dh0 member "$1" lead 0
}

# dh_raft: the bind (claim) latency with a Raft group of three. Namespaces
# dhn1..dhn3, each with D = 10.203.0.100 on a dummy, distributed (member i,
# lead 0: the daemons set it to the Raft leader), and its own address
# 10.203.i.2 on a veth to a router namespace (dhr); one vr-dhostd each
# (its state in /tmp/dh-raft/i). Once every daemon is ready, DH_BINDS binds
# of distinct ports of D (vr-sock bindlat: bind, listen, close, one after
# the other) on a follower, whose claims go to the leader, then on the
# leader. Prints BENCHCP dh_bind_{follower,leader}_{member,n,p50_us,p99_us,
# max_us,mean_us} and dh_raft_status (ok, or what failed); returns non-zero
# if something failed, which does not stop the bench. The daemons' pids are
# in DH_RAFT_PIDS.
dh_raft() {
	local i t0 lead='' fol='' who first out rc p
	local members=1=10.203.1.2,2=10.203.2.2,3=10.203.3.2 d=10.203.0.100
	ip netns add dhr && ip -n dhr link set lo up &&
		ip netns exec dhr sysctl -qw net.ipv4.ip_forward=1 || return 1
	for i in 1 2 3; do
		if ! dh_raft_ns "$i" "$d"; then
			echo "BENCHCP dh_raft_status setup"
			return 1
		fi
	done
	for i in 1 2 3; do
		mkdir -p "/tmp/dh-raft/$i" || return 1
		"$IPROUTE2" netns exec "dhn$i" vr-dhostd members "$members" name "n$i" \
			state-dir "/tmp/dh-raft/$i" > "/tmp/dh-raft/$i.log" 2>&1 &
		DH_RAFT_PIDS="$DH_RAFT_PIDS $!"
	done
	t0=$(cs)
	for i in 1 2 3; do
		until grep -qx "dhost daemon: ready" "/tmp/dh-raft/$i.log"; do
			if [ $(($(cs) - t0)) -gt 12000 ]; then
				echo "# vr-dhostd of member $i not ready within 120 s:"
				sed 's/^/# /' "/tmp/dh-raft/$i.log" | tail -n 20
				echo "BENCHCP dh_raft_status notready"
				return 1
			fi
			sleep 0.2
		done
	done
	echo "BENCHCP dh_raft_ready_cs $(($(cs) - t0))"
	# The leader: the member whose kernel is the lead (role lead).
	while [ -z "$lead" ] && [ $(($(cs) - t0)) -le 12000 ]; do
		for i in 1 2 3; do
			ip netns exec "dhn$i" vrctl dhost show | grep -q "role lead" && lead=$i
		done
		[ -n "$lead" ] || sleep 0.2
	done
	[ -n "$lead" ] || { echo "BENCHCP dh_raft_status nolead"; return 1; }
	for i in 1 2 3; do
		[ "$i" = "$lead" ] || [ -n "$fol" ] || fol=$i
	done
	rc=0
	for who in follower leader; do
		if [ $who = follower ]; then
			i=$fol first=20000
		else
			i=$lead first=22000
		fi
		out=$(ip netns exec "dhn$i" vr-sock bindlat tcp "$d" "$first" "$DH_BINDS" 120) ||
			rc=1
		echo "# bindlat on member $i ($who): $(echo "$out" | tr '\n' ' ')"
		echo "BENCHCP dh_bind_${who}_member $i"
		echo "BENCHCP dh_bind_${who}_n $(field n "$out")"
		for p in p50 p99 max mean; do
			echo "BENCHCP dh_bind_${who}_${p}_us $(field $p "$out")"
		done
		out=$(echo "$out" | sed -n 's/^error: //p')
		[ -z "$out" ] || echo "BENCHCP dh_bind_${who}_error $out"
	done
	if [ $rc = 0 ]; then
		echo "BENCHCP dh_raft_status ok"
	else
		echo "BENCHCP dh_raft_status bindfailed"
	fi
	return $rc
}

# dh_stop PID...: SIGTERM, and SIGKILL for what still runs 3 s later (a
# daemon stopped by SIGTERM first asks its group for a hold, which the
# last ones cannot get).
dh_stop() {
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null || true
	sleep 3
	kill -9 "$@" 2>/dev/null || true
	wait "$@" 2>/dev/null || true
}

# dhost_set: what VR_BENCH_SET=dhost runs.
dhost_set() {
	local r rounds=$ROUNDS
	# The helpers come with the series (tools/testing/selftests/net/vr):
	# an image made before `make patches` has the old ones.
	vr-nlraw --help 2>&1 | grep -q -- --max-time ||
		{ echo "vr-bench: vr-nlraw has no --time/--max-time (make patches, then rebuild)" >&2; exit 1; }
	vr-sock --help 2>&1 | grep -q bindlat ||
		{ echo "vr-bench: vr-sock has no bindlat (make patches, then rebuild)" >&2; exit 1; }
	# make bench-profile: one window, request/response only
	[ -z "$MARK" ] || rounds=1
	dh_ns small 1 dh1
	dh_ns big 2 dh100k
	dh_load dh-big 10.202.0.100
	# The same entries through owner-batch, in a namespace of their own
	# (D on a dummy device), deleted after.
	ip netns del dh-batch 2>/dev/null || true
	ip netns add dh-batch
	ip -n dh-batch link add dh0 type dummy
	ip -n dh-batch link set dh0 up
	ip -n dh-batch addr add 10.202.0.100/32 dev dh0
	ip netns exec dh-batch vrctl dhost set 10.202.0.100 dev dh0 member 2 lead 1
	dh_load_batched dh-batch 10.202.0.100
	ip netns del dh-batch
	echo "BENCHCP dh_entries_small $(dh_entries dh-small)"
	echo "BENCHCP dh_entries_big $(dh_entries dh-big)"
	echo "BENCHCP dh_rounds $rounds"
	for r in $(seq "$rounds"); do
		if [ -z "$MARK" ]; then
			dh_updates dh-small 10.201.0.100 dh1
			dh_updates dh-big 10.202.0.100 dh100k
		fi
		phase "dh1:dh1 dh100k:dh100k dh16:dh16 dh100k6:dh100k6"
	done
	[ -z "$MARK" ] || return 0
	# The two members go before the Raft group: fewer tasks, less memory.
	# shellcheck disable=SC2086 # a list of pids
	dh_stop $DH_PIDS
	ip netns del dh-small
	ip netns del dh-big
	ip netns del dhc-small
	ip netns del dhc-big
	DH_RAFT_PIDS=
	dh_raft || echo "# dhost: the bind latency with a Raft group was not measured in full"
	# shellcheck disable=SC2086 # a list of pids
	dh_stop $DH_RAFT_PIDS
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
dhost)
	dhost_set
	;;
*)
	echo "vr-bench: unknown VR_BENCH_SET '$SET'" >&2
	exit 1
	;;
esac
kill $(jobs -p) 2>/dev/null || true
wait 2>/dev/null || true
echo "BENCH-DONE $SET"
