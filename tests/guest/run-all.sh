#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Runs the in-guest selftests and prints one KTAP report:
#
#	run-all.sh [TEST...]
#
# TEST is a directory or a script under the test root (the parent of this
# script's directory, /tests in the guest), e.g. "vr" or "vr/genl.sh".
# Without TEST: every */*.sh of the test root, directories in name order,
# except cluster/ (multi-VM tests, tests/host/run.sh boots those), guest/, lib/
# and tools/. The VR_TESTS environment variable can give
# the list too (separated by spaces or, on kernel command lines, commas).
#
# Each script runs as "sh SCRIPT" (killed after VR_TEST_TIMEOUT seconds,
# default 900) and its KTAP output is printed as a subtest, indented by four
# spaces; it passes with exit status 0 and is skipped with 4 (KSFT_SKIP).
# A last test checks that the kernel logged no BUG, WARNING, Oops, panic,
# lockdep, sanitizer or kmemleak report while the tests ran
# (tests/lib/splat.sh).
#
# Exit status: 0 if every test passed (or was skipped), 1 otherwise.

PATH=${PATH:+$PATH:}/usr/sbin:/usr/bin:/sbin:/bin
export PATH
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../lib/splat.sh
. "$ROOT/lib/splat.sh"
TIMEOUT=${VR_TEST_TIMEOUT:-900}
# shellcheck disable=SC2086
[ $# -gt 0 ] || set -- $(echo "${VR_TESTS:-}" | tr , ' ')

tmp=$(mktemp -d /tmp/run-all.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
list=$tmp/list

# The scripts to run, one per line, relative to ROOT.
if [ $# -eq 0 ]; then
	for dir in "$ROOT"/*/; do
		name=$(basename "$dir")
		case $name in
		cluster | guest | lib | tools) continue ;;
		esac
		for t in "$dir"*.sh; do
			[ -f "$t" ] && echo "$name/$(basename "$t")"
		done
	done >"$list"
else
	for arg in "$@"; do
		arg=${arg%/}
		if [ -d "$ROOT/$arg" ]; then
			for t in "$ROOT/$arg"/*.sh; do
				[ -f "$t" ] && echo "$arg/$(basename "$t")"
			done
		elif [ -f "$ROOT/$arg" ]; then
			echo "$arg"
		else
			echo "run-all.sh: no test '$arg' under $ROOT" >&2
			exit 2
		fi
	done >"$list"
fi

n=$(($(wc -l <"$list") + 1))
echo "TAP version 13"
echo "1..$n"
echo "# test root: $ROOT, kernel $(uname -r)"

splat_kmemleak_forget
num=0
failed=0
passed=0
skipped=0
while read -r t; do
	num=$((num + 1))
	echo "# selftests: $t"
	start=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)
	{
		(cd "$(dirname "$ROOT/$t")" && exec timeout "$TIMEOUT" sh "$ROOT/$t") 2>&1 </dev/null
		echo $? >"$tmp/rc"
	} | sed 's/^/    /'
	rc=$(cat "$tmp/rc")
	end=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)
	took=$(awk -v a="$start" -v b="$end" 'BEGIN { if (a != "" && b != "") printf " (%.1fs)", b - a }')
	case $rc in
	0)
		echo "ok $num selftests: $t$took"
		passed=$((passed + 1))
		;;
	4)
		echo "ok $num selftests: $t # SKIP$took"
		skipped=$((skipped + 1))
		;;
	124 | 137 | 143)
		echo "not ok $num selftests: $t # TIMEOUT ${TIMEOUT}s (exit status $rc)"
		failed=$((failed + 1))
		;;
	*)
		echo "not ok $num selftests: $t # exit status $rc$took"
		failed=$((failed + 1))
		;;
	esac
done <"$list"

# Kernel complaints during the tests fail the run even when every test passed.
num=$((num + 1))
desc="kernel log: no BUG, WARNING, Oops, panic, lockdep, sanitizer or kmemleak report"
if ! dmesg >"$tmp/dmesg" 2>/dev/null; then
	echo "ok $num $desc # SKIP dmesg not readable"
	skipped=$((skipped + 1))
else
	# The whole log, boot and KUnit included (the VMs boot with a log
	# buffer that holds it all: log_buf_len, tests/host/run.sh).
	splat_grep "$tmp/dmesg" >"$tmp/complaints"
	splat_kmemleak >>"$tmp/complaints"
	if [ -s "$tmp/complaints" ]; then
		sed 's/^/# /' "$tmp/complaints"
		echo "not ok $num $desc"
		failed=$((failed + 1))
	else
		echo "ok $num $desc"
		passed=$((passed + 1))
	fi
fi

echo "# Totals: pass:$passed fail:$failed xfail:0 xpass:0 skip:$skipped error:0"
[ "$failed" -eq 0 ]
