#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: an interface that leaves its VR without an assign (deleted, or
# moved to another network namespace) is reported to the "monitor" group.
#
#   netns vrn-PID (tests run here)              netns vrn2-PID
#   +---------------------------------+         +--------------+
#   | lo, nd2 (dummy, VR 0)           |         |              |
#   | VR 7 "seven": nd0, nd1 (dummy)  | -- nd1 moved here -->  |
#   +---------------------------------+         +--------------+
#
# `vrctl monitor` runs in the background; each test waits for the exact
# change line with the VR's new interface list, and interfaces of VR 0 must
# not cause any event.

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

if [ -z "${VR_NE_NS2:-}" ]; then
	ns=vrn-$$ ns2=vrn2-$$
	for n in "$ns" "$ns2"; do
		ip netns add "$n" ||
			{ echo "TAP version 13"; echo "Bail out! ip netns add failed"; exit 1; }
		vr_netns_cleanup "$n"
	done
	VR_NE_NS2=$ns2 vr_netns_run "$ns" sh "$HERE/$(basename "$0")"
	rc=$?
	exit "$rc"
fi

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-ne.XXXXXX) || exit 1
MON=$T/mon
MON_PID=
cleanup() {
	[ -z "$MON_PID" ] || kill "$MON_PID" 2>/dev/null
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

# wait_line ERE: wait up to 5 s for a line of the monitor output to match.
wait_line() {
	i=0
	while [ $i -lt 50 ]; do
		grep -Eq "$1" "$MON" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	ktap_check_fail "no monitor line matching: $1"
	ktap_print_file "mon: " "$MON"
	return 1
}

t_setup() {
	ktap_run ip link add nd0 type dummy && ktap_run ip link add nd1 type dummy &&
		ktap_run ip link add nd2 type dummy && ktap_run vrctl create 7 name seven &&
		ktap_run vrctl assign nd0 7 && ktap_run vrctl assign nd1 7 || return 1
	ktap_run_bg "$MON" vrctl monitor
	MON_PID=$KTAP_BG_PID
	# The monitor is listening once it reports a probe VR.
	i=0
	while [ $i -lt 50 ]; do
		vrctl create 8 >/dev/null 2>&1 && vrctl delete 8 >/dev/null 2>&1
		grep -q "^create vr 8 " "$MON" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	ktap_check_fail "monitor did not start"
}

t_delete() {
	ktap_run ip link del nd0 || return 1
	wait_line '^change vr 7 name seven table 65543 interfaces: nd1$'
}

t_move() {
	ktap_run ip link set nd1 netns "$VR_NE_NS2" || return 1
	wait_line '^change vr 7 name seven table 65543 interfaces: -$'
}

t_state() {
	ktap_run vrctl show 7
	ktap_expect_eq "VR and interfaces" "vr 7 name seven table 65543
	interfaces: none" "$(head -n 2 "$KTAP_STDOUT")"
	ktap_run vrctl delete 7
	ktap_expect_rc 0
}

t_vr0_silent() {
	ktap_run ip link del nd2 || return 1
	# A later event proves the monitor has seen everything before it.
	ktap_run vrctl create 9 || return 1
	wait_line '^create vr 9 ' || return 1
	ktap_expect_eq "change events seen (only the two of VR 7)" 2 "$(grep -c '^change ' "$MON")"
	ktap_run vrctl delete 9
}

suite() {
	ktap_test_result "setup: VR 7 with nd0 and nd1, monitor listening" t_setup
	ktap_test_result "deleting an interface notifies its VR without it" t_delete
	ktap_test_result "moving an interface to another netns notifies its VR" t_move
	ktap_test_result "the VR is left empty and can be deleted" t_state
	ktap_test_result "interfaces of VR 0 cause no change event" t_vr0_silent
}
ktap_run_suite suite
