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

# Network namespaces vr_netns_cleanup deletes, and the pid of the command
# vr_netns_run runs.
VR_NETNS_DEL=
VR_NETNS_CHILD=

# vr_netns_cleanup NS...: delete the network namespaces NS... when the
# script ends, however it ends: at exit, or on SIGHUP, SIGINT or SIGTERM
# (what the kselftest runner sends when a test times out), after which it
# exits with status 128 + the signal number. busybox sh and dash run no
# EXIT trap when a signal they do not trap kills them. On a signal, the
# command vr_netns_run is waiting for gets SIGTERM and up to 10 s to clean
# up after itself first.
vr_netns_cleanup() {
	VR_NETNS_DEL="$VR_NETNS_DEL $*"
	trap __vr_netns_del EXIT
	trap '__vr_netns_signal 129' HUP
	trap '__vr_netns_signal 130' INT
	trap '__vr_netns_signal 143' TERM
}

__vr_netns_del() {
	local n list="$VR_NETNS_DEL"
	VR_NETNS_DEL=
	for n in $list; do
		ip netns del "$n"
	done
}

__vr_netns_signal() {
	local i=0 pid="$VR_NETNS_CHILD"
	VR_NETNS_CHILD=
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		# The shell reaps it while it runs sleep.
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	exit "$1"
}

# vr_netns_run NS CMD...: run CMD in network namespace NS (ip netns exec)
# and return its exit status. CMD runs in the background, waited for: a
# signal trapped by vr_netns_cleanup is then acted on at once, not when CMD
# ends (never, if it hangs; a runner may signal the script's process only).
vr_netns_run() {
	"$IPROUTE2" netns exec "$@" &
	VR_NETNS_CHILD=$!
	wait "$VR_NETNS_CHILD"
	set -- "$?"
	VR_NETNS_CHILD=
	return "$1"
}

# fresh_netns SCRIPT TEST [PEER...]: unless VR_NETNS_TEST is set, make the
# network namespaces TEST-PID and PEER-PID..., run "sh SCRIPT" in the first
# with VR_NETNS_TEST set to its name and VR_NETNS_PEERS to the peers' names,
# delete them all (vr_netns_cleanup, vr_netns_run: also if the script is
# interrupted) and exit with SCRIPT's status. In SCRIPT's run inside
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
	for n in "$test" $peers; do
		ip netns add "$n" || {
			echo "TAP version 13"
			echo "Bail out! ip netns add failed"
			exit 1
		}
		vr_netns_cleanup "$n"
	done
	VR_NETNS_TEST=$test VR_NETNS_PEERS=$peers vr_netns_run "$test" sh "$script"
	rc=$?
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
