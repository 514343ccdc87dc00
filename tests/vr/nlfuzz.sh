#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: vr-nlfuzz, a fuzzer of the "vr" generic netlink family, run
#
#   1. as root in a network namespace of its own;
#   2. as an unprivileged user (uid 65534) in that namespace, which belongs
#      to the initial user namespace: every write is refused (EPERM);
#   3. as that user in a user and network namespace of its own, mapped to
#      root there: CAP_NET_ADMIN over that netns, so writes succeed. Then
#      (after the checks below) it sends a few more messages and exits: the
#      namespace goes away with the VRs, distributed addresses and ownership
#      entries they made (the netns exit path).
#
#   netns vrfz-PID (runs 1 and 2)            user+net ns of uid 65534 (3)
#   lo 127.0.0.1                             lo, vfz0 and vfz1, made by the
#   vfz0 10.88.0.1/24 10.88.0.2/24           fuzzer's --before hook
#   vfz1 10.88.1.1/24  (dummies)
#   vfz2 10.88.2.1/24
#   vfz3 10.88.3.1/24
#
# Every command of the family is sent, valid and mutated (see
# vr-nlfuzz.c); the fuzzer predicts each reply from a model of
# the kernel, compares every dump, notification and the final state with
# it, and counts anything surprising. After run 1, vrctl must read the state
# left as the fuzzer's own dumps do. After runs 1 and 3 that state must be
# undoable (vr-nlfuzz --cleanup, with its own requests and dumps): every VR
# listed can be deleted once its interfaces are assigned back to VR 0,
# every distributed address can be deleted (its ownership entries go with
# it), and then only VR 0 remains. After run 2 the state must be untouched.
# The kernel must log no BUG, WARNING, Oops or sanitizer report meanwhile.
#
# Environment:
#   VR_NLFUZZ_COUNT  messages (default 100000): 50% in run 1, 20% in run 2,
#                    30% in run 3, and another 5% it leaves behind
#   VR_NLFUZZ_TIME   seconds of fuzzing at most (default 30, 20 with KASAN):
#                    45%, 15%, 30% and 10% for runs 1, 2, 3 and its last
#                    messages; a run stops early when its share is over (on
#                    a slow, debug kernel), which it says
#   VR_NLFUZZ_SEED   seed of run 1 (runs 2 and 3: SEED+1, SEED+2); default
#                    random. Each run prints the command that replays it.
#
# Also "nlfuzz.sh setup-ifaces [N]" (lo up and the first N dummies above in
# the current netns) and "nlfuzz.sh show-state" (what vrctl reads of the
# current netns), for the fuzzer's hooks.
#
# Needs: ip (iproute2), vrctl and vr-nlfuzz in PATH.
# Output: KTAP; exit 0 if all passed, 1 otherwise.

LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
# lib/ and the test programs are beside the script in the kernel's
# tools/testing/selftests/net/vr; in vr-linux, lib/ is ../lib and the
# programs are in PATH.
LIB=${VR_TEST_LIB:-$HERE/lib}
[ -d "$LIB" ] || LIB=$HERE/../lib
PATH=$HERE:$PATH
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }
vr_require
# shellcheck source=../lib/json.sh
. "$LIB/json.sh"

# --- helpers that also run inside the fuzzer's namespaces ------------------

# setup_ifaces [N]: lo up and N dummies (default 4, at most 4) as drawn above.
setup_ifaces() {
	local n=${1:-4} k=0
	{
		echo "link set lo up"
		while [ "$k" -lt "$n" ] && [ "$k" -lt 4 ]; do
			echo "link add vfz$k type dummy"
			echo "address add 10.88.$k.1/24 dev vfz$k"
			[ "$k" = 0 ] && echo "address add 10.88.0.2/24 dev vfz0"
			echo "link set vfz$k up"
			k=$((k + 1))
		done
	} | ip -batch -
}

# json_count: the number of elements of the JSON array on stdin.
json_count() {
	json_flat | sed -n 's/^\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l
}

# What vrctl reads of the state the fuzzer left: one "nlfuzz-vrctl WHAT N"
# line each for the VRs, distributed addresses and ownership entries.
show_state() {
	local what out rc=0
	for what in list "dhost show" "dhost owner show"; do
		# shellcheck disable=SC2086 # one or three words
		if ! out=$(vrctl -j $what 2>&1); then
			echo "# vrctl -j $what failed: $out"
			rc=1
			continue
		fi
		echo "nlfuzz-vrctl ${what% show} $(printf '%s\n' "$out" | json_count)"
	done
	return "$rc"
}

case ${1:-} in
setup-ifaces)
	setup_ifaces "${2:-4}"
	exit
	;;
show-state)
	show_state
	exit
	;;
esac

# --- the test ------------------------------------------------------------

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# shellcheck source=../lib/splat.sh
. "$LIB/splat.sh"

for cmd in vrctl vr-nlfuzz; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "TAP version 13"
		echo "Bail out! $cmd not found in PATH"
		exit 1
	fi
done

NS=vrfz-$$
T=$(mktemp -d /tmp/vr-nlfuzz.XXXXXX) || exit 1
UNPRIV=65534
COUNT=${VR_NLFUZZ_COUNT:-100000}
# A KASAN kernel runs the fuzzer some 50 times slower: the counts are cut by
# the time limit anyway, and the rest of the test is slow too.
if dmesg 2>/dev/null | grep -q 'KernelAddressSanitizer initialized'; then
	TIME=${VR_NLFUZZ_TIME:-20}
else
	TIME=${VR_NLFUZZ_TIME:-30}
fi
SEED=${VR_NLFUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
N_ROOT=$((COUNT / 2))
N_USERNS=$((COUNT * 3 / 10))
N_UNPRIV=$((COUNT - N_ROOT - N_USERNS))
N_LEAVE=$((COUNT / 20))
# Shares of TIME (a plain kernel needs about half of each).
T_ROOT=$(((TIME * 45 + 99) / 100))
T_UNPRIV=$(((TIME * 15 + 99) / 100))
T_LEAVE=$(((TIME + 9) / 10))
T_USERNS=$(((TIME * 30 + 99) / 100))
# The kernel log lines that report a problem.
SPLAT='BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|KCSAN|kmemleak|panicked|general protection'
SPLAT=$SPLAT'|refcount_t:|list_(add|del) corruption|stack-protector|RCU stall|hung task'
SPLAT=$SPLAT'|INFO: task .* blocked|lockdep|possible (recursive|circular) locking'
SPLAT=$SPLAT'|suspicious RCU usage'

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T" "$KTAP_TMPDIR"
}
ktap_trap_cleanup cleanup

# now_s: seconds since boot, with hundredths.
now_s() {
	cut -d' ' -f1 /proc/uptime
}

# took START: "(took N s)" since START (a now_s).
took() {
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "# (took %.1f s)\n", b - a }'
}

# show_out FILE: the fuzzer's output ("# " lines already) as diagnostics.
show_out() {
	sed '/^# /!s/^/# /' "$1"
}

# fuzz NAME SECONDS CMD...: run a fuzzer command (output in $T/NAME.out),
# killed if it runs far past its time limit; passes if it exits 0 and found
# nothing surprising.
fuzz() {
	local name=$1 secs=$2 rc start
	shift 2
	echo "# \$ $(ktap_quote "$@")"
	start=$(now_s)
	timeout $((secs * 3 + 60)) "$@" >"$T/$name.out" 2>&1 </dev/null
	rc=$?
	show_out "$T/$name.out"
	took "$start"
	if ! grep -qx '# surprising: 0' "$T/$name.out"; then
		ktap_check_fail "vr-nlfuzz found something surprising (or did not finish)"
		return 1
	fi
	echo "# check: nothing surprising"
	if [ "$rc" -ne 0 ]; then
		ktap_check_fail "vr-nlfuzz exited with status $rc"
		return 1
	fi
}

t_setup() {
	splat_log_mark "nlfuzz start $$"
	echo "# seed $SEED, $COUNT messages, ${TIME}s of fuzzing at most"
	ktap_run ip netns add "$NS" || return 1
	# A low net.vr.dhost_max_entries, so that the fuzzer's ports and
	# connections reach it (ENOSPC, which its model foresees).
	ktap_run ip netns exec "$NS" sysctl -qw net.vr.dhost_max_entries=16 || return 1
	ktap_run ip netns exec "$NS" sh "$SELF" setup-ifaces
}

t_root() {
	fuzz root "$T_ROOT" "$IPROUTE2" netns exec "$NS" vr-nlfuzz -n "$N_ROOT" -s "$SEED" \
		-t "$T_ROOT" --after "sh $SELF show-state" --cleanup
}

# vrctl_reads NAME: vrctl read the state the fuzzer left (its --after hook)
# as the fuzzer's own dumps did ("# final state: N VRs (model N), N dhost
# entries, N owner entries").
vrctl_reads() {
	local out="$T/$1.out" want got re
	re='^# final state: \([0-9]*\) VRs (model [0-9]*), \([0-9]*\) dhost entries, '
	re=$re'\([0-9]*\) owner entries$'
	want=$(sed -n 's/'"$re"'/list \1 dhost \2 dhost owner \3/p' "$out")
	got=$(sed -n 's/^nlfuzz-vrctl //p' "$out" | tr '\n' ' ' | sed 's/ $//')
	[ -n "$want" ] || ktap_check_fail "no final state in the fuzzer's output"
	ktap_expect_eq \
		"VRs, distributed addresses, ownership entries (vrctl and the fuzzer's dumps)" \
		"$want" "$got"
}

# result NAME FILE: the fuzzer's cleanup printed "nlfuzz-result NAME ok".
result() {
	ktap_expect_eq "cleanup check $1" ok "$(sed -n "s/^nlfuzz-result $1 //p" "$2")"
}

# The state after run 2: what it started from (VR 0 only, nothing else), as
# the fuzzer's dumps and vrctl read it.
t_unpriv_state() {
	ktap_expect_eq "the fuzzer's final dumps" \
		"# final state: 1 VRs (model 1), 0 dhost entries, 0 owner entries" \
		"$(grep '^# final state: ' "$T/unpriv.out")"
	ktap_run ip netns exec "$NS" vrctl -j list
	ktap_expect_eq "VRs" "[0].id=0" \
		"$(printf '%s\n' "$KTAP_STDOUT_TEXT" | json_flat | grep -E '^\[[0-9]+\]\.id=')"
}

# No write command acknowledged with 0: the per-command lines of the output
# ("#   cmd 1 (create): N: EPERM N ...") show none.
t_unpriv() {
	local bad cmds
	fuzz unpriv "$T_UNPRIV" "$IPROUTE2" netns exec "$NS" \
		vr-nlfuzz --uid "$UNPRIV" -n "$N_UNPRIV" -s $((SEED + 1)) -t "$T_UNPRIV" || return 1
	cmds='create|delete|assign|dhost-set|dhost-del|owner-set|owner-del|claim-answer'
	bad=$(grep -E '^#   cmd [0-9]+ \(('"$cmds"')\):.* 0 [0-9]' "$T/unpriv.out")
	ktap_expect_eq "no write acknowledged with 0" "" "$bad"
	ktap_expect_match "writes refused with EPERM" "*EPERM*" \
		"$(grep '^#   cmd 1 ' "$T/unpriv.out")"
}

t_userns() {
	fuzz userns "$T_USERNS" vr-nlfuzz --uid "$UNPRIV" --userns -n "$N_USERNS" \
		-s $((SEED + 2)) -t "$T_USERNS" --before "sh $SELF setup-ifaces 2" --cleanup \
		--leave "$N_LEAVE" --leave-time "$T_LEAVE"
}

t_dmesg() {
	local new
	# The netns of run 3 goes away in the background.
	sleep 1
	if ! splat_log_since "$T/dmesg"; then
		ktap_skip "dmesg not readable"
		return "$KSFT_SKIP"
	fi
	new=$(grep -E "$SPLAT" "$T/dmesg")
	ktap_expect_eq "no kernel complaint since the start" "" "$new"
}

suite() {
	ktap_test_result "setup: netns $NS with four dummy interfaces" t_setup
	ktap_test_result "root in its netns: fuzz, nothing surprising" t_root
	ktap_test_result "root netns: vrctl reads the state left as the fuzzer's dumps do" \
		vrctl_reads root
	ktap_test_result "root netns: every VR can be deleted once its interfaces are in VR 0" \
		result vrs-deleted "$T/root.out"
	ktap_test_result "root netns: every distributed address can be deleted" \
		result dhost-deleted "$T/root.out"
	ktap_test_result "root netns: then only VR 0 remains, no dhost or owner entry" \
		result only-vr0 "$T/root.out"
	ktap_test_result "uid $UNPRIV in a netns of the initial user ns: fuzz, writes refused" \
		t_unpriv
	ktap_test_result "uid $UNPRIV in a netns of the initial user ns: state untouched" \
		t_unpriv_state
	ktap_test_result "uid $UNPRIV in its own user+net ns: fuzz, nothing surprising" t_userns
	ktap_test_result "user+net ns: every VR can be deleted once its interfaces are in VR 0" \
		result vrs-deleted "$T/userns.out"
	ktap_test_result "user+net ns: every distributed address can be deleted" \
		result dhost-deleted "$T/userns.out"
	ktap_test_result "user+net ns: then only VR 0 remains, no dhost or owner entry" \
		result only-vr0 "$T/userns.out"
	ktap_test_result "kernel log: no BUG, WARNING, Oops or sanitizer report" t_dmesg
}

ktap_run_suite suite
