#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: the kernel side of port claims on a distributed address. A bind
# on the address is announced to the "dhost" group (sock-ntf) and waits for
# the ownership daemon's claim-answer; the socket's close gives the claim
# back. vr-claimd stands in for the daemon and answers as scripted.
#
#   netns vrc-PID: d0 (dummy) 10.7.0.1/24 distributed (member 2, lead 1)
#                             10.7.0.2/24 ordinary, fd07::1/64 ordinary;
#                  VR 5 exists
#
# IPv6 sockets claim too: one on ::ffff:10.7.0.1, or on a dual-stack ::,
# takes a port of the distributed IPv4 address.

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

if [ -z "${VR_DC_NS:-}" ]; then
	ns=vrc-$$
	ip netns add "$ns" || {
		echo "TAP version 13"
		echo "Bail out! ip netns add failed"
		exit 1
	}
	vr_netns_cleanup "$ns"
	VR_DC_NS=$ns vr_netns_run "$ns" sh "$HERE/$(basename "$0")"
	rc=$?
	exit "$rc"
fi

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-dc.XXXXXX) || exit 1
D=10.7.0.1
CLAIMD=$T/claimd
CLAIMD_PID=
cleanup() {
	ktap_bg_stop ${CLAIMD_PID:+"$CLAIMD_PID"}
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

# wait_line FILE ERE: wait up to 5 s for a line of FILE to match.
wait_line() {
	i=0
	while [ $i -lt 50 ]; do
		grep -Eq "$2" "$1" && { echo "# check: line /$2/"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	ktap_check_fail "no line matching: $2"
	ktap_print_file "$(basename "$1"): " "$1"
	return 1
}

# count ERE: lines of the daemon's log that match.
count() {
	grep -Ec "$1" "$CLAIMD"
}

# A distributed address belongs to its VR: its interface does not move to
# another VR (the entry and its ownership would stay in the old one) until
# the address is no longer distributed.
t_assign_distributed() {
	ktap_run vrctl assign d0 5
	ktap_expect_rc 1 || return 1
	ktap_expect_match "extack" "*interface has distributed addresses*" "$KTAP_STDERR_TEXT" ||
		return 1
	ktap_run vrctl dhost del $D &&
	ktap_run vrctl assign d0 5 &&
	ktap_run vrctl assign d0 0
}

t_setup() {
	ktap_run ip link set lo up && ktap_run ip link add d0 type dummy &&
		ktap_run ip link set d0 up &&
		ktap_run ip addr add $D/24 dev d0 && ktap_run ip addr add 10.7.0.2/24 dev d0 &&
		ktap_run ip -6 addr add fd07::1/64 dev d0 nodad &&
		ktap_run vrctl create 5 &&
		ktap_run vrctl dhost set $D dev d0 member 2 lead 1
}

t_no_daemon() {
	ktap_run vr-sock bind tcp $D 8000
	ktap_expect_stdout "error: ENOTCONN"
	ktap_run vr-sock bind udp $D 8000
	ktap_expect_stdout "error: ENOTCONN"
	ktap_run vr-sock bind tcp 0.0.0.0 8000
	ktap_expect_stdout "error: ENOTCONN"
}

# IPv6 sockets that can receive D's packets claim as IPv4 ones do.
t_v6_no_daemon() {
	ktap_run vr-sock bind tcp :: 8000
	ktap_expect_stdout "error: ENOTCONN"
	ktap_run vr-sock bind udp "::ffff:$D" 8000
	ktap_expect_stdout "error: ENOTCONN"
}

# An IPv6-only socket on :: and one on an IPv6 address receive nothing for
# D: they bind without a daemon.
t_v6_only_without_daemon() {
	ktap_bg_ready "$T/v6o" vr-sock bind tcp fd07::1 8000 || return 1
	ktap_bg_stop
	ktap_run sysctl -qw net.ipv6.bindv6only=1 || return 1
	ktap_bg_ready "$T/v6only" vr-sock bind tcp :: 8000
	local rc=$?
	ktap_bg_stop
	ktap_run sysctl -qw net.ipv6.bindv6only=0
	return $rc
}

t_ordinary_without_daemon() {
	ktap_bg_ready "$T/ord" vr-sock bind tcp 10.7.0.2 8000
	ktap_bg_stop
}

# Only CAP_NET_ADMIN may join the dhost group: an unprivileged listener
# would turn the daemon's absence (ENOTCONN at once) into a 5 s ETIMEDOUT.
t_unprivileged_listener() {
	ktap_run vr-capdrop 12 -- vr-claimd -t 3000 8000=0
	ktap_expect_rc 1
	ktap_expect_match "the join is refused" "*joining group dhost: Operation not permitted*" \
		"$KTAP_STDERR_TEXT"
	ktap_run vr-sock bind tcp $D 8000
	ktap_expect_stdout "error: ENOTCONN"
}

t_daemon() {
	# Not a ktap_bg_ready job: ktap_bg_stop must not stop it.
	ktap_run_bg "$CLAIMD" vr-claimd -t 120000 8001=98 8002=none
	CLAIMD_PID=$KTAP_BG_PID
	wait_line "$CLAIMD" "^ready$"
}

# bind_and_close PROTO ADDR PORT [TOLD]: the bind is claimed, and given back
# on close; TOLD is how the daemon is told the address (default addr=ADDR).
bind_and_close() {
	local proto=6 told="${4:-addr=$2}"
	[ "$1" = udp ] && proto=17
	ktap_bg_ready "$T/s-$1-$3" vr-sock bind "$1" "$2" "$3" || return 1
	wait_line "$CLAIMD" "^bind cookie=[1-9][0-9]* $told vr=0 proto=$proto port=$3 answer=0$"
	ktap_expect_eq "no close while the socket is open" 0 \
		"$(count "^close $told vr=0 proto=$proto port=$3$")"
	ktap_bg_stop
	wait_line "$CLAIMD" "^close $told vr=0 proto=$proto port=$3$"
}

t_tcp() {
	bind_and_close tcp $D 8000
}

t_udp() {
	bind_and_close udp $D 8000
}

t_wildcard() {
	bind_and_close tcp 0.0.0.0 8003
}

# A dual-stack :: is on every address of both families: told as 0.0.0.0
# and ::; ::ffff:D is D, ::ffff:0.0.0.0 every IPv4 address.
t_v6_wildcard() {
	bind_and_close tcp :: 8010 "addr=0\.0\.0\.0 addr6=::" &&
		bind_and_close udp :: 8010 "addr=0\.0\.0\.0 addr6=::"
}

t_v6_mapped() {
	bind_and_close tcp "::ffff:$D" 8011 "addr=$D" &&
		bind_and_close udp "::ffff:0.0.0.0" 8011 "addr=0\.0\.0\.0"
}

# A listener on :: and its connections from D: listen as a wildcard, the
# connection with D's IPv4 key.
t_v6_conn_events() {
	local p
	ktap_bg_ready "$T/srv7" vr-sock serve tcp :: 8012 hi || return 1
	wait_line "$CLAIMD" "^listen addr=0\.0\.0\.0 addr6=:: vr=0 proto=6 port=8012$"
	ktap_run vr-sock request tcp $D 8012
	ktap_expect_stdout "hi"
	wait_line "$CLAIMD" "^connect addr=$D vr=0 proto=6 port=[0-9]+ remote=$D:8012$" || return 1
	p=$(sed -n "s/^connect addr=$D vr=0 proto=6 port=\([0-9]*\) remote=$D:8012$/\1/p" "$CLAIMD")
	wait_line "$CLAIMD" "^accept addr=$D vr=0 proto=6 port=8012 remote=$D:$p$"
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=6 port=8012 remote=$D:$p$"
	ktap_bg_stop
	wait_line "$CLAIMD" "^close addr=0\.0\.0\.0 addr6=:: vr=0 proto=6 port=8012$"
}

# Neither an IPv6-only :: nor an IPv6 address is on D: nothing is told.
t_v6_not_distributed() {
	ktap_bg_ready "$T/v6a" vr-sock bind udp fd07::1 8013 || return 1
	ktap_bg_stop
	ktap_run sysctl -qw net.ipv6.bindv6only=1 || return 1
	ktap_bg_ready "$T/v6b" vr-sock bind tcp :: 8013
	ktap_bg_stop
	ktap_run sysctl -qw net.ipv6.bindv6only=0
	bind_and_close udp $D 8097
	ktap_expect_eq "no event for port 8013" 0 "$(count "port=8013")"
}

# A distributed IPv6 address: its sockets and an IPv6-only :: claim, told
# with addr6; its connections with [remote]:port.
t_v6_native() {
	local d6=fd07::100 rc p
	ktap_run ip -6 addr add $d6/128 dev d0 nodad &&
		ktap_run vrctl dhost set $d6 dev d0 member 2 lead 1 || return 1
	bind_and_close tcp $d6 8014 "addr6=$d6" && bind_and_close udp $d6 8014 "addr6=$d6" &&
		ktap_run sysctl -qw net.ipv6.bindv6only=1 || return 1
	bind_and_close tcp :: 8015 "addr6=::"
	rc=$?
	ktap_run sysctl -qw net.ipv6.bindv6only=0
	[ $rc = 0 ] || return 1
	ktap_bg_ready "$T/srv8" vr-sock serve tcp $d6 8016 hi || return 1
	wait_line "$CLAIMD" "^listen addr6=$d6 vr=0 proto=6 port=8016$"
	ktap_run vr-sock request tcp $d6 8016
	ktap_expect_stdout "hi"
	wait_line "$CLAIMD" "^connect addr6=$d6 vr=0 proto=6 port=[0-9]+ remote=\\[$d6\\]:8016$" ||
		return 1
	p=$(sed -n "s/^connect addr6=$d6 vr=0 proto=6 port=\([0-9]*\) remote=.*/\1/p" "$CLAIMD")
	wait_line "$CLAIMD" "^accept addr6=$d6 vr=0 proto=6 port=8016 remote=\\[$d6\\]:$p$"
	ktap_bg_stop
	wait_line "$CLAIMD" "^close addr6=$d6 vr=0 proto=6 port=8016$"
	ktap_run vrctl dhost del $d6
}

t_refused() {
	ktap_run vr-sock bind tcp $D 8001
	ktap_expect_stdout "error: EADDRINUSE"
	wait_line "$CLAIMD" "^bind .* port=8001 answer=98$"
	ktap_expect_eq "a refused claim is not given back" 0 "$(count "^close .* port=8001$")"
	# The failed bind left nothing bound: the port binds on an ordinary address.
	ktap_bg_ready "$T/ord1" vr-sock bind tcp 10.7.0.2 8001
	ktap_bg_stop
}

t_timeout() {
	ktap_run vr-sock -t 10000 bind tcp $D 8002
	ktap_expect_stdout "error: ETIMEDOUT"
	wait_line "$CLAIMD" "^bind .* port=8002 answer=none$"
	# A late grant must not stick: the claim is given back.
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=6 port=8002$"
}

t_not_distributed() {
	ktap_bg_ready "$T/ord2" vr-sock bind tcp 10.7.0.2 8004
	ktap_bg_ready "$T/vr5" vr-sock -v 5 bind udp 0.0.0.0 8004
	ktap_bg_stop
	# A later claim proves the daemon has seen everything before it.
	bind_and_close udp $D 8099
	ktap_expect_eq "no event for port 8004" 0 "$(count "port=8004")"
}

t_connections() {
	ktap_bg_ready "$T/srv" vr-sock serve tcp $D 8005 hi || return 1
	ktap_run vr-sock request tcp $D 8005
	ktap_expect_stdout "hi"
	ktap_run vr-sock request tcp $D 8005
	ktap_expect_stdout "hi"
	ktap_expect_eq "accepted connections give nothing back" 0 "$(count "^close .* port=8005$")"
	ktap_bg_stop
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=6 port=8005$"
	ktap_expect_eq "one bind and one close for the listener" "1 1" \
		"$(count "^bind .* port=8005 ") $(count "^close .* port=8005$")"
}

# A server and a client on D, in this kernel: listen, accept and connect are
# told with their four-tuple, and each connection's end too.
t_conn_events() {
	local p
	ktap_bg_ready "$T/srv6" vr-sock serve tcp $D 8006 hi || return 1
	wait_line "$CLAIMD" "^listen addr=$D vr=0 proto=6 port=8006$"
	ktap_run vr-sock request tcp $D 8006
	ktap_expect_stdout "hi"
	wait_line "$CLAIMD" "^connect addr=$D vr=0 proto=6 port=[0-9]+ remote=$D:8006$" || return 1
	p=$(sed -n "s/^connect addr=$D vr=0 proto=6 port=\([0-9]*\) remote=$D:8006$/\1/p" "$CLAIMD")
	wait_line "$CLAIMD" "^accept addr=$D vr=0 proto=6 port=8006 remote=$D:$p$"
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=6 port=8006 remote=$D:$p$"
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=6 port=$p remote=$D:8006$"
	ktap_bg_stop
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=6 port=8006$"
	# A connected UDP socket (nobody serves the port: refused).
	ktap_run vr-sock request udp $D 8007
	ktap_expect_rc 11
	wait_line "$CLAIMD" "^connect addr=$D vr=0 proto=17 port=[0-9]+ remote=$D:8007$"
	wait_line "$CLAIMD" "^close addr=$D vr=0 proto=17 port=[0-9]+ remote=$D:8007$"
	# Connections of ordinary addresses are not told.
	ktap_run vr-sock -s 10.7.0.2 request udp 10.7.0.2 8007
	bind_and_close udp $D 8098
	ktap_expect_eq "no event for 10.7.0.2" 0 "$(count "10.7.0.2")" ||
		grep 10.7.0.2 "$CLAIMD" | sed 's/^/# /'
}

t_late_answer() {
	ktap_run vr-nlraw 15 u32:2=4000000000 u32:7=0
	ktap_expect_stdout 'errno=2 name=ENOENT extack="no bind waits for this claim" entries=0'
	ktap_run vr-capdrop 12 -- vr-nlraw 15 u32:2=1 u32:7=0
	ktap_expect_match "EPERM without CAP_NET_ADMIN" "errno=1 name=EPERM *" "$KTAP_STDOUT_TEXT"
}

# Only the documented errnos may answer a claim: a kernel-internal code such
# as ERESTARTSYS (512) must never reach bind().
t_answer_errno() {
	local einval='errno=22 name=EINVAL extack="errno is not one a claim may be refused with"'
	for e in 512 516 4095 2 11; do
		ktap_run vr-nlraw 15 u32:2=4000000000 u32:7=$e
		ktap_expect_stdout "$einval entries=0"
	done
	for e in 0 98 99 13 1 22 105 12 113 110 107; do
		ktap_run vr-nlraw 15 u32:2=4000000000 u32:7=$e
		ktap_expect_stdout \
			'errno=2 name=ENOENT extack="no bind waits for this claim" entries=0'
	done
}

suite() {
	ktap_test_result "setup: $D distributed on d0, 10.7.0.2 ordinary" t_setup
	ktap_test_result "bind on a distributed address without daemon: ENOTCONN" t_no_daemon
	ktap_test_result "bind on an ordinary address needs no daemon" t_ordinary_without_daemon
	ktap_test_result "IPv6 bind on a dual-stack :: or ::ffff:D without daemon: ENOTCONN" \
		t_v6_no_daemon
	ktap_test_result "IPv6 bind on an IPv6 address or an IPv6-only :: needs no daemon" \
		t_v6_only_without_daemon
	ktap_test_result "an unprivileged listener cannot join the dhost group" \
		t_unprivileged_listener
	ktap_test_result "a daemon joins the dhost group" t_daemon
	ktap_test_result "TCP bind is claimed, close gives it back" t_tcp
	ktap_test_result "UDP bind is claimed, close gives it back" t_udp
	ktap_test_result "wildcard bind claims with address 0" t_wildcard
	ktap_test_result "dual-stack :: bind claims with addr 0.0.0.0 and addr6 ::" t_v6_wildcard
	ktap_test_result "IPv6 bind on ::ffff:D claims D, on ::ffff:0.0.0.0 address 0" \
		t_v6_mapped
	ktap_test_result "a dual-stack listener's events: a wildcard, then D's connections" \
		t_v6_conn_events
	ktap_test_result "IPv6-only sockets and IPv6 addresses claim nothing" \
		t_v6_not_distributed
	ktap_test_result "a distributed IPv6 address: binds, an IPv6-only :: and connections" \
		t_v6_native
	ktap_test_result "refused claim: the bind fails with the daemon's errno" t_refused
	ktap_test_result "unanswered claim: ETIMEDOUT, then given back" t_timeout
	ktap_test_result "ordinary addresses and other VRs claim nothing" t_not_distributed
	ktap_test_result "accepted connections do not give back the listener's port" t_connections
	ktap_test_result "listen, accept, connect and connection ends are told" t_conn_events
	ktap_test_result "claim-answer: ENOENT for no waiting bind, EPERM unprivileged" \
		t_late_answer
	ktap_test_result "claim-answer: only the documented errnos" t_answer_errno
	ktap_test_result "an interface with a distributed address cannot change VR: EBUSY" \
		t_assign_distributed
}
ktap_run_suite suite
