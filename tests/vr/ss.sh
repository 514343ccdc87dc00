#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest of an ss with VR support: ss prints the VR that sock_diag
# reports for each inet socket (INET_DIAG_VR) as "vr:N", and its filter
# expressions take "vr N". An ss without VR support prints no VR and cannot
# parse "vr 0": the script is skipped then.
#
#   netns ss-PID (the tests run here)
#   +--------------------------------------------------------------+
#   | ssd0 (dummy, VR 0)  10.66.0.1/24                              |
#   | ssd1 (dummy, VR 1)  10.66.0.1/24                              |
#   | TCP listeners  10.66.0.1:7300 in VR 0 and in VR 1             |
#   |                10.66.0.1:7302 in VR 1                         |
#   | UDP sockets    10.66.0.1:7301 in VR 0 and in VR 1             |
#   +--------------------------------------------------------------+
#
# The netns holds no other TCP or UDP socket, so each test compares the
# whole list ss prints, as "LOCAL-ADDRESS vr:N" pairs, with what it expects.
#
# Needs: ip (iproute2), ss (with VR support), vrctl and vr-sock in PATH.
# Output: KTAP; exit 0 if all passed, 1 otherwise.

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
vr_require ss
ss -H -tan "vr 0" >/dev/null 2>&1 ||
	vr_skip_all "ss without VR support (no \"vr N\" filter)"

# --- outer part: run the tests in a fresh network namespace ----------------

if [ -z "${VR_NETNS_TEST:-}" ]; then
	for cmd in ss vrctl vr-sock; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "TAP version 13"
			echo "Bail out! $cmd not found in PATH"
			exit 1
		fi
	done
fi
fresh_netns "$HERE/$(basename "$0")" ss

# --- inner part: in the netns -----------------------------------------------

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-ss.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	rm -rf "$T"
}
ktap_trap_cleanup cleanup
A=10.66.0.1

# The sockets ss printed in the last ktap_run, one "LOCAL vr:N" pair per
# line ("-" without a VR), sorted and joined by ", ". LOCAL is the first
# field with a colon (the columns before it depend on the options).
pairs() {
	awk '{ l = ""; v = "-"
		for (i = 1; i <= NF; i++) {
			if (l == "" && $i ~ /:/) l = $i
			if ($i ~ /^vr:[0-9]+$/) v = $i
		}
		print l " " v }' "$KTAP_STDOUT" | sort |
		awk '{ s = s (NR > 1 ? ", " : "") $0 } END { print s }'
}

# lists WHAT EXPECTED SS-ARG...: ss succeeds and prints EXPECTED pairs.
lists() {
	local what=$1 want=$2
	shift 2
	ktap_run ss -H "$@"
	ktap_expect_rc 0 &&
	ktap_expect_stderr "" &&
	ktap_expect_eq "$what" "$want" "$(pairs)"
}

t_setup() {
	ktap_run ip link set lo up &&
	ktap_run vrctl create 1 name ss1 &&
	ktap_run ip link add ssd0 type dummy &&
	ktap_run ip addr add "$A/24" dev ssd0 &&
	ktap_run ip link set ssd0 up &&
	ktap_run ip link add ssd1 type dummy &&
	ktap_run vrctl assign ssd1 1 &&
	ktap_run ip addr add "$A/24" dev ssd1 &&
	ktap_run ip link set ssd1 up &&
	ktap_bg_ready "$T/t0" vr-sock -v 0 bind tcp "$A" 7300 &&
	ktap_bg_ready "$T/t1" vr-sock -v 1 bind tcp "$A" 7300 &&
	ktap_bg_ready "$T/t2" vr-sock -v 1 bind tcp "$A" 7302 &&
	ktap_bg_ready "$T/u0" vr-sock -v 0 bind udp "$A" 7301 &&
	ktap_bg_ready "$T/u1" vr-sock -v 1 bind udp "$A" 7301
}

t_show_tcp() {
	lists "TCP listeners" "$A:7300 vr:0, $A:7300 vr:1, $A:7302 vr:1" -tln
}

t_show_udp() {
	lists "UDP sockets" "$A:7301 vr:0, $A:7301 vr:1" -uan
}

t_filter_vr() {
	lists "VR 1's listeners" "$A:7300 vr:1, $A:7302 vr:1" -tln vr 1 &&
	lists "VR 0's listener" "$A:7300 vr:0" -tln vr 0 &&
	lists "VR 1's listeners (vr == 1)" "$A:7300 vr:1, $A:7302 vr:1" -tln vr == 1 &&
	lists "VR 2's: none" "" -tln vr 2
}

t_filter_vr_port() {
	lists "VR 1's listener on 7300" "$A:7300 vr:1" -tln 'vr 1 and sport = :7300' &&
	lists "VR 0's listener on 7300" "$A:7300 vr:0" -tln sport = :7300 and vr 0 &&
	lists "VR 0's listener on 7302: none" "" -tln 'vr 0 and sport = :7302'
}

# The kernel cannot test the VR: a wrong bytecode would drop or keep
# sockets whatever ss then decides.
t_filter_not_or() {
	lists "not vr 1" "$A:7300 vr:0" -tln 'not vr 1' &&
	lists "vr != 0" "$A:7300 vr:1, $A:7302 vr:1" -tln 'vr != 0' &&
	lists "vr 0 or sport = :7302" "$A:7300 vr:0, $A:7302 vr:1" -tln 'vr 0 or sport = :7302' &&
	lists "not (vr 1 and sport = :7300)" "$A:7300 vr:0, $A:7302 vr:1" \
		-tln 'not ( vr 1 and sport = :7300 )'
}

t_filter_udp() {
	lists "VR 1's UDP socket on 7301" "$A:7301 vr:1" -uan 'vr 1 and sport = :7301' &&
	lists "VR 0's UDP socket" "$A:7301 vr:0" -uan vr 0
}

t_raw() {
	ktap_bg_ready "$T/r1" vr-sock -v 1 -t 60000 rawcount 8 || return 1
	lists "VR 1's raw socket" "0.0.0.0:1 vr:1" -wan vr 1 &&
	lists "VR 0's raw sockets: none" "" -wan vr 0
}

# A TIME_WAIT socket carries its VR too. The end that closes first keeps it:
# the server, which closes after its reply, unless the client, which closes
# after reading it, runs first (on a loaded machine it does); when both
# close at once, both keep one. Either end is 10.66.0.1 in VR 1, so the
# ports are left out of the comparison.
t_time_wait() {
	local tw='( sport = :7303 or dport = :7303 )' got

	ktap_bg_ready "$T/s3" vr-sock -v 1 serve tcp "$A" 7303 hi || return 1
	ktap_run vr-sock -v 1 request tcp "$A" 7303
	ktap_expect_stdout hi || return 1
	sleep 1
	ktap_run ss -H -tan state time-wait "vr 1 and $tw"
	ktap_expect_rc 0 &&
	ktap_expect_stderr "" &&
	got=$(pairs | sed 's/:[0-9]* / /g')
	# one end, or both after a simultaneous close
	[ "$got" = "$A vr:1, $A vr:1" ] && got="$A vr:1"
	ktap_expect_eq "VR 1's TIME_WAIT socket" "$A vr:1" "$got" &&
	lists "VR 0's TIME_WAIT sockets: none" "" -tan state time-wait vr 0
}

# sock_diag lists the whole namespace: ss run by a task of VR 1 sees VR 0's
# sockets too, each with its VR.
t_in_vr1() {
	ktap_run vrctl exec 1 ss -Htln
	ktap_expect_rc 0 &&
	ktap_expect_eq "TCP listeners seen from VR 1" \
		"$A:7300 vr:0, $A:7300 vr:1, $A:7302 vr:1" "$(pairs)"
}

t_bad_vr() {
	ktap_run ss -tln vr x
	ktap_expect_rc 1
	ktap_expect_stdout ""
	ktap_expect_stderr "Cannot parse virtual router x."
}

# ss -K (SOCK_DESTROY) run in VR 1 kills VR 1's sockets with the tuple it
# asks for, not VR 0's: the kernel looks the socket up in the requester's
# VR, and ss prints the sockets it killed. (Last: it closes the sockets of
# the setup. A bound UDP socket stays listed after an abort.)
t_kill_in_vr1() {
	ktap_bg_ready "$T/r0" vr-sock -v 0 -t 60000 rawcount 8 || return 1
	ktap_run vrctl exec 1 ss -HK -uan 'sport = :7301' &&
	ktap_expect_eq "UDP sockets killed" "$A:7301 vr:1" "$(pairs)" &&
	ktap_run vrctl exec 1 ss -HK -tln 'sport = :7300' &&
	ktap_expect_eq "TCP listeners killed" "$A:7300 vr:1" "$(pairs)" &&
	lists "TCP listeners left on 7300" "$A:7300 vr:0" -tln 'sport = :7300' &&
	ktap_run vrctl exec 1 ss -HK -wan &&
	ktap_expect_eq "raw sockets killed" "0.0.0.0:1 vr:1" "$(pairs)" &&
	lists "raw sockets left" "0.0.0.0:1 vr:0" -wan
}

suite() {
	ktap_test_result "setup: the same TCP and UDP ports in VR 0 and VR 1" t_setup
	ktap_test_result "ss -tln shows each listener's VR" t_show_tcp
	ktap_test_result "ss -uan shows each UDP socket's VR" t_show_udp
	ktap_test_result "ss -tln vr N lists VR N's listeners only" t_filter_vr
	ktap_test_result "ss -tln 'vr N and sport = :P'" t_filter_vr_port
	ktap_test_result "vr under not and or: the kernel drops no socket ss wants" t_filter_not_or
	ktap_test_result "ss -uan 'vr N and sport = :P'" t_filter_udp
	ktap_test_result "ss in VR 1 lists every VR's sockets, with their VR" t_in_vr1
	ktap_test_result "ss -wan vr N: raw sockets" t_raw
	ktap_test_result "ss state time-wait vr N: TIME_WAIT sockets" t_time_wait
	ktap_test_result "ss vr x: refused" t_bad_vr
	ktap_test_result "ss -K in VR 1 kills VR 1's sockets, not VR 0's" t_kill_in_vr1
}
ktap_run_suite suite
