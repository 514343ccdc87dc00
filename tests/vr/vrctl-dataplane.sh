#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest of vrctl's data-plane commands, run as root:
# `vrctl exec` and `vrctl identify` on /proc/<pid>/vr, and `vrctl route` on
# the FIB tables of VRs.
#
#   netns vrc-PID (the tests run here)
#   +---------------------------------------------------------------+
#   | lo (down)                                                     |
#   | vrcd0 (dummy, VR 0, table main)       10.98.0.1/24            |
#   | vrcd1 (dummy, VR 1 "vrc1", table T1)  10.98.1.1/24            |
#   | vrcd2 (dummy, VR 2 "vrc2", table T2)  10.98.2.1/24            |
#   | VR 3, unnamed, no interface                                   |
#   +---------------------------------------------------------------+
#
# T1 and T2 are the tables the kernel reports (vrctl -j show). exec must put
# the command and its descendants (and their sockets) in the VR and become
# the command; identify must read any process's VR and name it; route must
# add and delete routes in the VR's table only, show them as
# `ip -4 route show table T` does, and pass on the kernel's refusals. Every
# test checks the exit status and the output on stdout and stderr.
#
# Needs: ip (iproute2), vrctl, vr-capdrop and vr-sock in PATH.
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
# "ip" is iproute2's, not busybox's applet.
# shellcheck source=../lib/iproute2.sh
if ! . "$LIB/iproute2.sh"; then
	echo "TAP version 13"
	echo "Bail out! iproute2's ip not found"
	exit 1
fi
vr_require

# --- outer part: run the tests in a fresh network namespace ----------------
# (VRs are per network namespace: VRs 1-3 are ours whatever other tests do.)

if [ -z "${VR_VRCTL_NS:-}" ]; then
	for cmd in vrctl vr-capdrop vr-sock; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "TAP version 13"
			echo "Bail out! $cmd not found in PATH"
			exit 1
		fi
	done
	ns=vrc-$$
	if ! err=$(ip netns add "$ns" 2>&1); then
		echo "TAP version 13"
		printf '%s\n' "$err" | sed 's/^/# /'
		echo "Bail out! cannot create a network namespace (ip netns add)"
		exit 1
	fi
	vr_netns_cleanup "$ns"
	VR_VRCTL_NS=$ns
	export VR_VRCTL_NS
	vr_netns_run "$ns" sh "$SELF" "$@"
	rc=$?
	exit "$rc"
fi

# --- inner part: in the netns -----------------------------------------------

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# shellcheck source=../lib/json.sh
. "$LIB/json.sh"

T=$(mktemp -d /tmp/vr-vrctl.XXXXXX) || exit 1
# Above PID_MAX_LIMIT (2^22): never a process.
NO_PID=4194305
# The tables of VRs 1 and 2, from the kernel (setup).
T1=
T2=

# Silent cleanup for when the suite stops early; t_cleanup does it as a
# test otherwise. The netns goes away anyway.
cleanup() {
	ktap_bg_stop
	for i in vrcd0 vrcd1 vrcd2; do
		ip link del "$i" 2>/dev/null
	done
	for v in 1 2 3; do
		vrctl delete "$v" 2>/dev/null
	done
	rm -rf "$T" "$KTAP_TMPDIR"
}
ktap_trap_cleanup cleanup

# --- helpers ------------------------------------------------------------------

# expect_fail RC PATTERN: the last ktap_run exited with RC, printed nothing
# on stdout and a stderr matching the shell PATTERN.
expect_fail() {
	ktap_expect_rc "$1"
	ktap_expect_stdout ""
	ktap_expect_match "stderr" "$2" "$KTAP_STDERR_TEXT"
}

# expect_quiet_ok: the last ktap_run succeeded without output.
expect_quiet_ok() {
	ktap_expect_rc 0
	ktap_expect_stdout ""
	ktap_expect_stderr ""
}

# The lines of FILE without trailing blanks (iproute2 ends its route lines
# with a space).
trimmed() {
	sed 's/[[:space:]]*$//' "$1"
}

# has_line FILE LINE: FILE has exactly LINE (trailing blanks ignored).
has_line() {
	trimmed "$1" | grep -qxF -- "$2"
}

# lacks FILE TEXT: no line of FILE contains TEXT.
lacks() {
	! grep -qF -- "$2" "$1"
}

# save NAME: keep the stdout of the last ktap_run as $T/NAME.
save() {
	cp "$KTAP_STDOUT" "$T/$1"
}

# flat_get FILE PATH: the value of PATH (e.g. ".vr" or "[0].table") in the
# json_flat of FILE, strings with their quotes.
flat_get() {
	json_flat <"$1" | awk -v p="$2" '
		{ eq = index($0, "="); if (substr($0, 1, eq - 1) == p) {
			print substr($0, eq + 1); exit } }'
}

# json_valid: stdin is exactly one JSON value (RFC 8259), surrounded by
# whitespace at most. Prints where it went wrong otherwise.
json_valid() {
	awk '
	function fail(msg) {
		if (!bad)
			printf "invalid JSON: %s at offset %d\n", msg, pos
		bad = 1
		return 0
	}
	function ws() {
		while (pos <= n && index(" \t\n\r", substr(s, pos, 1)) > 0)
			pos++
	}
	function str(   c, h) {
		pos++
		while (pos <= n) {
			c = substr(s, pos, 1)
			if (c == "\"") {
				pos++
				return 1
			}
			if (c == "\n" || c == "\r" || c == "\t")
				return fail("control character in a string")
			if (c == "\\") {
				c = substr(s, pos + 1, 1)
				if (c == "u") {
					h = substr(s, pos + 2, 4)
					if (h !~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/)
						return fail("bad \\u escape")
					pos += 6
					continue
				}
				if (index("\"\\/bfnrt", c) == 0 || c == "")
					return fail("bad escape")
				pos += 2
				continue
			}
			pos++
		}
		return fail("unterminated string")
	}
	function num(   rest) {
		rest = substr(s, pos)
		if (!match(rest, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/) || RLENGTH <= 0)
			return fail("unexpected character")
		pos += RLENGTH
		return 1
	}
	function arr(   c) {
		pos++
		ws()
		if (substr(s, pos, 1) == "]") {
			pos++
			return 1
		}
		while (1) {
			if (!val())
				return 0
			ws()
			c = substr(s, pos, 1)
			pos++
			if (c == "]")
				return 1
			if (c != ",")
				return fail("expected , or ]")
		}
	}
	function obj(   c) {
		pos++
		ws()
		if (substr(s, pos, 1) == "}") {
			pos++
			return 1
		}
		while (1) {
			ws()
			if (substr(s, pos, 1) != "\"")
				return fail("expected a key")
			if (!str())
				return 0
			ws()
			if (substr(s, pos, 1) != ":")
				return fail("expected :")
			pos++
			if (!val())
				return 0
			ws()
			c = substr(s, pos, 1)
			pos++
			if (c == "}")
				return 1
			if (c != ",")
				return fail("expected , or }")
		}
	}
	function val(   c) {
		ws()
		if (pos > n)
			return fail("unexpected end")
		c = substr(s, pos, 1)
		if (c == "{")
			return obj()
		if (c == "[")
			return arr()
		if (c == "\"")
			return str()
		if (substr(s, pos, 4) == "true" || substr(s, pos, 4) == "null") {
			pos += 4
			return 1
		}
		if (substr(s, pos, 5) == "false") {
			pos += 5
			return 1
		}
		return num()
	}
	{ s = s $0 "\n" }
	END {
		n = length(s)
		pos = 1
		if (val()) {
			ws()
			if (pos <= n)
				fail("trailing characters")
		}
		exit bad
	}'
}

# expect_json WHAT FILE: FILE is valid JSON.
expect_json() {
	local msg
	if msg=$(json_valid <"$2"); then
		echo "# check: $1 is valid JSON"
		return 0
	fi
	ktap_check_fail "$1 is not valid JSON: $msg"
}

# route_index FILE DST: the index of the route to DST in the json_flat of
# the route array in FILE (empty if none).
route_index() {
	json_flat <"$1" | awk -v want="\"$2\"" '
		{
			eq = index($0, "=")
			p = substr($0, 1, eq - 1)
			if (p ~ /^\[[0-9]+\]\.dst$/ && substr($0, eq + 1) == want) {
				print substr(p, 2, index(p, "]") - 2)
				exit
			}
		}'
}

# wait_comm PID NAME: wait (5 s at most) until process PID runs NAME.
wait_comm() {
	local i=0
	while [ "$i" -lt 50 ]; do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# vr_table VR: the table of VR, as the kernel reports it.
vr_table() {
	vrctl -j show "$1" >"$T/show.json" || return 1
	flat_get "$T/show.json" "[0].table"
}

# --- setup ------------------------------------------------------------------

setup() {
	ktap_run vrctl create 1 name vrc1 || return 1
	ktap_run vrctl create 2 name vrc2 || return 1
	ktap_run vrctl create 3 || return 1
	for v in 0 1 2; do
		ktap_run ip link add "vrcd$v" type dummy || return 1
		if [ "$v" -ne 0 ]; then
			ktap_run vrctl assign "vrcd$v" "$v" || return 1
		fi
		ktap_run ip addr add "10.98.$v.1/24" dev "vrcd$v" || return 1
		ktap_run ip link set "vrcd$v" up || return 1
	done
	T1=$(vr_table 1)
	T2=$(vr_table 2)
	echo "# tables: VR 1 -> ${T1:-?}, VR 2 -> ${T2:-?}"
	case $T1$T2 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$T1" != "$T2" ] && [ "$T1" != 254 ] && [ "$T2" != 254 ]
}

# --- tests: exec --------------------------------------------------------------

t_shell_in_vr0() {
	ktap_expect_eq "VR of the test shell" 0 "$(cat /proc/$$/vr)"
}

t_exec_cat() {
	ktap_run vrctl exec 1 -- cat /proc/self/vr
	ktap_expect_rc 0
	ktap_expect_stdout 1
	ktap_expect_stderr ""
}

t_exec_without_dashdash() {
	ktap_run vrctl exec 2 cat /proc/self/vr
	ktap_expect_rc 0
	ktap_expect_stdout 2
	ktap_expect_stderr ""
}

t_exec_descendants() {
	ktap_run vrctl exec 1 -- sh -c 'sh -c "cat /proc/self/vr"'
	ktap_expect_rc 0
	ktap_expect_stdout 1
	# A forked subshell, a background job and a grandchild's thread view.
	ktap_run vrctl exec 2 -- sh -c \
		'(cat /proc/self/vr); cat /proc/self/vr & wait; sh -c "cat /proc/\$\$/task/\$\$/vr"'
	ktap_expect_rc 0
	ktap_expect_stdout "$(printf '2\n2\n2')"
}

t_exec_caller_unchanged() {
	ktap_run vrctl exec 1 -- true
	ktap_expect_rc 0
	ktap_expect_eq "VR of the test shell after exec" 0 "$(cat /proc/$$/vr)"
}

t_exec_back_to_vr0() {
	ktap_run vrctl exec 1 -- vrctl exec 0 -- cat /proc/self/vr
	ktap_expect_rc 0
	ktap_expect_stdout 0
}

t_exec_sockets() {
	ktap_run vrctl exec 2 -- vr-sock sovr get
	ktap_expect_rc 0
	ktap_expect_stdout 2
	ktap_run vrctl exec 1 -- sh -c 'vr-sock sovr get'
	ktap_expect_rc 0
	ktap_expect_stdout 1
}

t_exec_status() {
	ktap_run vrctl exec 1 -- sh -c 'echo out; echo err >&2; exit 7'
	ktap_expect_rc 7
	ktap_expect_stdout out
	ktap_expect_stderr err
}

t_exec_missing_vr() {
	ktap_run vrctl exec 9 -- cat /proc/self/vr
	expect_fail 1 "Error: VR 9 does not exist"
}

t_exec_id_range() {
	ktap_run vrctl exec 70000 -- cat /proc/self/vr
	expect_fail 1 "Error: cannot enter VR 70000: *"
}

t_exec_noadmin() {
	ktap_run vr-capdrop 12 -- vrctl exec 1 -- cat /proc/self/vr
	expect_fail 1 "Error: cannot enter VR 1: *CAP_NET_ADMIN*"
}

t_exec_not_found() {
	ktap_run vrctl exec 1 -- vrc-no-such-command
	expect_fail 127 'Error: cannot run "vrc-no-such-command": *'
	ktap_run vrctl exec 1 -- /nonexistent/cmd
	expect_fail 127 'Error: cannot run "/nonexistent/cmd": *'
}

t_exec_not_executable() {
	printf '#!/bin/sh\necho ran\n' >"$T/noexec"
	chmod 644 "$T/noexec"
	ktap_run vrctl exec 1 -- "$T/noexec"
	expect_fail 126 "Error: cannot run \"$T/noexec\": *"
}

t_exec_usage() {
	ktap_run vrctl exec 1
	ktap_expect_rc 2
	ktap_expect_stdout ""
	ktap_run vrctl exec one -- true
	ktap_expect_rc 2
	ktap_expect_stdout ""
}

# --- tests: identify ----------------------------------------------------------

t_identify_self() {
	ktap_run vrctl identify
	ktap_expect_rc 0
	ktap_expect_stdout "0 name default"
	ktap_expect_stderr ""
}

t_identify_in_exec() {
	ktap_run vrctl exec 1 -- vrctl identify
	ktap_expect_rc 0
	ktap_expect_stdout "1 name vrc1"
	ktap_run vrctl exec 3 -- vrctl identify
	ktap_expect_rc 0
	ktap_expect_stdout 3
}

t_identify_json_self() {
	ktap_run vrctl -j identify
	ktap_expect_rc 0
	save id.json
	expect_json "vrctl -j identify" "$T/id.json"
	ktap_expect_match "pid" "[1-9]*" "$(flat_get "$T/id.json" .pid)"
	ktap_expect_eq "vr" 0 "$(flat_get "$T/id.json" .vr)"
	ktap_expect_eq "name" '"default"' "$(flat_get "$T/id.json" .name)"
	ktap_run vrctl exec 3 -- vrctl -j identify
	ktap_expect_rc 0
	save id3.json
	ktap_expect_eq "vr" 3 "$(flat_get "$T/id3.json" .vr)"
	ktap_expect_eq "name of an unnamed VR" null "$(flat_get "$T/id3.json" .name)"
}

# sleep_in_vr2 OUT: start "vrctl exec 2 -- sleep 30" in the background (output
# in OUT), wait until it is sleep; its pid in SLEEP_PID.
sleep_in_vr2() {
	ktap_run_bg "$1" vrctl exec 2 -- sleep 30
	SLEEP_PID=$KTAP_BG_PID
	KTAP_BG_PIDS="$KTAP_BG_PIDS $SLEEP_PID"
	wait_comm "$SLEEP_PID" sleep && return 0
	ktap_check_fail "pid $SLEEP_PID never became sleep"
	ktap_print_file "2> " "$1.err"
	return 1
}

t_identify_pid() {
	local pid
	sleep_in_vr2 "$T/sleep.out" || return 1
	pid=$SLEEP_PID
	ktap_expect_eq "/proc/$pid/vr" 2 "$(cat "/proc/$pid/vr")"
	ktap_run vrctl identify "$pid"
	ktap_expect_rc 0
	ktap_expect_stdout "2 name vrc2"
	ktap_expect_stderr ""
	ktap_run vrctl -j identify "$pid"
	ktap_expect_rc 0
	save idp.json
	expect_json "vrctl -j identify $pid" "$T/idp.json"
	ktap_expect_eq "pid" "$pid" "$(flat_get "$T/idp.json" .pid)"
	ktap_expect_eq "vr" 2 "$(flat_get "$T/idp.json" .vr)"
	ktap_expect_eq "name" '"vrc2"' "$(flat_get "$T/idp.json" .name)"
	# Readable without CAP_NET_ADMIN.
	ktap_run vr-capdrop 12 -- vrctl identify "$pid"
	ktap_expect_rc 0
	ktap_expect_stdout "2 name vrc2"
	ktap_bg_stop
}

# show VR pids lists the processes of the VR, and only those.
t_show_pids() {
	local pid
	sleep_in_vr2 "$T/sleep-pids.out" || return 1
	pid=$SLEEP_PID
	ktap_run vrctl show 2 pids
	ktap_expect_rc 0
	ktap_check "pid $pid listed in VR 2" grep -Eq "^ *$pid  sleep\$" "$KTAP_STDOUT"
	ktap_run vrctl show 0 pids
	ktap_check "the test shell ($$) listed in VR 0" grep -Eq "^ *$$  " "$KTAP_STDOUT"
	ktap_check "pid $pid not listed in VR 0" sh -c "! grep -Eq '^ *$pid  ' '$KTAP_STDOUT'"
	ktap_run vrctl -j show 2 pids
	ktap_check "JSON has pid $pid" grep -q "{\"pid\":$pid,\"comm\":\"sleep\"}" "$KTAP_STDOUT"
	ktap_run vrctl show 9 pids
	expect_fail 1 "*VR does not exist*"
	ktap_bg_stop
}

t_identify_no_pid() {
	local pid
	ktap_run vrctl identify "$NO_PID"
	expect_fail 1 "Error: no process with pid $NO_PID"
	# A process that has been reaped.
	sh -c 'exit 0' &
	pid=$!
	wait "$pid"
	ktap_run vrctl identify "$pid"
	expect_fail 1 "Error: no process with pid $pid"
}

# --- tests: route -------------------------------------------------------------

t_route_add() {
	ktap_run vrctl route add 10.99.0.0/24 dev vrcd1 vr 1
	expect_quiet_ok
}

t_route_show_vr1() {
	ktap_run vrctl route show -4 vr 1
	ktap_expect_rc 0
	ktap_expect_stderr ""
	save show1
	ktap_check "vrctl route show vr 1 lists 10.99.0.0/24 dev vrcd1 scope link" \
		has_line "$T/show1" "10.99.0.0/24 dev vrcd1 scope link"
}

t_route_in_ip_table() {
	ktap_run ip -4 route show table "$T1"
	ktap_expect_rc 0
	save ip1
	ktap_check "ip -4 route show table $T1 lists 10.99.0.0/24 dev vrcd1 scope link" \
		has_line "$T/ip1" "10.99.0.0/24 dev vrcd1 scope link"
}

t_route_same_as_ip() {
	ktap_expect_eq "vrctl route show vr 1 vs ip -4 route show table $T1" \
		"$(trimmed "$T/ip1")" "$(trimmed "$T/show1")"
}

t_route_not_elsewhere() {
	ktap_run vrctl route show vr 2
	ktap_expect_rc 0
	save show2
	ktap_check "not in vrctl route show vr 2" lacks "$T/show2" 10.99.0.0
	ktap_run ip -4 route show table "$T2"
	save ip2
	ktap_check "not in table $T2" lacks "$T/ip2" 10.99.0.0
	ktap_run ip -4 route show table main
	save ipmain
	ktap_check "not in the main table" lacks "$T/ipmain" 10.99.0.0
	ktap_run vrctl route show vr 0
	ktap_expect_rc 0
	save show0
	ktap_check "not in vrctl route show vr 0" lacks "$T/show0" 10.99.0.0
}

t_route_show_selectors() {
	ktap_run vrctl route show 10.99.0.0/24 vr 1
	ktap_expect_rc 0
	ktap_expect_stdout "10.99.0.0/24 dev vrcd1 scope link"
	ktap_run vrctl route show 10.99.0.0/16 vr 1
	ktap_expect_rc 0
	ktap_expect_stdout ""
	ktap_run vrctl route show dev vrcd1 vr 1
	ktap_expect_rc 0
	save showdev
	ktap_check "dev vrcd1 selects the route" \
		has_line "$T/showdev" "10.99.0.0/24 dev vrcd1 scope link"
}

t_route_json() {
	local i
	ktap_run vrctl -j route show vr 1
	ktap_expect_rc 0
	save route.json
	expect_json "vrctl -j route show vr 1" "$T/route.json"
	i=$(route_index "$T/route.json" 10.99.0.0/24)
	if [ -z "$i" ]; then
		ktap_check_fail "no route with dst 10.99.0.0/24 in the JSON"
		return 1
	fi
	ktap_expect_eq "dev" '"vrcd1"' "$(flat_get "$T/route.json" "[$i].dev")"
	ktap_expect_eq "type" '"unicast"' "$(flat_get "$T/route.json" "[$i].type")"
	ktap_expect_eq "protocol" '"boot"' "$(flat_get "$T/route.json" "[$i].protocol")"
	ktap_expect_eq "scope" '"link"' "$(flat_get "$T/route.json" "[$i].scope")"
	ktap_expect_eq "gateway" null "$(flat_get "$T/route.json" "[$i].gateway")"
	ktap_expect_eq "table" "$T1" "$(flat_get "$T/route.json" "[$i].table")"
	ktap_run vrctl -j -p route show vr 1
	ktap_expect_rc 0
	save route-pretty.json
	expect_json "vrctl -j -p route show vr 1" "$T/route-pretty.json"
	ktap_run vrctl -j route show vr 2
	ktap_expect_rc 0
	save route2.json
	expect_json "vrctl -j route show vr 2" "$T/route2.json"
	ktap_check "no 10.99.0.0/24 in VR 2's JSON" lacks "$T/route2.json" 10.99.0.0
}

# A socket of a command run in VR v routes by VR v's table: with the route,
# the UDP "request" is sent (into the dummy) and times out (10); without
# one, connect() fails with ENETUNREACH (12).
t_route_used_by_exec() {
	ktap_run vrctl exec 1 -- vr-sock -t 300 request udp 10.99.0.1 5000
	ktap_expect_rc 10
	ktap_run vrctl exec 2 -- vr-sock -t 300 request udp 10.99.0.1 5000
	ktap_expect_rc 12
	ktap_run vr-sock -t 300 request udp 10.99.0.1 5000
	ktap_expect_rc 12
}

# IPv6 routes in VR 1's IPv6 table: added, shown as ip -6 route shows them,
# deleted; an interface of VR 0 is refused with the kernel's message.
t_route_v6() {
	local line="2001:db8:99::/64 via fe80::1 dev vrcd1 metric 1024 pref medium"
	ktap_run vrctl route add 2001:db8:99::/64 via fe80::1 dev vrcd1 vr 1
	expect_quiet_ok
	ktap_run vrctl route show -6 2001:db8:99::/64 vr 1
	ktap_expect_rc 0 &&
	ktap_expect_stdout "$line"
	ktap_run ip -6 route show table "$T1" 2001:db8:99::/64
	ktap_expect_stdout "$line"
	ktap_run vrctl route show vr 1
	save showboth
	ktap_check "vrctl route show vr 1 lists the IPv6 route too" \
		has_line "$T/showboth" "$line"
	ktap_run vrctl route add 2001:db8:98::/64 dev vrcd0 vr 1
	expect_fail 1 "Error: Nexthop device is in another VR than the table*"
	ktap_run vrctl route del 2001:db8:99::/64 vr 1
	expect_quiet_ok
	ktap_run ip -6 route show table "$T1" 2001:db8:99::/64
	ktap_expect_stdout ""
}

t_route_add_exists() {
	ktap_run vrctl route add 10.99.0.0/24 dev vrcd1 vr 1
	expect_fail 1 "Error: *File exists*"
}

t_route_via() {
	local dst gw scope
	ktap_run vrctl route add 10.97.0.0/16 via 10.98.1.2 vr 1
	expect_quiet_ok
	ktap_run vrctl route add default via 10.98.1.254 dev vrcd1 vr 1
	expect_quiet_ok
	ktap_run vrctl route show -4 vr 1
	save showvia
	ktap_check "10.97.0.0/16 via 10.98.1.2 dev vrcd1 listed" \
		has_line "$T/showvia" "10.97.0.0/16 via 10.98.1.2 dev vrcd1"
	ktap_check "default via 10.98.1.254 dev vrcd1 listed" \
		has_line "$T/showvia" "default via 10.98.1.254 dev vrcd1"
	ktap_run ip -4 route show table "$T1"
	save ipvia
	ktap_check "ip lists 10.97.0.0/16 via 10.98.1.2 dev vrcd1" \
		has_line "$T/ipvia" "10.97.0.0/16 via 10.98.1.2 dev vrcd1"
	ktap_check "ip lists default via 10.98.1.254 dev vrcd1" \
		has_line "$T/ipvia" "default via 10.98.1.254 dev vrcd1"
	ktap_expect_eq "vrctl route show vr 1 vs ip -4 route show table $T1" \
		"$(trimmed "$T/ipvia")" "$(trimmed "$T/showvia")"
	ktap_run vrctl -j route show default vr 1
	save default.json
	dst=$(flat_get "$T/default.json" "[0].dst")
	gw=$(flat_get "$T/default.json" "[0].gateway")
	scope=$(flat_get "$T/default.json" "[0].scope")
	ktap_expect_eq "JSON of the default route (dst, gateway, scope)" \
		'"default" "10.98.1.254" "global"' \
		"$dst $gw $scope"
	ktap_run vrctl route del default vr 1
	expect_quiet_ok
	ktap_run vrctl route del 10.97.0.0/16 via 10.98.1.2 vr 1
	expect_quiet_ok
	ktap_run vrctl route show vr 1
	ktap_expect_eq "routes via gateways left in VR 1" "" \
		"$(grep via "$KTAP_STDOUT")"
}

t_route_bad_gateway() {
	ktap_run vrctl route add 10.96.0.0/16 via 192.0.2.1 vr 1
	expect_fail 1 "Error: Nexthop has invalid gateway (*)"
	ktap_run ip -4 route show table "$T1"
	save ipbad
	ktap_check "no 10.96.0.0/16 in table $T1" lacks "$T/ipbad" 10.96.0.0
}

t_route_vr0_is_main() {
	ktap_run vrctl route add 10.95.0.0/24 dev vrcd0 vr 0
	expect_quiet_ok
	ktap_run ip -4 route show table main
	save ipmain0
	ktap_check "ip -4 route show table main lists it" \
		has_line "$T/ipmain0" "10.95.0.0/24 dev vrcd0 scope link"
	ktap_run ip -4 route show table "$T1"
	save ip1b
	ktap_check "not in table $T1" lacks "$T/ip1b" 10.95.0.0
	ktap_run vrctl route show 10.95.0.0/24 vr 0
	ktap_expect_stdout "10.95.0.0/24 dev vrcd0 scope link"
	ktap_run vrctl route del 10.95.0.0/24 vr 0
	expect_quiet_ok
	ktap_run ip -4 route show table main
	save ipmain1
	ktap_check "gone from the main table" lacks "$T/ipmain1" 10.95.0.0
}

t_route_missing_vr() {
	ktap_run vrctl route add 10.99.0.0/24 dev vrcd1 vr 9
	expect_fail 1 "Error: VR does not exist (*)"
	ktap_run vrctl route show vr 9
	expect_fail 1 "Error: VR does not exist (*)"
	ktap_run vrctl route add 10.99.0.0/24 dev vrcd1 vr 70000
	expect_fail 1 "Error: *"
}

t_route_unknown_dev() {
	ktap_run vrctl route add 10.94.0.0/24 dev vrc-nosuch vr 1
	expect_fail 1 'Error: cannot find device "vrc-nosuch"'
}

t_route_usage() {
	ktap_run vrctl route add 10.94.0.0/24 dev vrcd1
	ktap_expect_rc 2
	ktap_expect_stdout ""
	ktap_expect_match "stderr" '*"vr <VR>" is required*' "$KTAP_STDERR_TEXT"
	ktap_run vrctl route add 10.94.0.0/33 vr 1
	ktap_expect_rc 2
	ktap_run ip -4 route show table "$T1"
	save ipusage
	ktap_check "nothing added for the usage errors" lacks "$T/ipusage" 10.94.0.0
}

t_route_noadmin() {
	ktap_run vr-capdrop 12 -- vrctl route add 10.93.0.0/24 dev vrcd1 vr 1
	expect_fail 1 "Error: *Operation not permitted*"
	ktap_run vr-capdrop 12 -- vrctl route show vr 1
	ktap_expect_rc 0
	save shownocap
	ktap_check "route show works without CAP_NET_ADMIN" \
		has_line "$T/shownocap" "10.99.0.0/24 dev vrcd1 scope link"
}

t_route_del() {
	ktap_run vrctl route del 10.99.0.0/24 vr 1
	expect_quiet_ok
	ktap_run vrctl route show vr 1
	ktap_expect_rc 0
	save showdel
	ktap_check "gone from vrctl route show vr 1" lacks "$T/showdel" 10.99.0.0
	ktap_run ip -4 route show table "$T1"
	save ipdel
	ktap_check "gone from table $T1" lacks "$T/ipdel" 10.99.0.0
	ktap_run vrctl exec 1 -- vr-sock -t 300 request udp 10.99.0.1 5000
	ktap_expect_rc 12
}

t_route_del_missing() {
	ktap_run vrctl route del 10.99.0.0/24 vr 1
	expect_fail 1 "Error: *No such process*"
}

# --- cleanup ------------------------------------------------------------------

# -batch: 100 VRs created and deleted by one vrctl each; a failing line.
t_batch_create_delete() {
	local i=10
	: >"$T/create.vr"
	: >"$T/delete.vr"
	while [ $i -lt 110 ]; do
		echo "create $i name b$i" >>"$T/create.vr"
		echo "delete $i  # VR $i" >>"$T/delete.vr"
		i=$((i + 1))
	done
	ktap_run vrctl -batch "$T/create.vr"
	expect_quiet_ok
	ktap_run vrctl list
	ktap_expect_rc 0
	ktap_expect_eq "VRs 10-109 listed" 100 "$(grep -cE '^[0-9]+ +b[0-9]+ ' "$KTAP_STDOUT")"
	ktap_run vrctl -batch "$T/delete.vr"
	expect_quiet_ok
	ktap_run vrctl show 109
	ktap_expect_rc 1
}
t_batch_failing_line() {
	printf 'create 200\ncreate 200\ncreate 201\n' >"$T/dup.vr"
	ktap_run vrctl -batch "$T/dup.vr"
	ktap_expect_rc 1
	ktap_expect_match "the kernel's refusal" "*exists*" "$KTAP_STDERR_TEXT"
	ktap_expect_match "the failing line" "*Command failed $T/dup.vr:2*" "$KTAP_STDERR_TEXT"
	ktap_run vrctl show 201
	ktap_expect_rc 1
	# -force runs every line: 200 exists twice, 201 is created.
	ktap_run vrctl -force -batch "$T/dup.vr"
	ktap_expect_rc 1
	ktap_run vrctl show 201
	ktap_expect_rc 0
	ktap_run vrctl delete 200
	expect_quiet_ok
	ktap_run vrctl delete 201
	expect_quiet_ok
}

t_cleanup() {
	local i
	ktap_bg_stop
	for i in vrcd0 vrcd1 vrcd2; do
		ktap_run ip link del "$i"
		ktap_expect_rc 0
	done
	for i in 1 2 3; do
		ktap_run vrctl delete "$i"
		expect_quiet_ok
	done
	ktap_run vrctl -j list
	ktap_expect_rc 0
	save list.json
	ktap_expect_eq "VRs left" "0" \
		"$(json_flat <"$T/list.json" | sed -n 's/^\[[0-9]*\]\.id=//p' |
			tr '\n' ' ' | sed 's/ $//')"
}

suite() {
	ktap_test_result "the test shell runs in VR 0" t_shell_in_vr0
	ktap_test_result "exec 1 -- cat /proc/self/vr prints 1" t_exec_cat
	ktap_test_result "exec without -- works the same" t_exec_without_dashdash
	ktap_test_result "children, subshells and background jobs of the command inherit the VR" \
		t_exec_descendants
	ktap_test_result "exec leaves the caller's VR alone" t_exec_caller_unchanged
	ktap_test_result "exec 0 from VR 1 goes back to VR 0" t_exec_back_to_vr0
	ktap_test_result "sockets of the command are in the VR (SO_VR)" t_exec_sockets
	ktap_test_result "exec becomes the command: its status and output" t_exec_status
	ktap_test_result "exec into a missing VR: exit 1, does not exist" t_exec_missing_vr
	ktap_test_result "exec into VR 70000: exit 1" t_exec_id_range
	ktap_test_result "exec without CAP_NET_ADMIN: exit 1, says CAP_NET_ADMIN" t_exec_noadmin
	ktap_test_result "exec of a missing command: exit 127" t_exec_not_found
	ktap_test_result "exec of a non-executable file: exit 126" t_exec_not_executable
	ktap_test_result "exec usage errors: exit 2" t_exec_usage

	ktap_test_result "identify prints 0 name default for the test shell" t_identify_self
	ktap_test_result "identify under exec prints the VR and its name, if any" \
		t_identify_in_exec
	ktap_test_result "-j identify prints pid, vr and name" t_identify_json_self
	ktap_test_result "identify of another process started by exec" t_identify_pid
	ktap_test_result "identify of a missing process: exit 1" t_identify_no_pid
	ktap_test_result "show VR pids lists the VR's processes only" t_show_pids

	ktap_test_result "route add 10.99.0.0/24 dev vrcd1 vr 1" t_route_add
	ktap_test_result "route show vr 1 lists it" t_route_show_vr1
	ktap_test_result "ip -4 route show table T1 lists it" t_route_in_ip_table
	ktap_test_result "route show vr 1 prints what ip -4 route show table T1 prints" \
		t_route_same_as_ip
	ktap_test_result "the route is not in VR 2's table nor in the main table" \
		t_route_not_elsewhere
	ktap_test_result "route show selects by prefix and device" t_route_show_selectors
	ktap_test_result "-j route show is valid JSON with the route" t_route_json
	ktap_test_result "commands run in VR 1 use the route, in VR 2 and 0 not" \
		t_route_used_by_exec
	ktap_test_result "route add of an existing route: exit 1, EEXIST" t_route_add_exists
	ktap_test_result "route add/del with a gateway and of the default route" t_route_via
	ktap_test_result "IPv6 route add/show/del in VR 1's table; VR 0's interface refused" \
		t_route_v6
	ktap_test_result "route add via an unreachable gateway: the kernel's message" \
		t_route_bad_gateway
	ktap_test_result "VR 0's routes are the main table's" t_route_vr0_is_main
	ktap_test_result "route add/show in a missing VR: exit 1" t_route_missing_vr
	ktap_test_result "route add on an unknown device: exit 1" t_route_unknown_dev
	ktap_test_result "route usage errors: exit 2, nothing added" t_route_usage
	ktap_test_result "route add without CAP_NET_ADMIN: EPERM; show works" t_route_noadmin
	ktap_test_result "route del removes it, and commands in VR 1 lose it" t_route_del
	ktap_test_result "route del of a missing route: exit 1, ESRCH" t_route_del_missing

	ktap_test_result "-batch: 100 VRs created, then deleted, by one vrctl each" \
		t_batch_create_delete
	ktap_test_result "-batch stops at a failing line and names it; -force goes on" \
		t_batch_failing_line

	ktap_test_result "cleanup: delete the interfaces, then VRs 1-3" t_cleanup
}

ktap_plan_suite suite
setup || ktap_exit_fail_msg "setup failed"
suite
ktap_finished
