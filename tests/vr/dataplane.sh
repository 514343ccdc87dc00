#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# VR data plane selftest (KTAP), for busybox sh on the test machine.
#
# The DUT is a network namespace of its own, with VRs 0, 1 and 2. Each
# VR v has two veth links to peer namespaces, with the same addresses in
# every VR:
#
#   netns dp-p$v                 DUT (netns dp-PID)            netns dp-q$v
#   e$v 10.0.0.2/24 <----> d$v 10.0.0.1/24  (VR v)  f$v 10.1.0.1/24 <----> g$v 10.1.0.2/24
#   default via 10.0.0.1                                         default via 10.1.0.1
#
# d1 also has 10.0.0.11, which exists in VR 1 only. Which peer a packet
# reached is read from that peer's /proc/net/snmp counters, so a packet that
# leaks into another VR shows up. Every "iff" matrix fails in its a != b
# cells if VR isolation is removed, and in its a == b cells if VR routing
# is (the three VRs hold the same prefixes).
#
# The matrices run once for IPv4 and once for IPv6 (their names start with
# the family), on the same links with the same structure:
#
#   e$v fd00::2/64 <----> d$v fd00::1/64, fe80::1/64 (VR v)
#                                      f$v fd00:1::1/64 <----> g$v fd00:1::2/64
#
# d1 also has fd00::11 and e1 fd00::99 (deprecated, so that they are not
# chosen as sources); the DUT's addresses go through DAD. IPv4 subnet
# broadcast has the all-nodes multicast ff02::1 as its IPv6 counterpart,
# and IPv6 adds link-local, DAD, dual-stack and path MTU cases.
#
# VR_DP_VRS=0,1 builds VRs 0 and 1 only (see VRS below).
#
# Uses vrctl, ip (iproute2) and the vr-sock helper.

HERE=$(cd "$(dirname "$0")" && pwd)
# lib/ and the test programs are beside the script in the kernel's
# tools/testing/selftests/net/vr; in vr-linux, lib/ is ../lib and the
# programs are in PATH.
LIB=${VR_TEST_LIB:-$HERE/lib}
[ -d "$LIB" ] || LIB=$HERE/../lib
PATH=$HERE:$PATH
# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# "ip" is iproute2's, not busybox's applet.
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }
vr_require
# the DUT: run again in a network namespace of its own
fresh_netns "$HERE/$(basename "$0")" dp

KTAP_TIMEOUT=30
# The VRs of the matrices: 0 1 2 by default; VR_DP_VRS=0,1 (make check's
# debug-kernel VM) keeps VR 0 and one other VR, which still walks every
# path (same VR, across VRs, VR 0 and not) in four ninths of the pairs.
VRS=$(echo "${VR_DP_VRS:-0,1,2}" | tr , ' ')
PEERS=$(for v in $VRS; do printf 'dp-p%s ' "$v"; done)
T=$(mktemp -d /tmp/vr-dp.XXXXXX) || exit 1

cleanup() {
	ktap_bg_stop
	for v in $VRS; do
		ip netns del "dp-p$v" 2>/dev/null
		ip netns del "dp-q$v" 2>/dev/null
		ip link del "d$v" 2>/dev/null
		ip link del "f$v" 2>/dev/null
	done
	ip link del x9 2>/dev/null
	vrctl delete 1 2>/dev/null
	vrctl delete 2 2>/dev/null
	vrctl delete 3 2>/dev/null
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

# --- helpers ------------------------------------------------------------------

# in_vr VR CMD... and in_peer NS CMD...: run CMD with the task (and so its new
# sockets) in VR, or in netns NS. Scripts that exec, not shell functions, so
# that a background job's pid is CMD's and killing it stops CMD.
mkdir -p "$T/bin"
cat > "$T/bin/in_vr" <<'EOS'
#!/bin/sh
echo "$1" > /proc/self/vr || exit 1
shift
exec "$@"
EOS
cat > "$T/bin/in_peer" <<EOS
#!/bin/sh
exec "$IPROUTE2" netns exec "\$@"
EOS
chmod +x "$T/bin/in_vr" "$T/bin/in_peer"
PATH=$T/bin:$PATH

# snmp NS PROTO FIELD: a counter of /proc/net/snmp in netns NS, or of
# /proc/net/snmp6 for PROTO Icmp6, Ip6 or Udp6. Icmp6 InMsgs counts the
# ICMPv6 messages other than neighbour discovery and MLD, which the
# peers exchange with the DUT on their own (neighbour unreachability
# probes, reports).
snmp() {
	case $2$3 in
	Icmp6InMsgs)
		ip netns exec "$1" cat /proc/net/snmp6 | awk '
			$1 == "Icmp6InMsgs" { n += $2 }
			$1 ~ /^Icmp6In(Neighbor|Router)(Solicits|Advertisements)$/ { n -= $2 }
			$1 ~ /^Icmp6InGroupMemb(Queries|Responses|Reductions)$/ { n -= $2 }
			$1 == "Icmp6InMLDv2Reports" { n -= $2 }
			END { print n + 0 }'
		;;
	*6*)
		ip netns exec "$1" cat /proc/net/snmp6 |
			awk -v k="$2$3" '$1 == k { print $2; exit }'
		;;
	*)
		ip netns exec "$1" cat /proc/net/snmp | awk -v p="$2:" -v f="$3" '
			$1 == p && !hdr {
				for (i = 2; i <= NF; i++) if ($i == f) c = i
				hdr = 1; next
			}
			$1 == p && hdr { print $c; exit }'
		;;
	esac
}

# fam 4|6: the family the matrices run in next. FAM names it in test names;
# ANY is the wildcard address, A1 the DUT's address in every VR, A2 each
# VR's peer's, A11 the address of VR 1 only, Q2 the second peers', R1 an
# address behind dp-q1 routed in VR 1 only (prefix RNET); ICMP the snmp
# protocol of ICMP, ECHO the echo request type.
fam() {
	if [ "$1" = 4 ]; then
		FAM=IPv4 ANY=0.0.0.0 A1=10.0.0.1 A2=10.0.0.2 A11=10.0.0.11
		Q2=10.1.0.2 R1=10.2.0.1 RNET=10.2.0.0/24 ICMP=Icmp ECHO=8 RAWCOUNT=rawcount
	else
		FAM=IPv6 ANY=:: A1=fd00::1 A2=fd00::2 A11=fd00::11
		Q2=fd00:1::2 R1=fd00:2::1 RNET=fd00:2::/64 ICMP=Icmp6 ECHO=128
		RAWCOUNT=rawcount6
	fi
}

# counters PROTO FIELD NS...: "NS=value" for each NS.
counters() {
	local proto=$1 field=$2 ns out=
	shift 2
	for ns in "$@"; do
		out="$out $ns=$(snmp "$ns" "$proto" "$field")"
	done
	echo "$out"
}

# expect_counter_delta WHAT BEFORE AFTER NS DELTA: the NS=value entry grew by
# DELTA (0, or "+" for at least one).
expect_counter_delta() {
	local what=$1 before=$2 after=$3 ns=$4 want=$5 b a
	b=$(printf '%s\n' $before | sed -n "s/^$ns=//p")
	a=$(printf '%s\n' $after | sed -n "s/^$ns=//p")
	if [ -z "$a" ] || [ -z "$b" ]; then
		ktap_check_fail "$what: no counter for $ns"
		return 1
	fi
	if [ "$want" = "+" ]; then
		[ "$a" -gt "$b" ] && { echo "# check: $what ($ns: $b -> $a)"; return 0; }
	else
		[ "$((a - b))" -eq "$want" ] && { echo "# check: $what ($ns: $b -> $a)"; return 0; }
	fi
	ktap_check_fail "$what: $ns counter went $b -> $a, wanted ${want}"
}

# --- setup ------------------------------------------------------------------

t_setup() {
	ktap_run_quiet ip link set lo up || return 1
	ktap_run vrctl create 1 name red || return 1
	ktap_run vrctl create 2 name blue || return 1
	echo 1 > /proc/sys/net/ipv4/ip_forward
	echo 0 > /proc/sys/net/ipv4/icmp_ratelimit
	echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range
	for v in $VRS; do
		ktap_run_quiet ip netns add "dp-p$v" || return 1
		ktap_run_quiet ip netns add "dp-q$v" || return 1
		ktap_run_quiet ip link add "d$v" type veth peer name "e$v" \
			netns "dp-p$v" || return 1
		ktap_run_quiet ip link add "f$v" type veth peer name "g$v" \
			netns "dp-q$v" || return 1
		# d$v joins its VR before it has addresses, f$v after (moving).
		if [ "$v" -ne 0 ]; then
			ktap_run vrctl assign "d$v" "$v" || return 1
		fi
		ktap_run_quiet ip addr add 10.0.0.1/24 dev "d$v" || return 1
		ktap_run_quiet ip addr add 10.1.0.1/24 dev "f$v" || return 1
		ktap_run_quiet ip link set "d$v" up || return 1
		ktap_run_quiet ip link set "f$v" up || return 1
		if [ "$v" -ne 0 ]; then
			ktap_run vrctl assign "f$v" "$v" || return 1
		fi
		for p in "p$v e$v 10.0.0" "q$v g$v 10.1.0"; do
			set -- $p
			ktap_run_quiet ip -n "dp-$1" addr add "$3.2/24" dev "$2" || return 1
			ktap_run_quiet ip -n "dp-$1" link set "$2" up || return 1
			ktap_run_quiet ip -n "dp-$1" link set lo up || return 1
			ktap_run_quiet ip -n "dp-$1" route add default via "$3.1" || return 1
		done
	done
	ktap_run_quiet ip addr add 10.0.0.11/24 dev d1 || return 1
	t_setup6 || return 1
	ktap_run ip route show table 65537
	ktap_run ip route show table 65538
	ktap_run vrctl show
}

# The IPv6 addresses: the DUT's with DAD (the same address in three VRs
# is no duplicate), the peers' without; then wait for DAD to end.
t_setup6() {
	local v n p
	echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
	echo 0 > /proc/sys/net/ipv6/icmp/ratelimit
	for v in $VRS; do
		ktap_run_quiet ip addr add fd00::1/64 dev "d$v" || return 1
		ktap_run_quiet ip addr add fe80::1/64 dev "d$v" || return 1
		ktap_run_quiet ip addr add fd00:1::1/64 dev "f$v" || return 1
		for p in "p$v e$v fd00:" "q$v g$v fd00:1:"; do
			set -- $p
			ktap_run_quiet ip -n "dp-$1" addr add "$3:2/64" dev "$2" nodad ||
				return 1
			ktap_run_quiet ip -n "dp-$1" -6 route add default via "$3:1" ||
				return 1
		done
	done
	# deprecated (preferred_lft 0): still local, but never chosen as a
	# source over fd00::1 and fd00::2 (the peers' connected sockets take
	# answers from the address they sent to only)
	ktap_run_quiet ip addr add fd00::11/64 dev d1 preferred_lft 0 || return 1
	ktap_run_quiet ip -n dp-p1 addr add fd00::99/64 dev e1 nodad preferred_lft 0 ||
		return 1
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		ip -6 addr show tentative | grep -q inet6 || break
		sleep 0.5
	done
	ktap_run ip -6 route show table 65537
}

# --- sockets: server on the DUT in VR a, client in peer p_b ---------------------

# t_serve PROTO ADDR A B [TO]: server bound to ADDR:5000 in VR a (task VR);
# the client in dp-p$b (to A1, or TO) gets the answer iff a == b, else
# refused (TCP RST or ICMP port unreachable, which must come back in VR b).
t_serve() {
	local proto=$1 addr=$2 a=$3 b=$4 to=${5:-$A1}
	ktap_bg_ready "$T/srv" in_vr "$a" vr-sock serve "$proto" "$addr" 5000 "from-vr$a" \
		|| return 1
	ktap_run in_peer "dp-p$b" vr-sock request "$proto" "$to" 5000
	ktap_bg_stop
	if [ "$a" -eq "$b" ]; then
		ktap_expect_rc 0 && ktap_expect_stdout "from-vr$a"
	else
		ktap_expect_rc 11
	fi
}

# t_bcast A B: a UDP server in VR a; peer dp-p$b sends to the subnet
# broadcast 10.0.0.255. Delivered (and answered) iff a == b; otherwise
# nothing answers (no port unreachable for broadcasts).
t_bcast() {
	local a=$1 b=$2
	ktap_bg_ready "$T/srv" in_vr "$a" vr-sock serve udp 0.0.0.0 5002 "bcast-vr$a" || return 1
	ktap_run in_peer "dp-p$b" vr-sock -b -t 1000 request udp 10.0.0.255 5002
	ktap_bg_stop
	if [ "$a" -eq "$b" ]; then
		ktap_expect_rc 0 && ktap_expect_stdout "bcast-vr$a"
	else
		ktap_expect_rc 10
	fi
}

# t_client PROTO A B: a server in peer dp-p$b only; a DUT client in VR a
# reaches it iff a == b (otherwise dp-p$a refuses).
t_client() {
	local proto=$1 a=$2 b=$3
	ktap_bg_ready "$T/srv" in_peer "dp-p$b" vr-sock serve "$proto" "$ANY" 5001 "peer$b" \
		|| return 1
	ktap_run in_vr "$a" vr-sock request "$proto" "$A2" 5001
	ktap_bg_stop
	if [ "$a" -eq "$b" ]; then
		ktap_expect_rc 0 && ktap_expect_stdout "peer$b"
	else
		ktap_expect_rc 11
	fi
}

# t_ping KIND A B: a DUT ping (ping or raw socket) in VR a to A2 is
# answered, and the echo request reached peer dp-p$b iff a == b.
t_ping() {
	local kind=$1 a=$2 b=$3 before after
	before=$(counters "$ICMP" InEchos "dp-p$b")
	ktap_run in_vr "$a" vr-sock "$kind" "$A2"
	ktap_expect_rc 0
	after=$(counters "$ICMP" InEchos "dp-p$b")
	if [ "$a" -eq "$b" ]; then
		expect_counter_delta "echo request reached dp-p$b" "$before" "$after" "dp-p$b" 1
	else
		expect_counter_delta "nothing reached dp-p$b" "$before" "$after" "dp-p$b" 0
	fi
}

# t_rawrecv A B: a raw ICMP socket in VR a sees the echo requests that peer
# dp-p$b sends to A1 iff a == b.
t_rawrecv() {
	local a=$1 b=$2 n
	# Counted until the echo is answered: the request reaches raw sockets
	# before ICMP answers it, so it is queued by then (a fixed window was
	# too short on a debug kernel, and would let a late request pass as
	# "not seen").
	ktap_bg_ready "$T/raw" in_vr "$a" vr-sock -t 60000 "$RAWCOUNT" "$ECHO" || return 1
	ktap_run in_peer "dp-p$b" vr-sock rawping "$A1"
	ktap_expect_rc 0
	kill -USR1 "$KTAP_BG_PID"
	wait "$KTAP_BG_PID"
	KTAP_BG_PIDS=
	n=$(sed -n '/^[0-9]/p' "$T/raw")
	echo "# raw socket in VR $a counted ${n:-nothing}"
	if [ "$a" -eq "$b" ]; then
		ktap_expect_match "echo request seen" "[1-9]*" "$n"
	else
		ktap_expect_eq "echo requests seen" 0 "$n"
	fi
}

# t_echo B: peer dp-p$b pings A1 and is answered; no other peer gets an
# ICMP message.
t_echo() {
	local b=$1 before after c
	# shellcheck disable=SC2086
	before=$(counters "$ICMP" InMsgs $PEERS)
	ktap_run in_peer "dp-p$b" vr-sock rawping "$A1"
	ktap_expect_rc 0
	# shellcheck disable=SC2086
	after=$(counters "$ICMP" InMsgs $PEERS)
	for c in $VRS; do
		[ "$c" -eq "$b" ] && continue
		expect_counter_delta "no ICMP to dp-p$c" "$before" "$after" "dp-p$c" 0
	done
}

# t_refused PROTO B: nothing listens on port 5999 in any VR; peer dp-p$b is
# refused (RST / port unreachable in VR b) and no other peer hears of it.
t_refused() {
	local proto=$1 b=$2 before after c field
	if [ "$proto" = tcp ]; then field="Tcp InSegs"; else field="$ICMP InMsgs"; fi
	# shellcheck disable=SC2086
	before=$(counters $field $PEERS)
	ktap_run in_peer "dp-p$b" vr-sock request "$proto" "$A1" 5999
	ktap_expect_rc 11
	# shellcheck disable=SC2086
	after=$(counters $field $PEERS)
	for c in $VRS; do
		[ "$c" -eq "$b" ] && continue
		expect_counter_delta "nothing reached dp-p$c" "$before" "$after" "dp-p$c" 0
	done
}

# Same port bound in the three VRs (SO_VR this time), three answers.
t_three_servers() {
	local proto=$1 v
	for v in $VRS; do
		ktap_bg_ready "$T/srv$v" vr-sock -v "$v" serve "$proto" "$ANY" 6000 \
			"answer-vr$v" || return 1
	done
}

t_three_answers() {
	local proto=$1 b=$2
	ktap_run in_peer "dp-p$b" vr-sock request "$proto" "$A1" 6000
	ktap_expect_rc 0 && ktap_expect_stdout "answer-vr$b"
}

# t_forward B C: peer dp-p$b pings Q2 through the DUT; it is forwarded in
# VR b, so it reaches dp-q$c iff b == c.
t_forward() {
	local b=$1 c=$2 before after
	before=$(counters "$ICMP" InEchos "dp-q$c")
	ktap_run in_peer "dp-p$b" vr-sock rawping "$Q2"
	ktap_expect_rc 0
	after=$(counters "$ICMP" InEchos "dp-q$c")
	if [ "$b" -eq "$c" ]; then
		expect_counter_delta "forwarded to dp-q$c" "$before" "$after" "dp-q$c" 1
	else
		expect_counter_delta "nothing forwarded to dp-q$c" "$before" "$after" "dp-q$c" 0
	fi
}

# A route that exists in VR 1 only: RNET via dp-q1.
t_vr1_route() {
	ktap_run ip -n dp-q1 addr add "$R1" dev lo || return 1
	ktap_run ip route add "$RNET" via "$Q2" table 65537 || return 1
}

t_vr1_route_use() {
	local b=$1 before after
	before=$(counters "$ICMP" InDestUnreachs "dp-p$b")
	ktap_run in_peer "dp-p$b" vr-sock rawping "$R1"
	after=$(counters "$ICMP" InDestUnreachs "dp-p$b")
	if [ "$b" -eq 1 ]; then
		ktap_expect_rc 0
	else
		ktap_expect_rc 10
		expect_counter_delta "net unreachable came back to dp-p$b" \
			"$before" "$after" "dp-p$b" "+"
	fi
}

# --- local addresses and ARP -------------------------------------------------

# t_arp B: A1, resolved by ARP or neighbour discovery from dp-p$b, is d$b's.
t_arp() {
	local b=$1 mac
	mac=$(cat "/sys/class/net/d$b/address")
	ktap_run ip -n "dp-p$b" neigh show "$A1"
	ktap_expect_match "$A1 resolved to d$b ($mac)" "*$mac*" "$KTAP_STDOUT_TEXT"
}

# A11 exists in VR 1 only: only dp-p1 gets an ARP (neighbour
# advertisement) answer and a reply.
t_vr1_address() {
	local b=$1
	ktap_run in_peer "dp-p$b" vr-sock rawping "$A11"
	if [ "$b" -eq 1 ]; then
		ktap_expect_rc 0
	else
		ktap_expect_rc 10
		ktap_run ip -n "dp-p$b" neigh show "$A11"
		case $KTAP_STDOUT_TEXT in
		*lladdr*) ktap_check_fail "$A11 resolved from dp-p$b" ;;
		esac
	fi
}

# --- binding ------------------------------------------------------------------

t_bind_three() {
	local proto=$1 v
	for v in $VRS; do
		ktap_bg_ready "$T/hold$proto$v" vr-sock -v "$v" bind "$proto" "$A1" 7000 \
			|| return 1
	done
}

t_bind_conflict() {
	local proto=$1 v=$2
	ktap_run vr-sock -v "$v" bind "$proto" "$A1" 7000
	ktap_expect_rc 13
}

# t_bind_local PROTO V [ADDR [OWNER]]: binding to ADDR (A11) works in VR
# OWNER (1) only.
t_bind_local() {
	local proto=$1 v=$2 addr=${3:-$A11} owner=${4:-1}
	if [ "$v" -eq "$owner" ]; then
		ktap_bg_ready "$T/b11" vr-sock -v "$v" bind "$proto" "$addr" 7001
		ktap_bg_stop
	else
		ktap_run vr-sock -v "$v" bind "$proto" "$addr" 7001
		ktap_expect_rc 14
	fi
}

# --- IPv6 only ----------------------------------------------------------------

# t_mcast6 A B: a UDP server on [::] in VR a; peer dp-p$b sends to the
# all-nodes group ff02::1 on its link. Delivered iff a == b. The server
# waits long (a delivery ends the wait; starting the sender alone can take
# over a second on the debug kernel) and, for another VR's datagram, one
# second after it was sent.
t_mcast6() {
	local a=$1 b=$2
	ktap_bg_ready "$T/mc" in_vr "$a" vr-sock -t 20000 recv :: 5002 || return 1
	ktap_run in_peer "dp-p$b" vr-sock send "ff02::1%e$b" 5002
	if [ "$a" -ne "$b" ]; then
		sleep 1
		kill "$KTAP_BG_PID" 2>/dev/null
	fi
	wait "$KTAP_BG_PID"
	KTAP_BG_PIDS=
	ktap_print_file "VR $a's server: " "$T/mc"
	if [ "$a" -eq "$b" ]; then
		ktap_expect_match "delivered" "*got *" "$(cat "$T/mc")"
	else
		case $(cat "$T/mc") in
		*got*) ktap_check_fail "VR $b's multicast delivered in VR $a" ;;
		esac
	fi
}

# t_ll_ping B: fe80::1 is d0's, d1's and d2's (three VRs): dp-p$b's echo to
# it on its link is answered, by d$b (the neighbour entry has d$b's MAC).
t_ll_ping() {
	local b=$1 mac
	mac=$(cat "/sys/class/net/d$b/address")
	ktap_run in_peer "dp-p$b" vr-sock rawping "fe80::1%e$b"
	ktap_expect_rc 0 || return 1
	ktap_run ip -n "dp-p$b" neigh show fe80::1 dev "e$b"
	ktap_expect_match "fe80::1 resolved to d$b ($mac)" "*$mac*" "$KTAP_STDOUT_TEXT"
}

# t_dad V: d$v's fd00::1 and fe80::1 passed DAD (neither tentative nor
# failed) although d0, d1 and d2 all hold them.
t_dad() {
	local v=$1
	ktap_run ip -6 addr show dev "d$v"
	ktap_expect_match "fd00::1 on d$v" "*inet6 fd00::1/64 scope global*" "$KTAP_STDOUT_TEXT" &&
	ktap_expect_match "fe80::1 on d$v" "*inet6 fe80::1/64 scope link*" "$KTAP_STDOUT_TEXT" ||
		return 1
	case $KTAP_STDOUT_TEXT in
	*tentative* | *dadfailed*) ktap_check_fail "an address of d$v failed DAD" ;;
	esac
}

# t_dad_dup V: fd00::99 is dp-p1's address. Added to d$v, it fails DAD iff
# v == 1 (DAD runs on VR 1's link only).
t_dad_dup() {
	local v=$1 n
	ktap_run ip addr add fd00::99/64 dev "d$v" || return 1
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		ip -6 addr show dev "d$v" | grep 'fd00::99.*tentative' |
			grep -qv dadfailed || break
		sleep 0.5
	done
	ktap_run ip -6 addr show dev "d$v"
	ip addr del fd00::99/64 dev "d$v"
	if [ "$v" -eq 1 ]; then
		ktap_expect_match "fd00::99 on d1 failed DAD" "*fd00::99/64 *dadfailed*" \
			"$KTAP_STDOUT_TEXT"
	else
		ktap_expect_match "fd00::99 on d$v" "*fd00::99/64 scope global*" \
			"$KTAP_STDOUT_TEXT" || return 1
		case $KTAP_STDOUT_TEXT in
		*dadfailed*) ktap_check_fail "fd00::99 failed DAD on d$v" ;;
		esac
	fi
}

# t_pmtu6 B: f1 has MTU 1280 (f0 and f2 1500). Peer dp-p$b sends a
# 1400-byte datagram to fd00:1::2, which VR b forwards out of f$b: iff
# b == 1 a packet-too-big comes back and dp-p$b learns MTU 1280.
t_pmtu6() {
	local b=$1
	ktap_run in_peer "dp-p$b" vr-sock -l 1400 -t 500 request udp fd00:1::2 9
	ktap_run ip -n "dp-p$b" -6 route get fd00:1::2
	if [ "$b" -eq 1 ]; then
		ktap_expect_match "path MTU 1280" "*mtu 1280*" "$KTAP_STDOUT_TEXT"
	else
		case $KTAP_STDOUT_TEXT in
		*"mtu 1280"*) ktap_check_fail "dp-p$b learnt VR 1's MTU" ;;
		esac
	fi
}

# --- processes and SO_VR --------------------------------------------------------

t_proc_default() {
	ktap_run cat /proc/self/vr
	ktap_expect_stdout 0
}

t_proc_exec() {
	ktap_run in_vr 1 cat /proc/self/vr
	ktap_expect_stdout 1
}

t_proc_fork() {
	ktap_run in_vr 2 sh -c 'cat /proc/self/vr; (cat /proc/self/vr); sh -c "cat /proc/self/vr"'
	ktap_expect_stdout "2
2
2"
}

t_proc_socket() {
	ktap_run in_vr 2 vr-sock sovr get
	ktap_expect_stdout 2
}

t_proc_other() {
	ktap_bg_ready "$T/sleeper" in_vr 1 sh -c 'echo ready; exec sleep 30' || return 1
	ktap_run cat "/proc/$KTAP_BG_PID/vr"
	ktap_expect_stdout 1
	echo 2 > "/proc/$KTAP_BG_PID/vr"
	ktap_run cat "/proc/$KTAP_BG_PID/vr"
	ktap_expect_stdout 2
	ktap_bg_stop
}

t_proc_unpriv_read() {
	ktap_run vr-capdrop 12 -- cat /proc/1/vr
	ktap_expect_rc 0 && ktap_expect_stdout 0
}

t_proc_write_err() {
	local val=$1 pattern=$2 caps=${3:-}
	if [ -n "$caps" ]; then
		ktap_run vr-capdrop 12 -- sh -c "echo $val > /proc/self/vr"
	else
		ktap_run sh -c "echo $val > /proc/self/vr"
	fi
	ktap_expect_match "refused" "*$pattern*" "$KTAP_STDERR_TEXT"
	[ "$KTAP_RC" -ne 0 ] || ktap_check_fail "write succeeded"
}

t_sovr() {
	local rc=$1 out=$2
	shift 2
	ktap_run "$@"
	ktap_expect_rc "$rc" && ktap_expect_stdout "$out"
}

# --- interfaces ---------------------------------------------------------------

t_moved_routes() {
	ktap_run ip route show table 65537
	ktap_expect_match "f1's prefix route in VR 1" "*10.1.0.0/24 dev f1*" "$KTAP_STDOUT_TEXT"
	ktap_run ip route show table local
	case $KTAP_STDOUT_TEXT in
	*"dev f1"*) ktap_check_fail "f1's local route left in the local table" ;;
	esac
	ktap_run ip route show table main
	case $KTAP_STDOUT_TEXT in
	*"dev f1"*) ktap_check_fail "f1's route left in the main table" ;;
	esac
}

t_move_x9() {
	ktap_run_quiet ip link add x9 type dummy || return 1
	ktap_run vrctl assign x9 1 || return 1
	ktap_run_quiet ip addr add 10.9.0.1/24 dev x9 || return 1
	ktap_run_quiet ip -6 addr add 2001:db8:9::1/64 dev x9 nodad || return 1
	ktap_run_quiet ip link set x9 up || return 1
	ktap_run ip route show table 65537
	ktap_expect_match "local 10.9.0.1 in VR 1" "*local 10.9.0.1 dev x9*" "$KTAP_STDOUT_TEXT"
	ktap_run ip -6 route show table 65537
	ktap_expect_match "local 2001:db8:9::1 in VR 1" "*local 2001:db8:9::1 dev x9*" \
		"$KTAP_STDOUT_TEXT"
	ktap_run vrctl assign x9 2 || return 1
	ktap_run ip route show table 65538
	ktap_expect_match "local 10.9.0.1 moved to VR 2" "*local 10.9.0.1 dev x9*" \
		"$KTAP_STDOUT_TEXT"
	ktap_expect_match "prefix 10.9.0.0/24 moved to VR 2" "*10.9.0.0/24 dev x9*" \
		"$KTAP_STDOUT_TEXT"
	ktap_run ip -6 route show table 65538
	ktap_expect_match "prefix 2001:db8:9::/64 moved to VR 2" "*2001:db8:9::/64 dev x9*" \
		"$KTAP_STDOUT_TEXT"
	ktap_run ip route show table 65537
	case $KTAP_STDOUT_TEXT in
	*x9*) ktap_check_fail "x9's routes left in VR 1" ;;
	esac
	ktap_run ip -6 route show table 65537
	case $KTAP_STDOUT_TEXT in
	*x9*) ktap_check_fail "x9's IPv6 routes left in VR 1" ;;
	esac
}

# v6_routes_of TABLE DEV: the IPv6 routes of TABLE through DEV, one per
# line, as "type prefix" (type "unicast" when ip prints none).
v6_routes_of() {
	ip -6 route show table "$1" dev "$2" |
		awk '$1 ~ /^(local|anycast|multicast)$/ { print $1, $2; next }
		     { print "unicast", $1 }' | sort
}

# The IPv6 routes of an interface (local, prefix, link-local, anycast and
# ff00::/8) go with it from VR 0 to VR 1 and back.
t_move_x8_v6() {
	local want
	ktap_run_quiet ip link add x8 type dummy &&
	ktap_run_quiet sysctl -qw net.ipv6.conf.x8.forwarding=1 &&
	ktap_run_quiet ip -6 addr add 2001:db8:8::1/64 dev x8 nodad &&
	ktap_run_quiet ip link set x8 up || return 1
	want=$(v6_routes_of local x8; v6_routes_of main x8)
	ktap_expect_match "x8's local route in VR 0" "*local 2001:db8:8::1*" "$want" &&
	ktap_expect_match "x8's anycast route in VR 0" "*anycast 2001:db8:8::*" "$want" &&
	ktap_expect_match "x8's multicast route in VR 0" "*multicast ff00::/8*" "$want" &&
	ktap_expect_match "x8's link-local prefix in VR 0" "*unicast fe80::/64*" "$want" ||
		return 1
	ktap_run vrctl assign x8 1 || return 1
	ktap_expect_eq "x8's IPv6 routes in VR 1" "$(echo "$want" | sort)" \
		"$(v6_routes_of 65537 x8)" &&
	ktap_expect_eq "x8's IPv6 routes left in VR 0" "" \
		"$(v6_routes_of local x8; v6_routes_of main x8)" || return 1
	ktap_run vrctl assign x8 0 || return 1
	ktap_expect_eq "x8's IPv6 routes back in VR 0" "$want" \
		"$(v6_routes_of local x8; v6_routes_of main x8)" &&
	ktap_expect_eq "x8's IPv6 routes left in VR 1" "" "$(v6_routes_of 65537 x8)"
	ip link del x8
}

t_delete_busy() {
	ktap_run vrctl delete 1
	ktap_expect_rc 1
	ktap_expect_match "EBUSY text" "*interfaces*" "$KTAP_STDERR_TEXT"
}

# t_delete_sockets KIND: VR 3 (no interfaces) with one socket of KIND cannot
# be deleted (EBUSY); once the socket is closed it can.
t_delete_sockets() {
	local kind=$1
	ktap_run vrctl create 3 || return 1
	case $kind in
	tcp | udp) ktap_bg_ready "$T/del" vr-sock -v 3 bind "$kind" 0.0.0.0 7100 ;;
	raw) ktap_bg_ready "$T/del" vr-sock -v 3 -t 60000 rawcount 8 ;;
	esac
	ktap_run vrctl delete 3
	ktap_expect_rc 1
	ktap_expect_match "EBUSY message" "*still has sockets*" "$KTAP_STDERR_TEXT"
	ktap_bg_stop
	ktap_run vrctl delete 3
	ktap_expect_rc 0
}

# matrices 4|6: the data-plane matrices of one family; test names start
# with the family.
matrices() {
	local a b c p desc
	fam "$1"
	for p in tcp udp; do
		for a in $VRS; do
			for b in $VRS; do
				desc="client via VR $b: answered iff same VR"
				ktap_test_result "$FAM $p server *:5000 in VR $a, $desc" \
					t_serve "$p" "$ANY" "$a" "$b"
				ktap_test_result "$FAM $p server $A1:5000 in VR $a, $desc" \
					t_serve "$p" "$A1" "$a" "$b"
				desc="server in VR $b's peer: reached iff same VR"
				ktap_test_result "$FAM $p client in VR $a to $A2, $desc" \
					t_client "$p" "$a" "$b"
			done
		done
	done
	for a in $VRS; do
		for b in $VRS; do
			if [ "$FAM" = IPv4 ]; then
				desc="udp broadcast from VR $b to a server in VR $a"
				ktap_test_result "$FAM $desc: delivered iff same VR" \
					t_bcast "$a" "$b"
			else
				desc="udp to ff02::1 from VR $b to a server in VR $a"
				ktap_test_result "$FAM $desc: delivered iff same VR" \
					t_mcast6 "$a" "$b"
			fi
		done
	done
	for p in ping rawping; do
		for a in $VRS; do
			for b in $VRS; do
				desc="echo reaches VR $b's peer iff same VR"
				ktap_test_result "$FAM $p socket in VR $a: $desc" \
					t_ping "$p" "$a" "$b"
			done
		done
	done
	for a in $VRS; do
		for b in $VRS; do
			desc="sees echo requests from VR $b iff same VR"
			ktap_test_result "$FAM raw ICMP socket in VR $a $desc" \
				t_rawrecv "$a" "$b"
		done
	done
	for b in $VRS; do
		ktap_test_result "$FAM echo reply to VR $b's peer, no ICMP elsewhere" t_echo "$b"
	done
	for p in tcp udp; do
		for b in $VRS; do
			desc="refused in VR $b only"
			ktap_test_result "$FAM $p to a closed port from VR $b: $desc" \
				t_refused "$p" "$b"
		done
	done
	for p in tcp udp; do
		ktap_test_result "$FAM $p port 6000 bound in VRs 0, 1 and 2 (SO_VR)" \
			t_three_servers "$p"
		for b in $VRS; do
			ktap_test_result "$FAM $p port 6000 from VR $b: VR $b's answer" \
				t_three_answers "$p" "$b"
		done
		ktap_bg_stop
	done
	for b in $VRS; do
		for c in $VRS; do
			ktap_test_result \
				"$FAM forwarding from VR $b reaches VR $c's peer q$c iff same VR" \
				t_forward "$b" "$c"
		done
	done
	ktap_test_result "$FAM route $RNET in VR 1's table only" t_vr1_route
	for b in $VRS; do
		ktap_test_result "$FAM $R1 from VR $b: reachable iff VR 1, else net unreachable" \
			t_vr1_route_use "$b"
	done
	for b in $VRS; do
		ktap_test_result "$FAM neighbour $A1 from VR $b answered by d$b" t_arp "$b"
	done
	for b in $VRS; do
		ktap_test_result "$FAM $A11 (VR 1 only) from VR $b: neighbour and echo iff VR 1" \
			t_vr1_address "$b"
	done
	for p in tcp udp; do
		ktap_test_result "$FAM $p $A1:7000 bound in VRs 0, 1 and 2" t_bind_three "$p"
		for b in $VRS; do
			ktap_test_result "$FAM $p $A1:7000 again in VR $b: EADDRINUSE" \
				t_bind_conflict "$p" "$b"
		done
		ktap_bg_stop
		for b in $VRS; do
			ktap_test_result "$FAM $p bind to $A11 in VR $b: allowed iff VR 1" \
				t_bind_local "$p" "$b"
		done
	done
	[ "$FAM" = IPv6 ] || return 0

	# IPv6 only: link-local, DAD, dual-stack and path MTU
	for b in $VRS; do
		ktap_test_result "$FAM fe80::1 of VR $b's link, held in 3 VRs: answered by d$b" \
			t_ll_ping "$b"
	done
	for a in $VRS; do
		for b in $VRS; do
			desc="allowed iff same VR"
			ktap_test_result "$FAM udp bind to fe80::1%d$b in VR $a: $desc" \
				t_bind_local udp "$a" "fe80::1%d$b" "$b"
		done
	done
	for b in $VRS; do
		ktap_test_result "$FAM DAD: fd00::1 and fe80::1 of d$b valid, held in every VR" \
			t_dad "$b"
	done
	for b in $VRS; do
		ktap_test_result "$FAM DAD on d$b of VR 1's peer's fd00::99: fails iff VR 1" \
			t_dad_dup "$b"
	done
	for p in tcp udp; do
		for a in $VRS; do
			for b in $VRS; do
				desc="IPv4 client via VR $b: answered iff same VR"
				ktap_test_result "$FAM dual-stack $p [::]:5000 in VR $a, $desc" \
					t_serve "$p" :: "$a" "$b" 10.0.0.1
			done
		done
	done
	ip link set f1 mtu 1280
	for b in $VRS; do
		ktap_test_result "$FAM forwarding in VR $b: packet too big iff VR 1 (f1 MTU 1280)" \
			t_pmtu6 "$b"
	done
	ip link set f1 mtu 1500
}

suite() {
	ktap_test_result "topology: 3 VRs, 6 peer namespaces, same addresses" t_setup
	matrices 4
	matrices 6
	ktap_test_result "/proc/self/vr of a shell is 0" t_proc_default
	ktap_test_result "/proc/self/vr kept across exec" t_proc_exec
	ktap_test_result "/proc/self/vr inherited by fork and subshells" t_proc_fork
	ktap_test_result "new sockets take the task's VR" t_proc_socket
	ktap_test_result "/proc/<pid>/vr of another task read and written" t_proc_other
	ktap_test_result "/proc/<pid>/vr readable without CAP_NET_ADMIN" t_proc_unpriv_read
	ktap_test_result "/proc/self/vr write without CAP_NET_ADMIN: EPERM" \
		t_proc_write_err 1 "ermitted" caps
	ktap_test_result "/proc/self/vr write of a missing VR: ENONET" t_proc_write_err 99 "network"
	ktap_test_result "/proc/self/vr write of a non-number: EINVAL" t_proc_write_err abc "nvalid"
	ktap_test_result "/proc/self/vr write of 70000: ERANGE" t_proc_write_err 70000 "range"
	ktap_test_result "SO_VR set on a fresh socket" t_sovr 0 1 vr-sock sovr set 1
	ktap_test_result "SO_VR default is the task's VR" t_sovr 0 0 vr-sock sovr get
	ktap_test_result "SO_VR of a missing VR: ENONET" \
		t_sovr 16 "error: ENONET" vr-sock sovr set 99
	ktap_test_result "SO_VR of 70000: ERANGE" t_sovr 18 "error: ERANGE" vr-sock sovr set 70000
	ktap_test_result "SO_VR after bind: EISCONN" \
		t_sovr 17 "error: EISCONN" vr-sock sovr set 1 bound
	ktap_test_result "SO_VR after bind to an address only (IP_BIND_ADDRESS_NO_PORT): EISCONN" \
		t_sovr 17 "error: EISCONN" vr-sock sovr set 1 addrbound
	ktap_test_result "SO_VR after connect: EISCONN" \
		t_sovr 17 "error: EISCONN" vr-sock sovr set 1 connected
	ktap_test_result "SO_VR on a listener: EISCONN" \
		t_sovr 17 "error: EISCONN" vr-sock sovr set 1 listening
	ktap_test_result "SO_VR set without CAP_NET_ADMIN: EPERM" \
		t_sovr 15 "error: EPERM" vr-capdrop 12 -- vr-sock sovr set 1
	ktap_test_result "SO_VR get without CAP_NET_ADMIN" \
		t_sovr 0 0 vr-capdrop 12 -- vr-sock sovr get
	ktap_test_result "interface assigned with addresses: its routes moved to the VR" \
		t_moved_routes
	ktap_test_result "interface moved from VR 1 to VR 2 with its routes" t_move_x9
	ktap_test_result "interface moved to VR 1 and back with its IPv6 routes" t_move_x8_v6
	ktap_test_result "deleting a VR with interfaces: EBUSY" t_delete_busy
	for p in tcp udp raw; do
		ktap_test_result \
			"deleting a VR with a $p socket: EBUSY, then deleted once it is closed" \
			t_delete_sockets "$p"
	done
}

ktap_run_suite suite
