# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Makes "ip" mean iproute2's ip in this shell.
#
# busybox sh built with FEATURE_SH_STANDALONE (as Debian's busybox-static
# is) runs its own applets before searching PATH, so a plain "ip" in a
# script is busybox's ip, which has no "type dummy", "type veth" or "netns".
# Shell functions come before applets, so this defines ip() calling the
# first ip in PATH that says it is iproute2.
#
#	. "$lib/iproute2.sh" || exit 1	# returns 1 if there is no iproute2 ip
#
# Sets IPROUTE2 to its path. Commands run by other programs (timeout, sh -c,
# ip netns exec) do not see the function: call ip directly in the script.

iproute2_find() {
	local d oldifs="$IFS"
	IFS=:
	for d in $PATH; do
		[ -n "$d" ] || continue
		if [ -x "$d/ip" ] && "$d/ip" -V 2>/dev/null | grep -q iproute2; then
			IFS=$oldifs
			echo "$d/ip"
			return 0
		fi
	done
	IFS=$oldifs
	return 1
}

# fresh_netns SCRIPT TEST [PEER...]: unless VR_NETNS_TEST is set, make the
# network namespaces TEST-PID and PEER-PID..., run "sh SCRIPT" in the first
# with VR_NETNS_TEST set to its name and VR_NETNS_PEERS to the peers' names,
# delete them all and exit with SCRIPT's status. In SCRIPT's run inside
# TEST-PID it returns at once: the peers' names are the words of
# $VR_NETNS_PEERS, in order.
fresh_netns() {
	local script=$1 test=$2-$$ peers='' n rc
	[ -z "${VR_NETNS_TEST:-}" ] || return 0
	shift 2
	for n in "$@"; do
		peers="$peers $n-$$"
	done
	peers=${peers# }
	ip netns add "$test" || {
		echo "TAP version 13"
		echo "Bail out! ip netns add failed"
		exit 1
	}
	for n in $peers; do
		ip netns add "$n" || {
			echo "TAP version 13"
			echo "Bail out! ip netns add failed"
			exit 1
		}
	done
	VR_NETNS_TEST=$test VR_NETNS_PEERS=$peers ip netns exec "$test" sh "$script"
	rc=$?
	ip netns del "$test"
	for n in $peers; do
		ip netns del "$n"
	done
	exit "$rc"
}

if IPROUTE2=$(iproute2_find); then
	ip() {
		"$IPROUTE2" "$@"
	}
else
	echo "iproute2.sh: no iproute2 ip in PATH ($PATH)" >&2
	false
fi

# vr_skip_all REASON: end the script as skipped (KSFT_SKIP, 4), with a
# KTAP plan of no tests.
vr_skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit 4
}

# vr_require [PROGRAM...]: skip the script unless it can run here: as
# root, on a kernel with virtual routers (CONFIG_VR: /proc/self/vr), with
# vrctl and each PROGRAM in PATH.
vr_require() {
	local p
	[ "$(id -u)" = 0 ] || vr_skip_all "needs root"
	[ -e /proc/self/vr ] || vr_skip_all "kernel without CONFIG_VR (no /proc/self/vr)"
	for p in vrctl "$@"; do
		command -v "$p" >/dev/null 2>&1 || vr_skip_all "$p not found"
	done
}
