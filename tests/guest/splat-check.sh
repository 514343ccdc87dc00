#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Shows that the kernel-log check of the selftests (tests/lib/splat.sh) can
# fail: on the debug kernel (qemu/debug.config), makes the kernel report one
# complaint of each kind through /sys/kernel/debug/vr_splat
# (CONFIG_VR_DEBUG_SPLAT) and checks that the check sees each, and that it
# sees nothing in the log of a clean boot. Runs in a VM of its own, booted
# with kasan_multi_shot: the reports leave the kernel unfit for other tests
# (lockdep turns itself off after its first report).

LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/../lib
# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# shellcheck source=../lib/splat.sh
. "$LIB/splat.sh"
T=$(mktemp -d /tmp/vr-splat.XXXXXX) || exit 1
trap 'rm -rf "$T" "$KTAP_TMPDIR"' EXIT
TRIGGER=/sys/kernel/debug/vr_splat

t_setup() {
	[ -e "$TRIGGER" ] || mount -t debugfs debugfs /sys/kernel/debug
	ktap_check "$TRIGGER exists (CONFIG_VR_DEBUG_SPLAT)" test -w "$TRIGGER" &&
		splat_kmemleak_forget && ktap_check "leak made" sh -c "echo leak >$TRIGGER"
}

t_clean() {
	dmesg >"$T/boot"
	if splat_grep "$T/boot" >"$T/found"; then
		ktap_print_file "" "$T/found"
		ktap_check_fail "the log of a clean boot matches"
	fi
}

# splat KIND ERE: trigger one complaint of KIND; the new kernel-log lines
# must be that report (ERE, its own first line) and the check must match
# them.
splat() {
	before=$(dmesg | wc -l)
	echo "$1" >"$TRIGGER" || { ktap_check_fail "writing $1 to $TRIGGER failed"; return 1; }
	dmesg | tail -n "+$((before + 1))" >"$T/$1"
	if ! grep -Eq "$2" "$T/$1"; then
		ktap_print_file "log: " "$T/$1"
		ktap_check_fail "the kernel did not report $1 (no line matching $2)"
	elif splat_grep "$T/$1" >"$T/found"; then
		echo "# check: matched: $(head -1 "$T/found")"
	else
		ktap_print_file "log: " "$T/$1"
		ktap_check_fail "no line of the $1 report matches"
	fi
}

# The leak is made first (kmemleak reports objects older than 5 s) and
# looked for last.
t_leak() {
	if splat_kmemleak >"$T/leak"; then
		echo "# check: kmemleak: $(grep -m1 unreferenced "$T/leak")"
	else
		ktap_check_fail "kmemleak found no leak"
	fi
}

suite() {
	ktap_test_result "setup: the trigger exists" t_setup
	ktap_test_result "a clean boot log does not match" t_clean
	# Lock debugging stops at lockdep's first report, and at a KASAN report
	# (it taints the kernel LOCKDEP_NOW_UNRELIABLE): those come last.
	ktap_test_result "the check catches suspicious RCU usage" splat rcu "suspicious RCU usage"
	ktap_test_result "the check catches sleeping in atomic context" splat sleep \
		"BUG: sleeping function called from invalid context"
	ktap_test_result "the check catches a WARN" splat warn "WARNING: .*vr_splat"
	ktap_test_result "the check catches list corruption" splat list "list_add (corruption|double add)"
	ktap_test_result "the check catches a lockdep report" splat lockdep \
		"WARNING: possible circular locking dependency detected"
	ktap_test_result "the check catches a UBSAN report" splat ubsan "UBSAN: array-index-out-of-bounds"
	ktap_test_result "the check catches a KASAN report" splat kasan "BUG: KASAN: slab-out-of-bounds"
	ktap_test_result "the check catches a memory leak (kmemleak scan)" t_leak
}
ktap_run_suite suite
