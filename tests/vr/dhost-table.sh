#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: the distributed host's ownership table with many entries, on one
# kernel without a daemon (entries set by netlink): 20,000 connections of a
# port, the per-packet verdict among them, moves in place, removals,
# batches of 1,024 (owner-batch), the net.vr.dhost_max_entries limit, and
# the teardown of an address and of a namespace that hold thousands.
#
#   netns M (member 2, lead 1): m0 10.77.0.1/24, D = 10.77.0.100/32
#        |  veth
#   netns C (client): c0 10.77.0.2/24, D's MAC statically (a member
#                     answers no ARP)
#
# Member 2 owns tcp 8080 of D; member 3 owns its connections from C's ports
# 20000 to 20000+N-1. M has no listener: what member 2 owns gets a RST from M,
# what member 3 owns gets nothing.

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

M=vrdtm-$$
C=vrdtc-$$
D=10.77.0.100
D6=fd00:77::100
M_MAC=02:00:00:77:00:01
# Connection entries: VR_DT_ENTRIES (the debug kernel's run takes fewer).
N=${VR_DT_ENTRIES:-20000}
FIRST=20000
LAST=$((FIRST + N - 1))
MID=$((FIRST + N / 2))
# Generic netlink: owner-set 11, owner-del 12, owner-get 13 (vr.yaml).
# Attributes of "owner": addr 1, proto 3, port 4, remote 6, remote-port 7,
# member 8; IPv4 addresses as the u32 of their network-order bytes.
OWNER_SET=11
OWNER_DEL=12
OWNER_GET=13
D_U32=0x64004d0a
C_U32=0x02004d0a
# owner-batch 16: its "set" 1 and "del" 2 are nests of owner attributes
# (NLA_F_NESTED, 0x8000, set in their type), "missing-ok" 3 a flag.
OWNER_BATCH=16
SET=32769
DEL=32770
MISSING_OK=bin:3=
# Bytes from a message's start to its first attribute (nlmsghdr, genlmsghdr)
# and of an entry that batch writes (a set; a del has no member, 8 less).
HDR=20
SET_LEN=52
T=$(mktemp -d /tmp/vr-dt.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	ip netns del "$M" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	ip netns del "$M-user" 2>/dev/null
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

m() { ip netns exec "$M" "$@"; }
c() { ip netns exec "$C" "$@"; }

# entries: the number of ownership entries M's dump gives, in ENTRIES.
entries() {
	ktap_run m vr-nlraw --dump $OWNER_GET || return 1
	ENTRIES=$(echo "$KTAP_STDOUT_TEXT" | sed -n 's/.* entries=\([0-9]*\).*/\1/p')
}

# load FIRST COUNT MEMBER: member MEMBER owns the connections of tcp 8080
# from C's ports FIRST to FIRST+COUNT-1, one owner-set each.
load() {
	ktap_run m vr-nlraw --repeat "$2" $OWNER_SET u32:7="$1" u32:1=$D_U32 u32:3=6 u32:4=8080 \
		u32:6=$C_U32 u32:8="$3"
	ktap_expect_match "$2 owner-set requests" "errno=0 * repeated=$2*" "$KTAP_STDOUT_TEXT"
}

# batch KIND FIRST COUNT [MEMBER [PROTO]]: vr-nlraw's arguments for COUNT
# entries of an owner-batch request, KIND $SET or $DEL, about the connections
# of tcp 8080 (PROTO 6) from C's ports FIRST to FIRST+COUNT-1.
batch() {
	awk -v kind="$1" -v first="$2" -v n="$3" -v member="${4:-3}" -v proto="${5:-6}" '
	function le16(v) { return sprintf("%02x%02x", v % 256, int(v / 256) % 256) }
	function le32(v) { return le16(v % 65536) le16(int(v / 65536)) }
	function a32(t, v) { return le16(8) le16(t) le32(v) }
	BEGIN {
		for (i = 0; i < n; i++) {
			e = le16(8) le16(1) "0a4d0064" a32(3, proto) a32(4, 8080) \
				le16(8) le16(6) "0a4d0002" a32(7, first + i)
			if (kind == 32769)
				e = e a32(8, member)
			printf "bin:%d=%s\n", kind, e
		}
	}'
}

# rsts FIRST LAST WANT: a connection to D tcp 8080 from a port of C between
# FIRST and LAST is refused by a RST from M (WANT 1: member 2, which owns
# it, delivers it to no listener) or gets no answer (WANT 0: member 3's,
# which M drops). Only M can answer on the link.
rsts() {
	ktap_run c sysctl -qw net.ipv4.ip_local_port_range="$1 $2" || return 1
	ktap_run c vr-sock -t 1000 -s 10.77.0.2 request tcp $D 8080
	if [ "$3" = 1 ]; then
		ktap_expect_stdout "error: ECONNREFUSED"
	else
		ktap_expect_rc 10
	fi
}

t_setup() {
	ktap_run ip netns add "$M" && ktap_run ip netns add "$C" &&
		ktap_run ip -n "$M" link set lo up && ktap_run ip -n "$C" link set lo up &&
		ktap_run ip -n "$M" link add m0 address $M_MAC type veth peer name c0 netns "$C" &&
		ktap_run ip -n "$M" addr add 10.77.0.1/24 dev m0 &&
		ktap_run ip -n "$M" addr add $D/32 dev m0 &&
		ktap_run ip -n "$M" addr add $D6/128 dev m0 nodad &&
		ktap_run ip -n "$C" addr add 10.77.0.2/24 dev c0 &&
		ktap_run ip -n "$M" link set m0 up && ktap_run ip -n "$C" link set c0 up &&
		ktap_run ip -n "$C" neigh replace $D lladdr $M_MAC dev c0 nud permanent &&
		ktap_run m vrctl dhost set $D dev m0 member 2 lead 1 &&
		ktap_run m vrctl dhost set $D6 dev m0 member 2 lead 1 &&
		ktap_run m vrctl dhost owner add $D tcp 8080 member 2 &&
		ktap_run m vrctl dhost owner add $D6 tcp 8080 member 3 &&
		ktap_run m vrctl dhost owner add $D udp 40000-49999 member 3
}

t_load() {
	load $FIRST $N 3 && entries || return 1
	# Plus the two ports and the range.
	ktap_expect_eq "entries in the dump" $((N + 3)) "$ENTRIES"
}

t_show() {
	ktap_run_quiet m vrctl -j dhost owner show || return 1
	ktap_expect_eq "vrctl lists them all" $((N + 3)) \
		"$(echo "$KTAP_STDOUT_TEXT" | grep -o '"member"' | wc -l)" || return 1
	ktap_run m vrctl dhost owner show
	ktap_expect_match "connection $MID listed" \
		"*$D tcp 8080 remote 10.77.0.2:$MID member 3*" "$KTAP_STDOUT_TEXT"
}

# Among 20,000 connection entries, each packet finds its own, before the
# port's entry.
t_verdicts() {
	rsts 50000 50001 1 && rsts $MID $((MID + 1)) 0 && rsts $FIRST $FIRST 0 && rsts $LAST $LAST 0
}

# An entry moved to another member is changed in place: never missing, so
# the lead would never answer for it meanwhile; the count stays.
t_move() {
	load $MID 2 2 && entries || return 1
	ktap_expect_eq "entries after the move" $((N + 3)) "$ENTRIES" || return 1
	rsts $MID $((MID + 1)) 1
}

t_owner_del() {
	ktap_run m vrctl dhost owner del $D tcp 8080 remote 10.77.0.2:$MID &&
		ktap_run m vrctl dhost owner del $D tcp 8080 remote 10.77.0.2:$((MID + 1)) &&
		entries || return 1
	ktap_expect_eq "entries after two deletions" $((N + 1)) "$ENTRIES" || return 1
	# Back to the port's owner, member 2.
	rsts $MID $((MID + 1)) 1 || return 1
	ktap_run m vrctl dhost owner del $D tcp 8080 remote 10.77.0.2:$MID
	ktap_expect_rc 1 || return 1
	ktap_expect_match "deleted twice: ENOENT" "*no such ownership entry*" "$KTAP_STDERR_TEXT"
}

t_refusals() {
	# A connection of an address that is not distributed.
	ktap_run m vr-nlraw $OWNER_SET u32:1=0x01004d0a u32:3=6 u32:4=8080 u32:6=$C_U32 \
		u32:7=1 u32:8=3
	ktap_expect_match "not distributed" \
		"errno=2 name=ENOENT extack=\"address is not distributed\"*" "$KTAP_STDOUT_TEXT" ||
		return 1
	# A connection without a remote port.
	ktap_run m vr-nlraw $OWNER_SET u32:1=$D_U32 u32:3=6 u32:4=8080 u32:6=$C_U32 u32:8=3
	ktap_expect_match "no remote port" "errno=22 name=EINVAL*" "$KTAP_STDOUT_TEXT" || return 1
	# Without CAP_NET_ADMIN.
	ktap_run m vr-capdrop 12 -- vr-nlraw $OWNER_SET u32:7=1 u32:1=$D_U32 u32:3=6 u32:4=8080 \
		u32:6=$C_U32 u32:8=3
	ktap_expect_match "unprivileged: EPERM" "errno=1 name=EPERM*" "$KTAP_STDOUT_TEXT"
}

# send WHAT ARG...: one owner-batch request in M, with the attributes ARG
# (from batch); the command is shown as WHAT, the answer in KTAP_STDOUT_TEXT.
send() {
	local what=$1
	shift
	echo "# \$ vr-nlraw $OWNER_BATCH $what ($# attributes)"
	KTAP_STDOUT_TEXT=$(m vr-nlraw $OWNER_BATCH "$@" 2>&1)
	echo "# $KTAP_STDOUT_TEXT"
}

# owner-batch: batch-max (1,024) entries in one request; all or nothing, the
# extended ack pointing at the entry at fault.
t_batch() {
	local base=$((N + 1)) want
	# shellcheck disable=SC2046 # one argument per entry
	send "set 60000-61023" $(batch $SET 60000 1024)
	ktap_expect_match "1,024 entries in one request" "errno=0 *" "$KTAP_STDOUT_TEXT" &&
		entries || return 1
	ktap_expect_eq "entries after it" $((base + 1024)) "$ENTRIES" || return 1
	rsts 61023 61023 0 || return 1
	# shellcheck disable=SC2046
	send "set 62000-63024" $(batch $SET 62000 1025)
	want="errno=7 name=E2BIG extack=\"more entries than batch-max\""
	ktap_expect_match "1,025 entries: E2BIG, at the 1,025th" \
		"$want *offs=$((HDR + 1024 * SET_LEN))*" "$KTAP_STDOUT_TEXT" || return 1
	# shellcheck disable=SC2046
	send "set 62000-62009, the 6th for protocol 1" $(batch $SET 62000 5) \
		$(batch $SET 62005 1 3 1) $(batch $SET 62006 4)
	want="errno=22 name=EINVAL extack=\"protocol must be TCP (6) or UDP (17)\""
	ktap_expect_match "a bad entry: EINVAL, at it" \
		"$want *offs=$((HDR + 5 * SET_LEN))*" "$KTAP_STDOUT_TEXT" || return 1
	# shellcheck disable=SC2046
	send "set 62000-62001, del 62000" $(batch $SET 62000 2) $(batch $DEL 62000 1)
	want="errno=22 name=EINVAL extack=\"key given twice in the batch\""
	ktap_expect_match "a key twice: EINVAL, at the second" \
		"$want *offs=$((HDR + 2 * SET_LEN))*" "$KTAP_STDOUT_TEXT" || return 1
	# shellcheck disable=SC2046
	send "set 62000-62001, del 60000-61020 and 64000" $(batch $SET 62000 2) \
		$(batch $DEL 60000 1021) $(batch $DEL 64000 1)
	ktap_expect_match "a del of no entry: ENOENT" \
		"errno=2 name=ENOENT extack=\"no such ownership entry\"*" "$KTAP_STDOUT_TEXT" &&
		entries || return 1
	ktap_expect_eq "refused batches changed nothing" $((base + 1024)) "$ENTRIES" || return 1
	ktap_run m vr-nlraw $OWNER_BATCH
	ktap_expect_match "no entry: EINVAL" "errno=22 name=EINVAL*" "$KTAP_STDOUT_TEXT" || return 1
	# shellcheck disable=SC2046
	ktap_run m vr-capdrop 12 -- vr-nlraw $OWNER_BATCH $(batch $DEL 60000 1)
	ktap_expect_match "unprivileged: EPERM" "errno=1 name=EPERM*" "$KTAP_STDOUT_TEXT" ||
		return 1
	# With missing-ok, the absent key is skipped; the others go.
	# shellcheck disable=SC2046
	send "missing-ok, del 60000-61022 and 64000" $MISSING_OK $(batch $DEL 60000 1023) \
		$(batch $DEL 64000 1)
	ktap_expect_match "missing-ok: the others deleted" "errno=0 *" "$KTAP_STDOUT_TEXT" &&
		entries || return 1
	ktap_expect_eq "entries after the deletions" $((base + 1)) "$ENTRIES"
}

# net.vr.dhost_max_entries: at most owner-max; in a user's own namespaces
# only the host sets it; lowered, it refuses new entries (ENOSPC), not
# moves, and keeps the entries above it.
t_max_entries() {
	local sysctl=net.vr.dhost_max_entries rc
	max_entries
	rc=$?
	# Back to the default, whatever failed: the cases after need it.
	m sysctl -qw $sysctl=524288
	return $rc
}

max_entries() {
	local sysctl=net.vr.dhost_max_entries file=/proc/sys/net/vr/dhost_max_entries full pid rc i
	full='errno=28 name=ENOSPC extack="ownership table is full (net.vr.dhost_max_entries)"'
	ktap_expect_eq "default: owner-max" 524288 "$(m sysctl -n $sysctl)" || return 1
	ktap_run m sh -c "echo 524289 > $file"
	ktap_expect_eq "no more than owner-max" 524288 "$(m sysctl -n $sysctl)" || return 1
	# A user's own namespace: its root cannot change it, the host can.
	ktap_run vr-priv as 1000 -n -- sh -c "echo 1 > $file; cat $file"
	ktap_expect_match "its root cannot change it" "*524288" "$KTAP_STDOUT_TEXT" || return 1
	ktap_expect_match "EPERM" "*not permitted*" "$KTAP_STDERR_TEXT" || return 1
	vr-priv as 1000 -n -- sleep 30 &
	pid=$!
	# Once it is in its namespace (never write the host's own).
	i=0
	while [ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/self/ns/net)" ] &&
		[ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] &&
		ktap_run ip netns attach "$M-user" $pid &&
		ktap_run ip netns exec "$M-user" sh -c "echo 7 > $file; cat $file"
	rc=$?
	kill $pid
	wait $pid 2>/dev/null
	ip netns del "$M-user" 2>/dev/null
	[ $rc = 0 ] || return 1
	ktap_expect_eq "the host can" 7 "$KTAP_STDOUT_TEXT" || return 1
	# Room for two: the limit counts ports and connections, the dump the range too.
	entries && ktap_run m sysctl -qw $sysctl=$((ENTRIES - 1 + 2)) || return 1
	# shellcheck disable=SC2046 # one argument per entry
	send "set 64000-64001" $(batch $SET 64000 2)
	ktap_expect_match "up to the limit" "errno=0 *" "$KTAP_STDOUT_TEXT" || return 1
	ktap_run m vr-nlraw $OWNER_SET u32:1=$D_U32 u32:3=6 u32:4=8080 u32:6=$C_U32 \
		u32:7=64002 u32:8=3
	ktap_expect_match "owner-set beyond it: ENOSPC" "$full*" "$KTAP_STDOUT_TEXT" || return 1
	# shellcheck disable=SC2046
	send "set 64002, del 64001" $(batch $SET 64002 1) $(batch $DEL 64001 1)
	ktap_expect_match "a batch that does not grow the table" "errno=0 *" \
		"$KTAP_STDOUT_TEXT" || return 1
	ktap_run m sysctl -qw $sysctl=1 || return 1
	# shellcheck disable=SC2046
	send "set 64003" $(batch $SET 64003 1)
	ktap_expect_match "batch beyond it: ENOSPC" "$full*" "$KTAP_STDOUT_TEXT" || return 1
	# shellcheck disable=SC2046
	send "set 64000 to member 2" $(batch $SET 64000 1 2)
	ktap_expect_match "a move below the entries held" "errno=0 *" "$KTAP_STDOUT_TEXT" ||
		return 1
	rsts 64000 64000 1 && entries || return 1
	ktap_expect_eq "lowering it kept the entries" $((N + 4)) "$ENTRIES" || return 1
	ktap_run m sysctl -qw $sysctl=524288 || return 1
	# shellcheck disable=SC2046
	send "set 64003" $(batch $SET 64003 1)
	ktap_expect_match "raised again" "errno=0 *" "$KTAP_STDOUT_TEXT"
}

# dhost del takes the address's entries with it, and only them.
t_dhost_del() {
	ktap_run m vrctl dhost del $D && entries || return 1
	ktap_expect_eq "entries left (D6's port)" 1 "$ENTRIES" || return 1
	ktap_run m vrctl dhost owner show
	ktap_expect_match "D6's port stays" "$D6 tcp 8080 member 3" "$KTAP_STDOUT_TEXT"
}

# A namespace dismantled with 20,000 entries frees them (kmemleak checks the
# kernel log at the end of the run).
t_netns_del() {
	ktap_run m vrctl dhost set $D dev m0 member 2 lead 1 && load $FIRST $N 3 || return 1
	ktap_run ip netns del "$M" && ktap_run ip netns add "$M" && entries || return 1
	ktap_expect_eq "a new namespace has no entry" 0 "$ENTRIES"
}

suite() {
	ktap_test_result "setup: member M, client C, $D and $D6 distributed" t_setup
	ktap_test_result "$N connection entries, one owner-set each" t_load
	ktap_test_result "vrctl dhost owner show lists them" t_show
	ktap_test_result "a connection's entry beats its port's among $N" t_verdicts
	ktap_test_result "moving two connections to member 2: same count, its verdict" t_move
	ktap_test_result "owner del of a connection: back to the port's owner" t_owner_del
	ktap_test_result "owner-set refusals: not distributed, no remote port, unprivileged" \
		t_refusals
	ktap_test_result "owner-batch: 1,024 entries at once, all or nothing, acked at the entry" \
		t_batch
	ktap_test_result "net.vr.dhost_max_entries: its limit, lowered, the host's in a userns" \
		t_max_entries
	ktap_test_result "dhost del removes the address's $N entries, not another's" t_dhost_del
	ktap_test_result "a namespace deleted with $N entries" t_netns_del
}
ktap_run_suite suite
