# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# KTAP output helpers for busybox sh (ash) and dash, in the style of the
# kernel's tools/testing/selftests/kselftest/ktap_helpers.sh, plus a runner
# that prints every command as a "# $ ..." diagnostic before running it (like
# the pretty helpers of WireGuard's netns.sh), so that a failing log reads as
# a story.
#
# Usage:
#
#	. "$lib/ktap.sh"
#	cleanup() { ip link del d0 2>/dev/null; }
#	ktap_trap_cleanup cleanup	# at exit, or on SIGTERM, SIGINT, SIGHUP
#
#	t_lo_exists() {
#		ktap_run ip link show lo
#		ktap_expect_rc 0
#		ktap_expect_match "lo is listed" "*lo:*" "$KTAP_STDOUT_TEXT"
#	}
#	suite() {
#		ktap_test_result "lo exists" t_lo_exists
#		ktap_test_result "true works" true
#	}
#	ktap_run_suite suite		# header, plan, tests, totals, exit
#
# A test is a command: a shell function (run in the current shell, so it can
# change variables) or an external command (run through ktap_run, its output
# turned into diagnostics). It passes when it returns 0 and none of the
# ktap_expect_* checks inside it failed; checks keep going after a failure so
# that the log shows everything that is wrong.
#
# ktap_run_suite runs the suite function twice: once to count the tests
# (ktap_test_result only counts, KTAP_COUNTING=1, nothing else should have
# side effects outside tests), then for real, so the plan is always right.
#
# Output is KTAP: "TAP version 13", "1..N", "ok N desc", "not ok N desc",
# "ok N desc # SKIP reason", diagnostics starting with "# ", and a final
# "# Totals: pass:N fail:N xfail:0 xpass:0 skip:N error:0".
# Exit status (ktap_finished): 1 (KSFT_FAIL) if a test failed or the plan was
# not followed, 4 (KSFT_SKIP) if every test was skipped, else 0.

# shellcheck disable=SC2034 # for the scripts using this
KSFT_PASS=0
KSFT_FAIL=1
KSFT_XFAIL=2
KSFT_XPASS=3
KSFT_SKIP=4

KTAP_TESTNO=1
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_SKIP=0
KTAP_NUM_TESTS=0
KTAP_COUNTING=
KTAP_CHECK_FAILED=0
# Seconds a ktap_run command may take before it is killed (0: no limit).
KTAP_TIMEOUT=${KTAP_TIMEOUT:-60}
# Most lines of a command's stdout/stderr shown as diagnostics.
KTAP_MAX_LINES=${KTAP_MAX_LINES:-40}

# Where ktap_run keeps the output of the last command.
KTAP_TMPDIR=${KTAP_TMPDIR:-$(mktemp -d "${TMPDIR:-/tmp}/ktap.XXXXXX")} ||
	exit "$KSFT_FAIL"
KTAP_STDOUT=$KTAP_TMPDIR/stdout
KTAP_STDERR=$KTAP_TMPDIR/stderr
KTAP_RC=0
KTAP_STDOUT_TEXT=
KTAP_STDERR_TEXT=

ktap_print_header() {
	echo "TAP version 13"
}

ktap_set_plan() {
	KTAP_NUM_TESTS=$1
	echo "1..$KTAP_NUM_TESTS"
}

# Every line of the arguments as a diagnostic.
ktap_print_msg() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# Stdin (or the file $1), each line as "# PREFIXline", at most KTAP_MAX_LINES.
ktap_print_file() {
	local prefix="$1" file="${2:--}" n
	n=$(wc -l <"$file" 2>/dev/null) || n=0
	sed -n "1,${KTAP_MAX_LINES}s/^/# ${prefix}/p" "$file"
	if [ "$n" -gt "$KTAP_MAX_LINES" ]; then
		echo "# ${prefix}... ($((n - KTAP_MAX_LINES)) more lines)"
	fi
}

ktap_skip_all() {
	echo "1..0 # SKIP $*"
	rm -rf "$KTAP_TMPDIR"
	exit "$KSFT_SKIP"
}

# For a fatal error: the rest of the tests cannot run.
ktap_exit_fail_msg() {
	echo "Bail out! $*"
	ktap_print_totals
	rm -rf "$KTAP_TMPDIR"
	exit "$KSFT_FAIL"
}

__ktap_test() {
	local result="$1" description="$2" directive="${3:-}"

	# '#' would start a directive.
	case $description in
	*'#'*) description=$(printf '%s' "$description" | tr '#' '_') ;;
	esac
	if [ -n "$directive" ]; then
		echo "$result $KTAP_TESTNO $description # $directive"
	else
		echo "$result $KTAP_TESTNO $description"
	fi
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
}

ktap_test_pass() {
	__ktap_test "ok" "$1"
	KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
}

ktap_test_fail() {
	__ktap_test "not ok" "$1"
	KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
}

# ktap_test_skip DESC [REASON]
ktap_test_skip() {
	__ktap_test "ok" "$1" "SKIP${2:+ $2}"
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

# The arguments quoted for a shell, on one line.
ktap_quote() {
	local out="" a
	for a in "$@"; do
		case $a in
		'' | *[!A-Za-z0-9_./:=,+@%^-]*)
			a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
			;;
		esac
		out="${out:+$out }$a"
	done
	printf '%s\n' "$out"
}

__ktap_is_function() {
	case $(type "$1" 2>/dev/null) in
	*function*) return 0 ;;
	esac
	return 1
}

# ktap_run CMD [ARG...]: print "# $ CMD ARG...", run it (stdin from
# /dev/null, killed after KTAP_TIMEOUT seconds), then print its stdout as
# "# " lines, its stderr as "# 2> " lines and a non-zero exit status.
# Sets KTAP_RC, KTAP_STDOUT_TEXT and KTAP_STDERR_TEXT (files: KTAP_STDOUT,
# KTAP_STDERR). Returns the command's exit status.
ktap_run() {
	echo "# \$ $(ktap_quote "$@")"
	if [ "$KTAP_TIMEOUT" -gt 0 ] 2>/dev/null && ! __ktap_is_function "$1" &&
		command -v timeout >/dev/null 2>&1; then
		timeout "$KTAP_TIMEOUT" "$@" >"$KTAP_STDOUT" 2>"$KTAP_STDERR" </dev/null
	else
		"$@" >"$KTAP_STDOUT" 2>"$KTAP_STDERR" </dev/null
	fi
	KTAP_RC=$?
	KTAP_STDOUT_TEXT=$(cat "$KTAP_STDOUT")
	KTAP_STDERR_TEXT=$(cat "$KTAP_STDERR")
	ktap_print_file "" "$KTAP_STDOUT"
	ktap_print_file "2> " "$KTAP_STDERR"
	if [ "$KTAP_RC" -ne 0 ]; then
		if [ "$KTAP_RC" -eq 124 ] || [ "$KTAP_RC" -eq 143 ]; then
			echo "# (exit status $KTAP_RC: killed after ${KTAP_TIMEOUT}s?)"
		else
			echo "# (exit status $KTAP_RC)"
		fi
	fi
	return "$KTAP_RC"
}

# ktap_run_quiet CMD...: like ktap_run, but the output is shown only when the
# command fails.
ktap_run_quiet() {
	echo "# \$ $(ktap_quote "$@")"
	"$@" >"$KTAP_STDOUT" 2>"$KTAP_STDERR" </dev/null
	KTAP_RC=$?
	KTAP_STDOUT_TEXT=$(cat "$KTAP_STDOUT")
	KTAP_STDERR_TEXT=$(cat "$KTAP_STDERR")
	if [ "$KTAP_RC" -ne 0 ]; then
		ktap_print_file "" "$KTAP_STDOUT"
		ktap_print_file "2> " "$KTAP_STDERR"
		echo "# (exit status $KTAP_RC)"
	fi
	return "$KTAP_RC"
}

# ktap_run_bg OUTFILE CMD...: start CMD in the background with stdout and
# stderr to OUTFILE and OUTFILE.err; its pid is in KTAP_BG_PID.
ktap_run_bg() {
	local out="$1"
	shift
	echo "# \$ $(ktap_quote "$@") >$out 2>$out.err &"
	"$@" >"$out" 2>"$out.err" </dev/null &
	KTAP_BG_PID=$!
	echo "# (pid $KTAP_BG_PID)"
}

# Background jobs started by ktap_bg_ready (their pids), for ktap_bg_stop.
KTAP_BG_PIDS=

# ktap_bg_ready OUTFILE CMD...: start CMD in the background (ktap_run_bg) and
# wait up to 5 s until it prints a line "ready" on stdout. CMD should be a
# program, not a shell function, so that its pid is the job's. Fails the
# test (with CMD's output) if it exits or does not get ready.
ktap_bg_ready() {
	local out=$1 i=0
	shift
	ktap_run_bg "$out" "$@"
	KTAP_BG_PIDS="$KTAP_BG_PIDS $KTAP_BG_PID"
	while [ $i -lt 100 ]; do
		grep -qx ready "$out" 2>/dev/null && return 0
		kill -0 "$KTAP_BG_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	cat "$out" "$out.err" 2>/dev/null | sed 's/^/# bg: /'
	ktap_check_fail "background command did not get ready: $*"
}

# ktap_bg_stop: kill and reap the jobs of ktap_bg_ready (and any pids given).
ktap_bg_stop() {
	local p
	for p in $KTAP_BG_PIDS "$@"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	KTAP_BG_PIDS=
}

# --- cleanup ----------------------------------------------------------------

# Run by __ktap_cleanup (ktap_trap_cleanup).
KTAP_CLEANUP=

# ktap_trap_cleanup CMD: run CMD (a function, or a command line as for trap)
# once when the script ends, however it ends: at exit, or on SIGHUP, SIGINT
# or SIGTERM (what the kselftest runner sends when a test times out), after
# which the script exits with status 128 + the signal number (129, 130,
# 143). KTAP_TMPDIR is removed after CMD. busybox sh and dash run no EXIT
# trap when a signal they do not trap kills them, hence the signal traps.
# A trapped signal is acted on once the foreground command has ended. These
# signals are ignored while CMD runs, so that a second one (say, the
# runner's to the process group and the one vr_netns_run passes on) does
# not cut it short.
ktap_trap_cleanup() {
	KTAP_CLEANUP=$1
	trap __ktap_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

__ktap_cleanup() {
	local cmd="$KTAP_CLEANUP"
	trap '' HUP INT TERM
	KTAP_CLEANUP=
	eval "$cmd"
	rm -rf "$KTAP_TMPDIR"
}

# --- checks: each prints "# FAIL: ..." and marks the test failed -----------

ktap_check_fail() {
	echo "# FAIL: $*"
	KTAP_CHECK_FAILED=1
	return 1
}

# ktap_check DESC CMD...: CMD must succeed (its output is discarded).
ktap_check() {
	local desc="$1"
	shift
	if "$@" >/dev/null 2>&1; then
		echo "# check: $desc"
		return 0
	fi
	ktap_check_fail "$desc"
}

# ktap_expect_rc N: the last ktap_run exited with N.
ktap_expect_rc() {
	[ "$KTAP_RC" -eq "$1" ] && return 0
	ktap_check_fail "expected exit status $1, got $KTAP_RC"
}

# ktap_expect_eq WHAT EXPECTED ACTUAL
ktap_expect_eq() {
	if [ "$2" = "$3" ]; then
		echo "# check: $1"
		return 0
	fi
	ktap_check_fail "$1:"
	printf '%s\n' "${2:-(empty)}" | sed 's/^/#   expected: /'
	printf '%s\n' "${3:-(empty)}" | sed 's/^/#   got:      /'
	return 1
}

# ktap_expect_match WHAT PATTERN ACTUAL: ACTUAL matches the shell PATTERN.
ktap_expect_match() {
	# shellcheck disable=SC2254
	case $3 in
	$2)
		echo "# check: $1"
		return 0
		;;
	esac
	ktap_check_fail "$1:"
	printf '%s\n' "$2" | sed 's/^/#   expected pattern: /'
	printf '%s\n' "$3" | sed 's/^/#   got:              /'
	return 1
}

# ktap_expect_stderr TEXT: the last ktap_run wrote exactly TEXT on stderr.
ktap_expect_stderr() {
	ktap_expect_eq "stderr" "$1" "$KTAP_STDERR_TEXT"
}

# ktap_expect_stdout TEXT: the last ktap_run wrote exactly TEXT on stdout.
ktap_expect_stdout() {
	ktap_expect_eq "stdout" "$1" "$KTAP_STDOUT_TEXT"
}

# --- running tests ----------------------------------------------------------

# ktap_test_result DESC CMD [ARG...]: run one test and print its result.
ktap_test_result() {
	local description="$1" rc
	shift
	if [ -n "$KTAP_COUNTING" ]; then
		KTAP_NUM_TESTS=$((KTAP_NUM_TESTS + 1))
		return 0
	fi
	KTAP_CHECK_FAILED=0
	echo "# --- test $KTAP_TESTNO: $description"
	if __ktap_is_function "$1"; then
		echo "# \$ $(ktap_quote "$@")"
		"$@" </dev/null
		rc=$?
	else
		ktap_run "$@"
		rc=$?
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne "$KSFT_SKIP" ] &&
		[ "$KTAP_CHECK_FAILED" -eq 0 ]; then
		echo "# FAIL: $1 returned $rc"
	fi
	if [ "$rc" -eq "$KSFT_SKIP" ] && [ "$KTAP_CHECK_FAILED" -eq 0 ]; then
		ktap_test_skip "$description" "${KTAP_SKIP_REASON:-}"
		KTAP_SKIP_REASON=
	elif [ "$rc" -eq 0 ] && [ "$KTAP_CHECK_FAILED" -eq 0 ]; then
		ktap_test_pass "$description"
	else
		ktap_test_fail "$description"
	fi
	return 0
}

# In a test function: "ktap_skip REASON; return $KSFT_SKIP".
ktap_skip() {
	KTAP_SKIP_REASON="$*"
	echo "# SKIP: $*"
}

ktap_print_totals() {
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:0 xpass:0" \
		"skip:$KTAP_CNT_SKIP error:0"
}

ktap_finished() {
	local ran=$((KTAP_CNT_PASS + KTAP_CNT_FAIL + KTAP_CNT_SKIP)) rc
	ktap_print_totals
	rm -rf "$KTAP_TMPDIR"
	if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
		rc=$KSFT_FAIL
	elif [ "$ran" -ne "$KTAP_NUM_TESTS" ]; then
		echo "# Planned $KTAP_NUM_TESTS tests but ran $ran"
		rc=$KSFT_FAIL
	elif [ "$KTAP_CNT_SKIP" -gt 0 ] && [ "$KTAP_CNT_PASS" -eq 0 ]; then
		rc=$KSFT_SKIP
	else
		rc=$KSFT_PASS
	fi
	exit "$rc"
}

# ktap_count_tests FN: the number of ktap_test_result calls FN makes.
ktap_count_tests() {
	local saved=$KTAP_NUM_TESTS n
	KTAP_NUM_TESTS=0
	KTAP_COUNTING=1
	"$1" >/dev/null
	KTAP_COUNTING=
	n=$KTAP_NUM_TESTS
	KTAP_NUM_TESTS=$saved
	echo "$n"
}

# ktap_plan_suite FN: header and plan for the tests FN runs.
ktap_plan_suite() {
	local n
	n=$(ktap_count_tests "$1")
	ktap_print_header
	ktap_set_plan "$n"
}

# ktap_run_suite FN: header, plan, the tests, totals; exits.
ktap_run_suite() {
	ktap_plan_suite "$1"
	"$1"
	ktap_finished
}
