#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: random syscall sequences against the VR data plane (the
# vr-sysfuzz helper), racing in several processes, then checks that
# nothing is stuck or leaked and that the kernel did not complain.
#
# Everything happens in a network namespace made here, vrfz-PID (the
# fuzzer's "home"), and in the namespaces its workers unshare. The universe
# it starts with (the fuzzer adds, deletes, moves and reconfigures these):
#
#   lo 127.0.0.1
#   fz0 (VR 0), fz1 (VR 1), fz2 (VR 2): dummy, each 10.77.0.1/24; fz0 fd77::1
#   fzd0: dummy, 10.79.0.1/24
#   fzv0 10.78.0.1/24 fd78::1 <-- veth --> fzv1 10.78.0.2/24 fd78::2
#
# No packet leaves the namespaces of the test: the fuzzer only sends to
# those addresses, the root namespace is never touched.
#
# Environment (also from the kernel command line, which passes the
# NAME=VALUE words it does not know on to init, e.g.
# "VR_FUZZ_SECONDS=600 VR_FUZZ_SEED=42"):
#   VR_FUZZ_SECONDS  seconds of fuzzing (default 40)
#   VR_FUZZ_WORKERS  worker processes (default 4)
#   VR_FUZZ_SEED     seed (default: a random one; printed, with the command
#                    line that replays it)
#   VR_FUZZ_ARGS     more vr-sysfuzz options: -M (no binds to v4-mapped
#                    addresses), -T (TIME_WAIT allowed in vrfz), -x (print
#                    every operation before it runs), -n OPS; on the kernel
#                    command line, which cannot carry spaces, as one word:
#                    VR_FUZZ_ARGS=-MT
#
# The checks after the run:
#   - every worker exited within 20 s of the end, none died of a signal
#     (vr-sysfuzz's output, with the per-operation and per-errno counts, is
#     printed as diagnostics as it comes: the seed first);
#   - no task in D state;
#   - vrfz's socket counts (/proc/net/sockstat, sockstat6; TIME_WAIT
#     aside) back to their values before the run, and the number of TCP
#     sockets allocated (all namespaces: the workers' unshared ones are gone)
#     back to at most its value before the run, within 30 s;
#   - every VR deletable once every interface is back in VR 0 (waiting up to
#     65 s for TIME_WAIT sockets to expire if -T let some be made);
#   - no BUG, WARNING, Oops, lockdep or sanitizer report in the kernel log.

LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
# lib/ and the test programs are beside the script in the kernel's
# tools/testing/selftests/net/vr; in vr-linux, lib/ is ../lib and the
# programs are in PATH.
LIB=${VR_TEST_LIB:-$HERE/lib}
[ -d "$LIB" ] || LIB=$HERE/../lib
PATH=$HERE:$PATH
# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }
vr_require

SECS=${VR_FUZZ_SECONDS:-40}
WORKERS=${VR_FUZZ_WORKERS:-4}
SEED=${VR_FUZZ_SEED:-}
ARGS=${VR_FUZZ_ARGS:-}
GRACE=20
NS=vrfz-$$
KTAP_TIMEOUT=60

cleanup() {
	"$IPROUTE2" netns del "$NS" 2>/dev/null
	rm -rf "$KTAP_TMPDIR"
}
ktap_trap_cleanup cleanup

# in_ns CMD...: CMD in the test's namespace.
in_ns() {
	"$IPROUTE2" netns exec "$NS" "$@"
}

# The namespace's own socket counts, "NAME VALUE" lines: "sockets: used" and
# every protocol's inuse of sockstat and sockstat6 (not FRAG: reassembly
# queues, which expire after 30 s), and TCP's tw.
sockstat_ns() {
	in_ns cat /proc/net/sockstat /proc/net/sockstat6 | awk '
		$1 == "sockets:" { print "sockets-used", $3; next }
		$1 ~ /^FRAG/ { next }
		$2 == "inuse" { print $1 "inuse", $3 }
		$1 == "TCP:" { print "TCP:tw", $7 }'
}

# The global counts of sockstat's TCP line: "orphan N alloc N".
tcp_global() {
	awk '$1 == "TCP:" { print $4, $5, $8, $9 }' /proc/net/sockstat
}

# Kernel log complaints: the lines VR_SPLAT_ERE matches among those logged
# since t_setup's splat_log_mark.
# shellcheck source=../lib/splat.sh
. "$LIB/splat.sh"

t_setup() {
	local d
	splat_log_mark "sysfuzz start $$"
	ktap_run ip netns add "$NS" || return 1
	ktap_run ip -n "$NS" link set lo up || return 1
	for d in fz0 fz1 fz2 fzd0; do
		ktap_run_quiet ip -n "$NS" link add "$d" type dummy || return 1
	done
	ktap_run_quiet ip -n "$NS" link add fzv0 type veth peer name fzv1 || return 1
	for d in fz0 fz1 fz2; do
		ktap_run_quiet ip -n "$NS" addr add 10.77.0.1/24 dev "$d" || return 1
	done
	ktap_run_quiet ip -n "$NS" addr add 10.79.0.1/24 dev fzd0 &&
		ktap_run_quiet ip -n "$NS" addr add 10.78.0.1/24 dev fzv0 &&
		ktap_run_quiet ip -n "$NS" addr add 10.78.0.2/24 dev fzv1 &&
		ktap_run_quiet ip -n "$NS" addr add fd77::1/64 dev fz0 nodad &&
		ktap_run_quiet ip -n "$NS" addr add fd78::1/64 dev fzv0 nodad &&
		ktap_run_quiet ip -n "$NS" addr add fd78::2/64 dev fzv1 nodad || return 1
	for d in fz0 fz1 fz2 fzd0 fzv0 fzv1; do
		ktap_run_quiet ip -n "$NS" link set "$d" up || return 1
	done
	# ping sockets for everyone; orphans (-T) die fast
	ktap_run in_ns sh -c 'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range &&
		echo 1 > /proc/sys/net/ipv4/tcp_fin_timeout &&
		echo 1 > /proc/sys/net/ipv4/tcp_orphan_retries' || return 1
	ktap_run in_ns vrctl create 1 && ktap_run in_ns vrctl create 2 &&
		ktap_run in_ns vrctl assign fz1 1 && ktap_run in_ns vrctl assign fz2 2 ||
		return 1
	ktap_run in_ns vrctl list
	BASE_NS=$(sockstat_ns)
	BASE_TCP=$(tcp_global)
	ktap_print_msg "baseline: $(echo $BASE_NS) / global TCP: $BASE_TCP"
}

t_fuzz() {
	local opts="-K -w $WORKERS -t $SECS -g $GRACE" rc
	[ -n "$SEED" ] && opts="$opts -s $SEED"
	# shellcheck disable=SC2086
	set -- vr-sysfuzz $opts $ARGS
	echo "# \$ ip netns exec $NS $*"
	# -K: its lines are diagnostics, printed as they come (the seed first,
	# in case the kernel does not survive the run)
	in_ns timeout "$((SECS + GRACE + 60))" "$@" 2>&1 </dev/null
	rc=$?
	[ "$rc" -eq 0 ] && return 0
	ktap_check_fail "vr-sysfuzz exited with $rc"
}

# No task stays in D state over five looks 0.2 s apart.
# No user task in D state (the workers and whatever they left).
t_no_d_state() {
	local i f s pid stuck= now
	for i in 1 2 3 4 5; do
		now=
		for f in /proc/[0-9]*/stat; do
			s=$(cat "$f" 2>/dev/null) || continue
			s=${s##*) }
			[ "${s%% *}" = D ] || continue
			pid=${f#/proc/}
			pid=${pid%/stat}
			# Kernel threads (no command line) may wait in D state by
			# design, e.g. hwrng in virtio_read on a debug kernel.
			[ -n "$(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null)" ] || continue
			case " $stuck " in
			*" $pid "*) now="$now $pid" ;;
			*) [ "$i" -eq 1 ] && now="$now $pid" ;;
			esac
		done
		stuck=$now
		[ -z "$stuck" ] && break
		sleep 0.2
	done
	[ -z "$stuck" ] && { echo "# check: no task in D state"; return 0; }
	for pid in $stuck; do
		echo "# task $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) in D state," \
			"wchan $(cat "/proc/$pid/wchan" 2>/dev/null):"
		sed 's/^/#   /' "/proc/$pid/stack" 2>/dev/null
	done
	ktap_check_fail "tasks in D state:$stuck"
}

t_no_leak_ns() {
	local i now
	for i in $(seq 30); do
		now=$(sockstat_ns)
		[ "$(echo "$now" | grep -v '^TCP:tw ')" = \
			"$(echo "$BASE_NS" | grep -v '^TCP:tw ')" ] &&
			break
		sleep 1
	done
	ktap_print_msg "after $i s: $(echo $now)"
	ktap_expect_eq "socket counts of $NS back to the baseline (TIME_WAIT aside)" \
		"$(echo "$BASE_NS" | grep -v '^TCP:tw ')" "$(echo "$now" | grep -v '^TCP:tw ')"
}

t_no_leak_global() {
	local i now base_alloc alloc
	base_alloc=${BASE_TCP##* }
	for i in $(seq 30); do
		now=$(tcp_global)
		alloc=${now##* }
		[ "$alloc" -le "$base_alloc" ] && break
		sleep 1
	done
	ktap_print_msg "after $i s: TCP $now (before the run: $BASE_TCP)"
	[ "$alloc" -le "$base_alloc" ] && {
		echo "# check: TCP sockets allocated back to $base_alloc or less"
		return 0
	}
	ktap_check_fail "TCP sockets allocated: $alloc, $base_alloc before the run"
}

t_vrs_deletable() {
	local dev vr i out rc tw
	ktap_run in_ns vrctl list
	ktap_run ip -n "$NS" -br link
	for dev in $(ip -n "$NS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		in_ns vrctl assign "$dev" 0 >/dev/null 2>&1
	done
	for vr in $(in_ns vrctl list | awk 'NR > 1 && $1 != 0 { print $1 }'); do
		echo "# \$ vrctl delete $vr"
		i=0
		while :; do
			out=$(in_ns vrctl delete "$vr" 2>&1)
			rc=$?
			[ "$rc" -eq 0 ] && break
			# TIME_WAIT sockets (-T) hold their VR for 60 s
			case $out in *"still has sockets"*) ;; *) break ;; esac
			tw=$(sockstat_ns | awk '$1 == "TCP:tw" { print $2 }')
			[ "${tw:-0}" -gt 0 ] && [ "$i" -lt 66 ] || break
			[ "$i" -eq 0 ] && echo "# waiting for $tw TIME_WAIT sockets to expire"
			i=$((i + 1))
			sleep 1
		done
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		[ "$rc" -eq 0 ] || ktap_check_fail "VR $vr not deletable (exit status $rc)"
	done
	ktap_run in_ns vrctl list
	ktap_expect_eq "only VR 0 is left" "0" \
		"$(echo "$KTAP_STDOUT_TEXT" | awk 'NR > 1 { print $1 }')"
}

t_kernel_log() {
	local c log="$KTAP_TMPDIR/dmesg"
	splat_log_since "$log"
	c=$(grep -E "$VR_SPLAT_ERE" "$log")
	[ -z "$c" ] && { echo "# check: no complaint in the kernel log"; return 0; }
	echo "$c" | sed 's/^/# /'
	grep -v 'IPv6: ADDRCONF\|entered\|left' "$log" | tail -n 60 | sed 's/^/# dmesg: /'
	ktap_check_fail "the kernel complained during the run"
}

suite() {
	ktap_test_result "setup: namespace with the fuzzer's interfaces, VRs 1 and 2" t_setup
	ktap_test_result "vr-sysfuzz: $WORKERS workers for ${SECS}s, none stuck or crashed" t_fuzz
	ktap_test_result "no task in D state" t_no_d_state
	ktap_test_result "no socket leaked in the namespace (sockstat, sockstat6)" t_no_leak_ns
	ktap_test_result "no TCP socket leaked in any namespace" t_no_leak_global
	ktap_test_result "every VR deletable once interfaces are back in VR 0" t_vrs_deletable
	ktap_test_result "kernel log: no BUG, WARNING, Oops or lockdep report" t_kernel_log
}

ktap_run_suite suite
