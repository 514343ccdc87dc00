#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: VRF devices keep working once VRs exist (the vr_in_use static
# key on), and a VR and a VRF with the same addresses and ports stay apart.
#
#   netns vrfp-PID                netns vrv-PID (tests run here)
#   +-------------+               +-----------------------------------+
#   | fb 10.5.0.2 |--- veth ------| fa 10.5.0.1, in VRF vrf-t (t 100) |
#   +-------------+               |                                   |
#   netns vrfq-PID                |                                   |
#   +-------------+               |                                   |
#   | qb 10.5.0.2 |--- veth ------| qa 10.5.0.1, in VR 1             |
#   +-------------+               +-----------------------------------+
#
# Servers on the DUT, same ports: one bound to the VRF (SO_BINDTODEVICE),
# one in VR 1 (SO_VR), each answering its own name.

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

fresh_netns "$HERE/$(basename "$0")" vrv vrfp vrfq
# shellcheck disable=SC2086 # one word per namespace
set -- $VR_NETNS_PEERS
P=$1
Q=$2

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-vrf.XXXXXX) || exit 1
cleanup() {
	ktap_bg_stop
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

t_setup() {
	ktap_run ip link set lo up &&
	ktap_run ip link add vrf-t type vrf table 100 &&
	ktap_run ip link set vrf-t up &&
	ktap_run ip link add fa type veth peer name fb netns "$P" &&
	ktap_run ip link set fa master vrf-t &&
	ktap_run ip addr add 10.5.0.1/24 dev fa &&
	ktap_run ip link set fa up &&
	ktap_run ip -n "$P" addr add 10.5.0.2/24 dev fb &&
	ktap_run ip -n "$P" link set fb up &&
	ktap_run vrctl create 1 name one &&
	ktap_run ip link add qa type veth peer name qb netns "$Q" &&
	ktap_run vrctl assign qa 1 &&
	ktap_run ip addr add 10.5.0.1/24 dev qa &&
	ktap_run ip link set qa up &&
	ktap_run ip -n "$Q" addr add 10.5.0.2/24 dev qb &&
	ktap_run ip -n "$Q" link set qb up || return 1
	ktap_bg_ready "$T/vrf-tcp" vr-sock -d vrf-t serve tcp 0.0.0.0 7000 vrf &&
	ktap_bg_ready "$T/vrf-udp" vr-sock -d vrf-t serve udp 0.0.0.0 7000 vrf &&
	ktap_bg_ready "$T/vr1-tcp" vr-sock -v 1 serve tcp 0.0.0.0 7000 vr1 &&
	ktap_bg_ready "$T/vr1-udp" vr-sock -v 1 serve udp 0.0.0.0 7000 vr1 &&
	ktap_bg_ready "$T/peer-tcp" ip netns exec "$P" vr-sock serve tcp 10.5.0.2 7001 peer-vrf &&
	ktap_bg_ready "$T/peerq-tcp" ip netns exec "$Q" vr-sock serve tcp 10.5.0.2 7001 peer-vr1
}

# answer NETNS PROTO: what the DUT's server on 10.5.0.1:7000 answers.
answer() {
	ktap_run ip netns exec "$1" vr-sock -t 5000 request "$2" 10.5.0.1 7000
	ktap_expect_rc 0
}

t_vrf_tcp() {
	answer "$P" tcp
	ktap_expect_stdout vrf
}

t_vrf_udp() {
	answer "$P" udp
	ktap_expect_stdout vrf
}

t_vr1_tcp() {
	answer "$Q" tcp
	ktap_expect_stdout vr1
}

t_vr1_udp() {
	answer "$Q" udp
	ktap_expect_stdout vr1
}

# From the DUT, a socket bound to the VRF and to its address: the source
# address must count as local (it is, in the VRF's table).
t_vrf_client_src() {
	ktap_run vr-sock -d vrf-t -s 10.5.0.1 -t 5000 request tcp 10.5.0.2 7001
	ktap_expect_rc 0
	ktap_expect_stdout peer-vrf
}

t_vr1_client_src() {
	ktap_run vr-sock -v 1 -s 10.5.0.1 -t 5000 request tcp 10.5.0.2 7001
	ktap_expect_rc 0
	ktap_expect_stdout peer-vr1
}

# VR 0 outside the VRF has neither the route nor the address.
t_vr0_apart() {
	ktap_run vr-sock -v 0 -t 2000 request tcp 10.5.0.2 7001
	ktap_check "refused without a route" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_stdout "error: ENETUNREACH" || return 1
	ktap_run vr-sock -v 0 -s 10.5.0.1 -t 2000 request tcp 10.5.0.2 7001
	ktap_check "refused with the address of a VRF and a VR" [ "$KTAP_RC" != 0 ] || return 1
	ktap_expect_stdout "error: EADDRNOTAVAIL"
}

suite() {
	local desc="setup: VRF vrf-t and VR 1 with the same addresses"
	ktap_test_result "$desc, servers on port 7000" t_setup
	ktap_test_result "TCP to a VRF-bound listener while VRs exist" t_vrf_tcp
	ktap_test_result "UDP to a VRF-bound server while VRs exist" t_vrf_udp
	ktap_test_result "TCP to the same address and port in VR 1 reaches VR 1's server" t_vr1_tcp
	ktap_test_result "UDP to the same address and port in VR 1 reaches VR 1's server" t_vr1_udp
	ktap_test_result "TCP from a VRF-bound socket with the VRF's address as source" \
		t_vrf_client_src
	ktap_test_result "TCP from VR 1 with VR 1's address as source reaches VR 1's peer" \
		t_vr1_client_src
	ktap_test_result "VR 0 reaches neither peer, nor uses their address as source" t_vr0_apart
}
ktap_run_suite suite
