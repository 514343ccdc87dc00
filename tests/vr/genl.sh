#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest of the "vr" generic netlink family, run as root.
#
#   netns vrt-a-PID (the tests run here)        netns vrt-b-PID
#   +------------------------------------+      +------------------+
#   | lo                                 |      | lo               |
#   | vrd0 (dummy)      vrd1 (dummy)     |      |                  |
#   | vrv0 <----- veth pair -----> vrv1  |      | (VR 0, then a    |
#   |                                    |      |  VR 4 of its own)|
#   | VR 0 "default" (table 254),        |      |                  |
#   | VRs 1..65535 (table 65536 + id)    |      |                  |
#   +------------------------------------+      +------------------+
#
# Every command of the family (create, delete, get/dump, assign, and the
# create/delete/change notifications) is exercised through vrctl and through
# hand-built requests (vr-nlraw), checking exit status, error message and the
# resulting state (vrctl -j list / vrctl show) each time. Every refusal of the
# kernel (bad ids and names, missing or malformed attributes, missing
# CAP_NET_ADMIN, busy VRs) is shown to leave the state unchanged, and VRs are
# shown to be per network namespace and to lose interfaces that are deleted.
#
# Needs: ip (iproute2), vrctl, vr-nlraw and vr-capdrop in PATH.
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
# (so VR 0 holds exactly our interfaces), plus a second one for isolation.

if [ -z "${VR_GENL_NS_A:-}" ]; then
	for cmd in vrctl vr-nlraw vr-capdrop; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "TAP version 13"
			echo "Bail out! $cmd not found in PATH"
			exit 1
		fi
	done
	ns_a=vrt-a-$$
	ns_b=vrt-b-$$
	if ! err=$(ip netns add "$ns_a" 2>&1 && ip netns add "$ns_b" 2>&1); then
		ip netns del "$ns_a" 2>/dev/null
		echo "TAP version 13"
		printf '%s\n' "$err" | sed 's/^/# /'
		echo "Bail out! cannot create network namespaces (ip netns add)"
		exit 1
	fi
	vr_netns_cleanup "$ns_a" "$ns_b"
	VR_GENL_NS_A=$ns_a
	VR_GENL_NS_B=$ns_b
	export VR_GENL_NS_A VR_GENL_NS_B
	vr_netns_run "$ns_a" sh "$SELF" "$@"
	rc=$?
	exit "$rc"
fi

# --- inner part: in netns A -------------------------------------------------

# shellcheck disable=SC2153 # set by the outer part
NS_B=$VR_GENL_NS_B
# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
# shellcheck source=../lib/json.sh
. "$LIB/json.sh"

T=$(mktemp -d /tmp/vr-genl.XXXXXX) || exit 1
STATE=$T/state
MON_PIDS=
TAB=$(printf '\t')
# Longest valid name (31 bytes, every allowed kind of character), and one
# byte too long.
N31=ABCdefghijklmnopqrstuvwxyz-_.01
N32=${N31}2

cleanup() {
	mon_stop
	rm -rf "$T" "$KTAP_TMPDIR"
}
ktap_trap_cleanup cleanup

# --- reading the state ------------------------------------------------------

# vr_summary [mon]: json_flat of `vrctl -j list` (or of `vrctl -j monitor`
# with "mon") on stdin to one line per VR (per event):
#	[EVENT ]ID NAME TABLE IFACES
# NAME keeps its JSON quotes ("red", or null), IFACES is the sorted,
# comma-separated interface names, or - for none.
vr_summary() {
	json_flat | awk -v mode="${1:-list}" '
	function rec(r) {
		if (!(r in known)) {
			known[r] = 1
			order[nr++] = r
			id[r] = name[r] = tab[r] = "<absent>"
		}
	}
	function unq(s) {
		if (s ~ /^".*"$/)
			return substr(s, 2, length(s) - 2)
		return s
	}
	/^--- / {
		doc = $2
		if (mode == "mon")
			rec(doc)
		next
	}
	{
		eq = index($0, "=")
		p = substr($0, 1, eq - 1)
		v = substr($0, eq + 1)
		if (mode == "mon") {
			r = doc
			if (p == ".event") {
				ev[r] = unq(v)
				next
			}
			if (substr(p, 1, 4) != ".vr.")
				next
			p = substr(p, 4)
		} else {
			if (substr(p, 1, 1) != "[")
				next
			rb = index(p, "]")
			r = substr(p, 2, rb - 2)
			p = substr(p, rb + 1)
			rec(r)
		}
		if (p == ".id")
			id[r] = v
		else if (p == ".name")
			name[r] = v
		else if (p == ".table")
			tab[r] = v
		else if (p ~ /^\.interfaces\[[0-9]+\]\.name$/)
			ifs[r, nif[r]++] = unq(v)
	}
	END {
		for (k = 0; k < nr; k++) {
			r = order[k]
			m = nif[r] + 0
			for (a = 0; a < m; a++)
				lst[a] = ifs[r, a]
			for (a = 1; a < m; a++) {
				x = lst[a]
				for (b = a - 1; b >= 0 && lst[b] > x; b--)
					lst[b + 1] = lst[b]
				lst[b + 1] = x
			}
			s = ""
			for (a = 0; a < m; a++)
				s = s (a ? "," : "") lst[a]
			if (m == 0)
				s = "-"
			pre = ""
			if (mode == "mon")
				pre = ((r in ev) ? ev[r] : "<absent>") " "
			print pre id[r] " " name[r] " " tab[r] " " s
		}
	}'
}

# get_state [CMD-PREFIX...]: `vrctl -j list` (run through the prefix, e.g.
# ip netns exec NS) summarized into $STATE.
get_state() {
	local rc
	"$@" vrctl -j list >"$T/list.json" 2>"$T/list.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		ktap_check_fail "$* vrctl -j list failed (exit status $rc)"
		ktap_print_file "2> " "$T/list.err"
		: >"$STATE"
		return 1
	fi
	vr_summary <"$T/list.json" >"$STATE"
}

show_state() {
	echo "#   vrctl -j list (summarized):"
	ktap_print_file "    " "$STATE"
}

# The interfaces of this netns, sorted, comma-separated.
netns_ifaces() {
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		sort | tr '\n' ',' | sed 's/,$//'
}

# csv_minus CSV NAME...: CSV without the NAMEs (- if nothing is left).
csv_minus() {
	local csv="$1" n
	shift
	for n in "$@"; do
		csv=$(printf '%s\n' "$csv" | tr ',' '\n' | grep -vxF -e "$n" |
			tr '\n' ',' | sed 's/,$//')
	done
	printf '%s\n' "${csv:--}"
}

# v0 [NAME...]: the expected summary of VR 0: every interface of the netns
# except the NAMEs.
v0() {
	printf '0 "default" 254 %s\n' "$(csv_minus "$(netns_ifaces)" "$@")"
}

ifindex() {
	ip -o link show dev "$1" | awk -F': ' 'NR == 1 { print $1 }'
}

no_link() {
	! ip link show dev "$1" >/dev/null 2>&1
}

no_ifindex_in_b() {
	! ip netns exec "$NS_B" "$IPROUTE2" -o link show | grep -q "^$1:"
}

# expect_vr ID LINE: the summary of VR ID in vrctl -j list is LINE (empty:
# no such VR).
expect_vr() {
	local got
	get_state || return 1
	got=$(awk -v id="$1" '$1 == id' "$STATE")
	if [ "$got" = "$2" ]; then
		echo "# check: VR $1 = ${2:-(none)}"
		return 0
	fi
	ktap_check_fail "VR $1 in vrctl -j list:"
	echo "#   expected: ${2:-(no such VR)}"
	echo "#   got:      ${got:-(no such VR)}"
	show_state
	return 1
}

# expect_ids "ID ID...": vrctl -j list has exactly these VRs, in this order.
expect_ids() {
	local got
	get_state || return 1
	got=$(awk '{ print $1 }' "$STATE" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$1" ]; then
		echo "# check: VRs are: $1"
		return 0
	fi
	ktap_check_fail "VR ids in vrctl -j list: expected '$1', got '$got'"
	show_state
	return 1
}

# snap / expect_unchanged: vrctl -j list before and after a refusal.
snap() {
	SNAP_OK=1
	if ! vrctl -j list >"$T/before.json" 2>&1; then
		ktap_check_fail "vrctl -j list failed before the request"
		SNAP_OK=0
	fi
}

expect_unchanged() {
	if ! vrctl -j list >"$T/after.json" 2>&1; then
		ktap_check_fail "vrctl -j list failed after the request"
		return 1
	fi
	[ "$SNAP_OK" = 1 ] || return 1
	if cmp -s "$T/before.json" "$T/after.json"; then
		echo "# check: state unchanged (vrctl -j list identical)"
		return 0
	fi
	ktap_check_fail "the refused request changed the state"
	echo "#   before:"
	vr_summary <"$T/before.json" | sed 's/^/#     /'
	echo "#   after:"
	vr_summary <"$T/after.json" | sed 's/^/#     /'
	return 1
}

# strerror texts of glibc and musl, '|'-separated.
strerror_alts() {
	case $1 in
	EPERM) echo "Operation not permitted" ;;
	ENOENT) echo "No such file or directory" ;;
	EEXIST) echo "File exists" ;;
	EINVAL) echo "Invalid argument" ;;
	EBUSY) echo "Device or resource busy|Resource busy" ;;
	ENODEV) echo "No such device" ;;
	ERANGE) echo "Numerical result out of range|Result not representable" ;;
	*) echo "$1" ;;
	esac
}

# expect_error MSG ENAMES: the last ktap_run exited with 1 and wrote exactly
# "Error: MSG (<strerror>)" (or "Error: <strerror>" if MSG is empty) on
# stderr, for one of the '|'-separated ENAMES. MSG "*" accepts any message.
expect_error() {
	local msg="$1" enames="$2" e alt want first="" oldifs="$IFS"
	ktap_expect_rc 1
	IFS='|'
	for e in $enames; do
		for alt in $(strerror_alts "$e"); do
			if [ -z "$msg" ]; then
				want="Error: $alt"
			else
				want="Error: $msg ($alt)"
			fi
			[ -n "$first" ] || first=$want
			# shellcheck disable=SC2254
			case $KTAP_STDERR_TEXT in
			$want)
				IFS=$oldifs
				echo "# check: exit status 1, stderr is the $e message"
				return 0
				;;
			esac
		done
	done
	IFS=$oldifs
	ktap_check_fail "stderr:"
	echo "#   expected: $first (or another of $enames)"
	printf '%s\n' "$KTAP_STDERR_TEXT" | sed 's/^/#   got:      /'
	return 1
}

# vrctl_refused MSG ENAMES ARGS...: `vrctl ARGS` fails (expect_error) and
# leaves vrctl -j list unchanged.
vrctl_refused() {
	local msg="$1" enames="$2"
	shift 2
	snap
	ktap_run vrctl "$@"
	expect_error "$msg" "$enames"
	expect_unchanged
}

raw_field() { # FIELD: from the result line of the last ktap_run vr-nlraw
	printf '%s\n' "$KTAP_STDOUT_TEXT" | grep '^errno=' | tail -n 1 |
		sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"
}

# expect_raw ENAMES MSG: the last ktap_run vr-nlraw got an answer with one of
# the '|'-separated errno names (0 for success) and extack message MSG
# ("*": any).
expect_raw() {
	local enames="$1" msg="$2" line name extack
	ktap_expect_rc 0 || return 1
	line=$(printf '%s\n' "$KTAP_STDOUT_TEXT" | grep '^errno=' | tail -n 1)
	name=$(printf '%s\n' "$line" | sed -n 's/^errno=[^ ]* name=\([^ ]*\) .*/\1/p')
	extack=$(printf '%s\n' "$line" |
		sed -n 's/^errno=[^ ]* name=[^ ]* extack="\(.*\)" entries=.*/\1/p')
	case "|$enames|" in
	*"|$name|"*) echo "# check: the kernel answered ${name}" ;;
	*) ktap_check_fail "expected errno $enames, got ${name:-no answer}" ;;
	esac
	if [ "$msg" = "*" ]; then
		echo "# (any extack message accepted; got \"$extack\")"
	else
		ktap_expect_eq "extack message" "$msg" "$extack"
	fi
}

# raw_refused ENAMES MSG ARGS...: `vr-nlraw ARGS` is refused (expect_raw)
# and leaves vrctl -j list unchanged.
raw_refused() {
	local enames="$1" msg="$2"
	shift 2
	snap
	ktap_run vr-nlraw "$@"
	expect_raw "$enames" "$msg"
	expect_unchanged
}

# vrctl_ok ARGS...: `vrctl ARGS` succeeds silently on stderr.
vrctl_ok() {
	ktap_run vrctl "$@"
	ktap_expect_rc 0
	ktap_expect_stderr ""
}

# list_row ID NAME TABLE IFACES: a row of `vrctl list`.
list_row() {
	printf '%-6s %-16s %-6s %s\n' "$1" "$2" "$3" "$4"
}

# words_csv: the words on stdin, sorted, comma-separated.
words_csv() {
	tr ' ' '\n' | grep -v '^$' | sort | tr '\n' ',' | sed 's/,$//'
}

# --- setup ------------------------------------------------------------------

setup() {
	ktap_run ip link add vrd0 type dummy || return 1
	ktap_run ip link add vrd1 type dummy || return 1
	ktap_run ip link add vrv0 type veth peer name vrv1 || return 1
	# The family must be there (built in): a read needs no privilege.
	ktap_run vr-nlraw 3 u32:1=0 || return 1
}

# --- tests: reads of a fresh netns ------------------------------------------

t_initial_default_only() {
	get_state || return 1
	show_state
	expect_ids "0"
	ktap_expect_eq "name and table of VR 0" '"default" 254' \
		"$(awk '$1 == 0 { print $2, $3 }' "$STATE")"
}

t_default_has_every_iface() {
	ktap_run ip -o link show
	ktap_expect_match "interfaces of the netns" "lo,*vrd0,vrd1,vrv0,vrv1" \
		"$(netns_ifaces)"
	expect_vr 0 "$(v0)"
}

t_list_text_default() {
	local row
	ktap_run vrctl list
	ktap_expect_rc 0
	ktap_expect_eq "header" "VR     NAME             TABLE  INTERFACES" \
		"$(sed -n 1p "$KTAP_STDOUT")"
	ktap_expect_eq "number of lines" 2 "$(wc -l <"$KTAP_STDOUT" | tr -d ' ')"
	row=$(awk '$1 == "0"' "$KTAP_STDOUT")
	ktap_expect_eq "VR 0 row up to INTERFACES" "$(list_row 0 default 254 '')" \
		"$(printf '%s\n' "$row" | cut -c1-31)"
	ktap_expect_eq "VR 0 row interfaces" "$(netns_ifaces)" \
		"$(printf '%s\n' "$row" | cut -c32- | words_csv)"
}

t_show_text_default() {
	local l2
	ktap_run vrctl show 0
	ktap_expect_rc 0
	# the VR, its interfaces, packets, sockets, processes and routes
	ktap_expect_eq "number of lines" 6 "$(wc -l <"$KTAP_STDOUT" | tr -d ' ')"
	ktap_expect_eq "first line" "vr 0 name default table 254" \
		"$(sed -n 1p "$KTAP_STDOUT")"
	l2=$(sed -n 2p "$KTAP_STDOUT")
	ktap_expect_match "second line" "${TAB}interfaces: *" "$l2"
	ktap_expect_eq "interfaces" "$(netns_ifaces)" \
		"$(printf '%s\n' "${l2#"${TAB}"interfaces: }" | words_csv)"
}

t_raw_get_default() {
	ktap_run vr-nlraw -v 3 u32:1=0
	expect_raw 0 ""
	ktap_expect_eq "reply messages" 1 "$(raw_field entries)"
	# Attribute types: 1 id, 2 name, 3 table, 5 iface { 1 ifindex, 2 name }.
	ktap_expect_match "reply attributes" \
		'*1=u32:0 2=str:"default" 3=u32:254 5=nest\[1=u32:1 2=str:"lo"\]*' \
		"$KTAP_STDOUT_TEXT"
}

t_raw_dump_default() {
	ktap_run vr-nlraw --dump 3
	expect_raw 0 ""
	ktap_expect_eq "dumped VRs" 1 "$(raw_field entries)"
}

# --- tests: create ----------------------------------------------------------

t_create_named() {
	vrctl_ok create 1 name red
	expect_vr 1 '1 "red" 65537 -'
	expect_vr 0 "$(v0)"
}

t_create_unnamed() {
	vrctl_ok create 2
	expect_vr 2 '2 null 65538 -'
}

t_create_max_id() {
	vrctl_ok create 65535 name top
	expect_vr 65535 '65535 "top" 131071 -'
}

t_create_longest_name() {
	vrctl_ok create 3 name "$N31"
	expect_vr 3 "3 \"$N31\" 65539 -"
}

t_raw_create() {
	ktap_run vr-nlraw 1 u32:1=4 str:2=raw
	expect_raw 0 ""
	expect_vr 4 '4 "raw" 65540 -'
}

t_dump_sorted() {
	expect_ids "0 1 2 3 4 65535"
	ktap_run vr-nlraw --dump 3
	expect_raw 0 ""
	ktap_expect_eq "dumped VRs" 6 "$(raw_field entries)"
}

t_list_text() {
	ktap_run vrctl list
	ktap_expect_rc 0
	ktap_expect_eq "number of lines" 7 "$(wc -l <"$KTAP_STDOUT" | tr -d ' ')"
	ktap_expect_eq "VR 1 row" "$(list_row 1 red 65537 -)" \
		"$(awk '$1 == "1"' "$KTAP_STDOUT")"
	ktap_expect_eq "VR 2 row" "$(list_row 2 - 65538 -)" \
		"$(awk '$1 == "2"' "$KTAP_STDOUT")"
	ktap_expect_eq "VR 3 row" "$(list_row 3 "$N31" 65539 -)" \
		"$(awk '$1 == "3"' "$KTAP_STDOUT")"
	ktap_expect_eq "VR 65535 row" "$(list_row 65535 top 131071 -)" \
		"$(awk '$1 == "65535"' "$KTAP_STDOUT")"
	ktap_expect_eq "row order" "VR 0 1 2 3 4 65535" \
		"$(awk '{ print $1 }' "$KTAP_STDOUT" | tr '\n' ' ' | sed 's/ $//')"
}

t_show_text() {
	ktap_run vrctl show 1
	ktap_expect_rc 0
	ktap_expect_eq "VR and interfaces" \
		"$(printf 'vr 1 name red table 65537\n\tinterfaces: none')" \
		"$(head -n 2 "$KTAP_STDOUT")"
}

t_show_all_text() {
	ktap_run vrctl show
	ktap_expect_rc 0
	ktap_expect_eq "VRs shown, in order" "0 1 2 3 4 65535" \
		"$(sed -n 's/^vr \([0-9]*\) .*/\1/p' "$KTAP_STDOUT" | tr '\n' ' ' | sed 's/ $//')"
	ktap_expect_eq "interfaces lines" 6 \
		"$(grep -c "^${TAB}interfaces: " "$KTAP_STDOUT")"
	ktap_expect_eq "blank lines between VRs" 5 "$(grep -c '^$' "$KTAP_STDOUT")"
	ktap_check "'vr 65535 name top table 131071' shown" \
		grep -qx 'vr 65535 name top table 131071' "$KTAP_STDOUT"
	ktap_check "'vr 3 name $N31 table 65539' shown" \
		grep -qx "vr 3 name $N31 table 65539" "$KTAP_STDOUT"
}

t_show_json_one() {
	ktap_run vrctl -j show 65535
	ktap_expect_rc 0
	ktap_expect_eq "vrctl -j show 65535 (summarized)" '65535 "top" 131071 -' \
		"$(printf '%s\n' "$KTAP_STDOUT_TEXT" | vr_summary)"
}

# --- tests: refused creates -------------------------------------------------

t_create_existing_id() {
	vrctl_refused "VR already exists" EEXIST create 1 name other
}

t_create_zero() {
	vrctl_refused "VR already exists" EEXIST create 0
}

t_raw_create_zero() {
	raw_refused EEXIST "VR already exists" 1 u32:1=0
}

t_create_name_in_use() {
	vrctl_refused "VR name already in use" EEXIST create 5 name red
}

t_create_name_default() {
	vrctl_refused "VR name already in use" EEXIST create 5 name default
}

t_create_name_space() {
	vrctl_refused "invalid VR name" EINVAL create 5 name "bad name"
}

t_create_name_utf8() {
	vrctl_refused "invalid VR name" EINVAL create 5 name "r$(printf '\303\266')d"
}

t_raw_create_empty_name() {
	raw_refused EINVAL "invalid VR name" 1 u32:1=5 str:2=
}

t_create_name_too_long() {
	snap
	ktap_run vrctl create 5 name "$N32"
	expect_error "*" "EINVAL|ERANGE"
	expect_unchanged
}

t_raw_create_name_too_long() {
	raw_refused "EINVAL|ERANGE" "*" 1 u32:1=5 "str:2=$N32"
}

t_create_id_range() {
	vrctl_refused "integer out of range" ERANGE create 70000
}

t_raw_create_id_range() {
	raw_refused ERANGE "integer out of range" 1 u32:1=65536
}

t_raw_create_no_id() {
	raw_refused EINVAL "VR id missing" 1 str:2=noid
}

t_raw_create_name_no_nul() {
	raw_refused EINVAL "*" 1 u32:1=5 strnonul:2=blue
}

t_create_usage() {
	snap
	ktap_run vrctl create abc
	ktap_expect_rc 2
	expect_unchanged
}

# --- tests: malformed requests ----------------------------------------------

t_raw_u32_short() {
	raw_refused EINVAL "invalid attribute length" 1 u16:1=5
}

t_raw_u32_long() {
	raw_refused EINVAL "invalid attribute length" 1 u64:1=5
}

t_raw_unknown_attr() {
	raw_refused EINVAL "Unknown attribute type" 1 u32:1=5 u32:42=1
}

t_raw_table_attr() {
	raw_refused EINVAL "*" 1 u32:1=5 u32:3=99
}

t_raw_truncated_attr() {
	# 16 (nlmsghdr) + 4 (genlmsghdr) + 8 (u32 attribute) = 28 bytes; send
	# 26, with nlmsg_len saying 26: the attribute is cut short.
	raw_refused "EINVAL|ERANGE" "*" --truncate 26 --hdr-len 26 1 u32:1=5
}

t_raw_truncated_genlhdr() {
	raw_refused "EINVAL|ERANGE" "*" --truncate 18 --hdr-len 18 1
}

t_raw_unknown_cmd() {
	raw_refused EOPNOTSUPP "*" 99 u32:1=5
}

t_raw_dump_create() {
	raw_refused EOPNOTSUPP "*" --dump 1
}

# --- tests: delete and get --------------------------------------------------

t_delete_default() {
	vrctl_refused "the default VR cannot be deleted" EINVAL delete 0
}

t_delete_unknown() {
	vrctl_refused "VR does not exist" ENOENT delete 9
}

t_delete_id_range() {
	vrctl_refused "integer out of range" ERANGE delete 70000
}

t_raw_delete_no_id() {
	raw_refused EINVAL "VR id missing" 2
}

t_delete() {
	vrctl_ok delete 2
	expect_vr 2 ""
	expect_ids "0 1 3 4 65535"
}

t_delete_reuse() {
	vrctl_ok delete 4
	expect_vr 4 ""
	vrctl_ok create 4 name raw
	expect_vr 4 '4 "raw" 65540 -'
}

# A VR comes with an IPv4 and an IPv6 table, and takes their routes with it
# when it goes: VR 4 created again finds both empty.
t_delete_routes() {
	ktap_run ip -6 route show table 65540 || return 1
	ktap_run ip route add unreachable 192.0.2.0/24 table 65540 &&
	ktap_run ip -6 route add unreachable 2001:db8:4::/64 table 65540 || return 1
	vrctl_ok delete 4
	vrctl_ok create 4 name raw
	ktap_run ip route show table 65540 &&
	ktap_expect_eq "IPv4 routes left in table 65540" "" "$(cat "$KTAP_STDOUT")" &&
	ktap_run ip -6 route show table 65540 &&
	ktap_expect_eq "IPv6 routes left in table 65540" "" "$(cat "$KTAP_STDOUT")"
}

t_show_unknown() {
	vrctl_refused "VR does not exist" ENOENT show 9
}

t_raw_get_unknown() {
	raw_refused ENOENT "VR does not exist" 3 u32:1=9
}

# --- tests: assign ----------------------------------------------------------

t_assign() {
	vrctl_ok assign vrd0 1
	expect_vr 1 '1 "red" 65537 vrd0'
	expect_vr 0 "$(v0 vrd0)"
}

t_assign_text() {
	ktap_run vrctl show 1
	ktap_expect_eq "VR and interfaces" \
		"$(printf 'vr 1 name red table 65537\n\tinterfaces: vrd0')" \
		"$(head -n 2 "$KTAP_STDOUT")"
	ktap_run vrctl list
	ktap_expect_eq "VR 1 row" "$(list_row 1 red 65537 vrd0)" \
		"$(awk '$1 == "1"' "$KTAP_STDOUT")"
}

t_assign_second() {
	vrctl_ok assign vrd1 1
	expect_vr 1 '1 "red" 65537 vrd0,vrd1'
	expect_vr 0 "$(v0 vrd0 vrd1)"
}

t_assign_move() {
	vrctl_ok assign vrd1 3
	expect_vr 1 '1 "red" 65537 vrd0'
	expect_vr 3 "3 \"$N31\" 65539 vrd1"
	expect_vr 0 "$(v0 vrd0 vrd1)"
}

t_assign_back_to_default() {
	vrctl_ok assign vrd1 0
	expect_vr 3 "3 \"$N31\" 65539 -"
	expect_vr 0 "$(v0 vrd0)"
}

t_raw_assign() {
	local idx
	idx=$(ifindex vrv0)
	ktap_run vr-nlraw 4 "u32:4=$idx" u32:1=65535
	expect_raw 0 ""
	expect_vr 65535 '65535 "top" 131071 vrv0'
	expect_vr 0 "$(v0 vrd0 vrv0)"
}

t_assign_unknown_ifname() {
	snap
	ktap_run vrctl assign nosuchif0 1
	ktap_expect_rc 1
	ktap_expect_stderr 'Error: cannot find device "nosuchif0"'
	expect_unchanged
}

t_assign_unknown_vr() {
	vrctl_refused "VR does not exist" ENOENT assign vrd1 9
}

t_raw_assign_unknown_ifindex() {
	raw_refused ENODEV "interface does not exist" 4 u32:4=999999 u32:1=1
}

t_raw_assign_huge_ifindex() {
	raw_refused ENODEV "interface does not exist" 4 u32:4=4294967295 u32:1=1
}

t_raw_assign_ifindex_zero() {
	raw_refused ERANGE "integer out of range" 4 u32:4=0 u32:1=1
}

t_raw_assign_no_id() {
	raw_refused EINVAL "VR id missing" 4 "u32:4=$(ifindex vrd1)"
}

t_raw_assign_no_ifindex() {
	raw_refused EINVAL "interface index missing" 4 u32:1=1
}

t_assign_id_range() {
	vrctl_refused "integer out of range" ERANGE assign vrd1 70000
}

t_delete_busy() {
	vrctl_refused "VR still has interfaces" EBUSY delete 1
}

t_delete_after_release() {
	vrctl_ok assign vrd0 0
	vrctl_ok delete 1
	expect_vr 1 ""
	expect_vr 0 "$(v0 vrv0)"
}

# --- tests: interface deletion ----------------------------------------------

t_iface_delete() {
	vrctl_ok assign vrv1 3
	expect_vr 3 "3 \"$N31\" 65539 vrv1"
	ktap_run ip link del vrv0
	ktap_expect_rc 0
	ktap_check "vrv1 went with vrv0" no_link vrv1
	expect_vr 65535 '65535 "top" 131071 -'
	expect_vr 3 "3 \"$N31\" 65539 -"
	expect_vr 0 "$(v0)"
}

t_iface_delete_then_vr_delete() {
	vrctl_ok delete 3
	vrctl_ok delete 65535
	expect_ids "0 4"
}

# --- tests: privileges (CAP_NET_ADMIN is capability 12) ---------------------

t_noadmin_create() {
	snap
	ktap_run vr-capdrop 12 -- vrctl create 8 name nocap
	expect_error "" EPERM
	expect_unchanged
}

t_noadmin_delete() {
	snap
	ktap_run vr-capdrop 12 -- vrctl delete 4
	expect_error "" EPERM
	expect_unchanged
}

t_noadmin_assign() {
	snap
	ktap_run vr-capdrop 12 -- vrctl assign vrd0 4
	expect_error "" EPERM
	expect_unchanged
}

t_noadmin_raw() {
	snap
	ktap_run vr-capdrop 12 -- vr-nlraw 1 u32:1=8
	expect_raw EPERM ""
	expect_unchanged
}

t_noadmin_reads() {
	local list json
	ktap_run vrctl list
	list=$KTAP_STDOUT_TEXT
	# without the counters: IPv6 autoconfiguration may drop packets meanwhile
	ktap_run vrctl -j show 4
	json=$(printf '%s\n' "$KTAP_STDOUT_TEXT" | sed 's/"stats":{[^}]*},//')
	ktap_run vr-capdrop 12 -- vrctl list
	ktap_expect_rc 0
	ktap_expect_eq "vrctl list without CAP_NET_ADMIN" "$list" "$KTAP_STDOUT_TEXT"
	ktap_run vr-capdrop 12 -- vrctl -j show 4
	ktap_expect_rc 0
	ktap_expect_eq "vrctl -j show 4 without CAP_NET_ADMIN" "$json" \
		"$(printf '%s\n' "$KTAP_STDOUT_TEXT" | sed 's/"stats":{[^}]*},//')"
	ktap_run vr-capdrop 12 -- vr-nlraw --dump 3
	expect_raw 0 ""
	ktap_expect_eq "dumped VRs" 2 "$(raw_field entries)"
}

# --- tests: network namespaces ----------------------------------------------

t_netns_fresh() {
	ktap_run ip netns exec "$NS_B" vrctl -j list
	ktap_expect_rc 0
	ktap_expect_eq "VRs of the other netns (summarized)" '0 "default" 254 lo' \
		"$(printf '%s\n' "$KTAP_STDOUT_TEXT" | vr_summary)"
}

# vr-nlraw --repeat (for creating thousands of VRs quickly): one process,
# one request per VR, stops at the first refusal.
t_netns_repeat() {
	ktap_run ip netns exec "$NS_B" vr-nlraw --repeat 3 1 u32:1=100
	expect_raw 0 ""
	ktap_expect_eq "requests answered without error" 3 "$(raw_field repeated)"
	ktap_run ip netns exec "$NS_B" vrctl -j list
	ktap_expect_eq "VRs of the other netns (summarized)" \
		"$(printf '%s\n' '0 "default" 254 lo' '100 null 65636 -' \
			'101 null 65637 -' '102 null 65638 -')" \
		"$(printf '%s\n' "$KTAP_STDOUT_TEXT" | vr_summary)"
	ktap_run ip netns exec "$NS_B" vr-nlraw --repeat 5 1 u32:1=102
	expect_raw EEXIST "*"
	ktap_expect_eq "requests answered without error" 0 "$(raw_field repeated)"
	for id in 100 101 102; do
		ktap_run ip netns exec "$NS_B" vrctl delete $id
		ktap_expect_rc 0
	done
}

t_netns_invisible() {
	ktap_run ip netns exec "$NS_B" vrctl show 4
	expect_error "VR does not exist" ENOENT
	expect_vr 4 '4 "raw" 65540 -'
}

t_netns_same_id() {
	ktap_run ip netns exec "$NS_B" vrctl create 4 name raw
	ktap_expect_rc 0
	get_state ip netns exec "$NS_B" || return 1
	ktap_expect_eq "VRs of the other netns" \
		"$(printf '0 "default" 254 lo\n4 "raw" 65540 -')" "$(cat "$STATE")"
	expect_ids "0 4"
}

t_netns_foreign_ifindex() {
	local idx
	idx=$(ifindex vrd0)
	ktap_run ip netns exec "$NS_B" ip -o link show
	ktap_check "ifindex $idx of vrd0 is free in the other netns" \
		no_ifindex_in_b "$idx"
	ktap_run ip netns exec "$NS_B" vr-nlraw 4 "u32:4=$idx" u32:1=4
	expect_raw ENODEV "interface does not exist"
	expect_vr 0 "$(v0)"
}

t_netns_delete() {
	ktap_run ip netns exec "$NS_B" vrctl delete 4
	ktap_expect_rc 0
	get_state ip netns exec "$NS_B" || return 1
	ktap_expect_eq "VRs of the other netns" '0 "default" 254 lo' "$(cat "$STATE")"
	expect_vr 4 '4 "raw" 65540 -'
}

# --- tests: notifications ---------------------------------------------------

# mon_wait FILE ERE [TENTHS]: wait (default 5 s) until FILE has a line
# matching ERE.
mon_wait() {
	local i=0
	while [ "$i" -lt "${3:-50}" ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

mon_stop() {
	for pid in $MON_PIDS; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	MON_PIDS=
}

# Starts `vrctl -j monitor` and `vrctl monitor`, then creates and deletes
# probe VRs until both report one: from then on they are listening. Later
# events are after line MON_BASE_J / MON_BASE_T of their output.
t_mon_start() {
	local try=0 id seen=
	ktap_run_bg "$T/mon.json" vrctl -j monitor
	MON_PIDS="$MON_PIDS $KTAP_BG_PID"
	ktap_run_bg "$T/mon.txt" vrctl monitor
	MON_PIDS="$MON_PIDS $KTAP_BG_PID"
	while [ "$try" -lt 10 ] && [ -z "$seen" ]; do
		id=$((65000 + try))
		vrctl_ok create "$id" name "probe$try" || break
		if mon_wait "$T/mon.json" "\"id\": ?${id}[,}]" 10 &&
			mon_wait "$T/mon.txt" "^create vr $id " 10; then
			seen=$id
		fi
		vrctl_ok delete "$id"
		try=$((try + 1))
	done
	if [ -z "$seen" ]; then
		ktap_check_fail "the monitors never reported a probe VR"
		ktap_print_file "json: " "$T/mon.json"
		ktap_print_file "json 2> " "$T/mon.json.err"
		ktap_print_file "text: " "$T/mon.txt"
		ktap_print_file "text 2> " "$T/mon.txt.err"
		return 1
	fi
	mon_wait "$T/mon.json" "\"event\": ?\"delete\".*\"id\": ?${seen}[,}]" ||
		ktap_check_fail "vrctl -j monitor did not report the delete of VR $seen"
	mon_wait "$T/mon.txt" "^delete vr $seen " ||
		ktap_check_fail "vrctl monitor did not report the delete of VR $seen"
	ktap_print_file "json: " "$T/mon.json"
	ktap_print_file "text: " "$T/mon.txt"
	MON_BASE_J=$(wc -l <"$T/mon.json")
	MON_BASE_T=$(wc -l <"$T/mon.txt")
	expect_ids "0 4"
}

# With both monitors running: create, a refused create, changes in the other
# netns, assign and take back, delete. Then stops the monitors; the events
# are summarized in $T/events (vr_summary mon) and $T/events.txt.
t_mon_actions() {
	MON_V0=$(v0)
	MON_V0=${MON_V0##* }
	vrctl_ok create 7 name mon
	ktap_run vrctl create 7 name mon
	ktap_expect_rc 1
	ktap_run ip netns exec "$NS_B" vrctl create 7 name other
	ktap_expect_rc 0
	vrctl_ok assign vrd0 7
	vrctl_ok assign vrd0 0
	ktap_run ip netns exec "$NS_B" vrctl delete 7
	ktap_expect_rc 0
	vrctl_ok delete 7
	mon_wait "$T/mon.json" '"event": ?"delete".*"id": ?7[,}]' ||
		ktap_check_fail "vrctl -j monitor did not report the delete of VR 7"
	mon_wait "$T/mon.txt" '^delete vr 7 ' ||
		ktap_check_fail "vrctl monitor did not report the delete of VR 7"
	sleep 0.3 # anything else would have arrived by now
	mon_stop
	tail -n "+$((MON_BASE_J + 1))" "$T/mon.json" >"$T/events.json"
	tail -n "+$((MON_BASE_T + 1))" "$T/mon.txt" >"$T/events.txt"
	vr_summary mon <"$T/events.json" >"$T/events"
	echo "# events of vrctl -j monitor (summarized):"
	ktap_print_file "  " "$T/events"
	echo "# events of vrctl monitor:"
	ktap_print_file "  " "$T/events.txt"
	expect_ids "0 4"
}

# event_lines FROM TO: lines FROM..TO of $T/events, sorted.
event_lines() {
	sed -n "$1,$2p" "$T/events" | sort
}

t_mon_create() {
	ktap_expect_eq "first event" 'create 7 "mon" 65543 -' "$(sed -n 1p "$T/events")"
}

t_mon_assign() {
	ktap_expect_eq "events 2 and 3 (sorted)" \
		"$(printf '%s\n' 'change 0 "default" 254 '"$(csv_minus "$MON_V0" vrd0)" \
			'change 7 "mon" 65543 vrd0' | sort)" \
		"$(event_lines 2 3)"
}

t_mon_assign_back() {
	ktap_expect_eq "events 4 and 5 (sorted)" \
		"$(printf '%s\n' "change 0 \"default\" 254 $MON_V0" \
			'change 7 "mon" 65543 -' | sort)" \
		"$(event_lines 4 5)"
}

t_mon_delete() {
	ktap_expect_eq "sixth event" 'delete 7 "mon" 65543 -' "$(sed -n 6p "$T/events")"
}

t_mon_nothing_else() {
	ktap_expect_eq "number of events" 6 "$(wc -l <"$T/events" | tr -d ' ')"
	ktap_check "no event from the other netns" sh -c "! grep -q other '$T/events.json'"
}

t_mon_text() {
	local l
	ktap_expect_eq "number of lines" 6 "$(wc -l <"$T/events.txt" | tr -d ' ')"
	ktap_expect_eq "line 1" "create vr 7 name mon table 65543 interfaces: -" \
		"$(sed -n 1p "$T/events.txt")"
	ktap_expect_eq "line 6" "delete vr 7 name mon table 65543 interfaces: -" \
		"$(sed -n 6p "$T/events.txt")"
	ktap_check "lines 2-3 have VR 7 with vrd0" \
		sh -c "sed -n 2,3p '$T/events.txt' |
			grep -qx 'change vr 7 name mon table 65543 interfaces: vrd0'"
	ktap_check "lines 4-5 have VR 7 without interfaces" \
		sh -c "sed -n 4,5p '$T/events.txt' |
			grep -qx 'change vr 7 name mon table 65543 interfaces: -'"
	l=$(sed -n 2,3p "$T/events.txt" | grep '^change vr 0 name default table 254 interfaces: ')
	ktap_expect_eq "VR 0 interfaces in lines 2-3" "$(csv_minus "$MON_V0" vrd0)" \
		"$(printf '%s\n' "${l#*interfaces: }" | words_csv)"
	l=$(sed -n 4,5p "$T/events.txt" | grep '^change vr 0 name default table 254 interfaces: ')
	ktap_expect_eq "VR 0 interfaces in lines 4-5" "$MON_V0" \
		"$(printf '%s\n' "${l#*interfaces: }" | words_csv)"
}

# --- tests: cleanup ---------------------------------------------------------

t_cleanup() {
	vrctl_ok delete 4
	ktap_run ip link del vrd0
	ktap_run ip link del vrd1
	expect_ids "0"
	expect_vr 0 '0 "default" 254 lo'
}

suite() {
	ktap_test_result "a fresh netns has only VR 0, named default, using table 254" \
		t_initial_default_only
	ktap_test_result "VR 0 lists every interface of the netns, lo included" \
		t_default_has_every_iface
	ktap_test_result "vrctl list prints the header and VR 0's row" t_list_text_default
	ktap_test_result "vrctl show 0 prints VR 0 and its interfaces" t_show_text_default
	ktap_test_result "get of VR 0 replies with id, name, table and interfaces" \
		t_raw_get_default
	ktap_test_result "dump of a fresh netns gives one VR" t_raw_dump_default

	ktap_test_result "create with a name" t_create_named
	ktap_test_result "create without a name" t_create_unnamed
	ktap_test_result "create the highest id, 65535, using table 131071" t_create_max_id
	ktap_test_result "create with a 31-byte name of letters, digits, - _ ." \
		t_create_longest_name
	ktap_test_result "create with a raw request" t_raw_create
	ktap_test_result "list and dump are sorted by id" t_dump_sorted
	ktap_test_result "vrctl list rows" t_list_text
	ktap_test_result "vrctl show of one VR" t_show_text
	ktap_test_result "vrctl show of all VRs" t_show_all_text
	ktap_test_result "vrctl -j show of one VR" t_show_json_one

	ktap_test_result "create of an existing id: EEXIST" t_create_existing_id
	ktap_test_result "create of VR 0: EEXIST" t_create_zero
	ktap_test_result "raw create of VR 0: EEXIST" t_raw_create_zero
	ktap_test_result "create with a name in use: EEXIST" t_create_name_in_use
	ktap_test_result "create with the name default: EEXIST" t_create_name_default
	ktap_test_result "create with a space in the name: EINVAL" t_create_name_space
	ktap_test_result "create with a non-ASCII name: EINVAL" t_create_name_utf8
	ktap_test_result "raw create with an empty name: EINVAL" t_raw_create_empty_name
	ktap_test_result "create with a 32-byte name: EINVAL or ERANGE" \
		t_create_name_too_long
	ktap_test_result "raw create with a 32-byte name: EINVAL or ERANGE" \
		t_raw_create_name_too_long
	ktap_test_result "create of id 70000: ERANGE" t_create_id_range
	ktap_test_result "raw create of id 65536: ERANGE" t_raw_create_id_range
	ktap_test_result "raw create without id: EINVAL" t_raw_create_no_id
	ktap_test_result "raw create with a name lacking its NUL: EINVAL" \
		t_raw_create_name_no_nul
	ktap_test_result "vrctl create with a non-numeric id: usage error" t_create_usage

	ktap_test_result "raw create with a 2-byte id: EINVAL" t_raw_u32_short
	ktap_test_result "raw create with an 8-byte id: EINVAL" t_raw_u32_long
	ktap_test_result "raw create with an unknown attribute: EINVAL" t_raw_unknown_attr
	ktap_test_result "raw create with the read-only table attribute: EINVAL" \
		t_raw_table_attr
	ktap_test_result "raw create with a truncated attribute: refused" \
		t_raw_truncated_attr
	ktap_test_result "raw create with a truncated genetlink header: refused" \
		t_raw_truncated_genlhdr
	ktap_test_result "raw unknown command: EOPNOTSUPP" t_raw_unknown_cmd
	ktap_test_result "raw dump of create: EOPNOTSUPP" t_raw_dump_create

	ktap_test_result "delete of VR 0: EINVAL" t_delete_default
	ktap_test_result "delete of an unknown VR: ENOENT" t_delete_unknown
	ktap_test_result "delete of id 70000: ERANGE" t_delete_id_range
	ktap_test_result "raw delete without id: EINVAL" t_raw_delete_no_id
	ktap_test_result "delete" t_delete
	ktap_test_result "a deleted VR's id and name can be used again" t_delete_reuse
	ktap_test_result "a VR has an IPv6 table; deleting it flushes both its tables" \
		t_delete_routes
	ktap_test_result "show of an unknown VR: ENOENT" t_show_unknown
	ktap_test_result "raw get of an unknown VR: ENOENT" t_raw_get_unknown

	ktap_test_result "assign an interface" t_assign
	ktap_test_result "vrctl show and list print the assigned interface" t_assign_text
	ktap_test_result "assign a second interface to the same VR" t_assign_second
	ktap_test_result "assign moves an interface from one VR to another" t_assign_move
	ktap_test_result "assign to VR 0 takes the interface back" t_assign_back_to_default
	ktap_test_result "assign with a raw request" t_raw_assign
	ktap_test_result "vrctl assign of an unknown interface name: error" \
		t_assign_unknown_ifname
	ktap_test_result "assign to an unknown VR: ENOENT" t_assign_unknown_vr
	ktap_test_result "raw assign of an unknown ifindex: ENODEV" \
		t_raw_assign_unknown_ifindex
	ktap_test_result "raw assign of ifindex 4294967295: ENODEV" \
		t_raw_assign_huge_ifindex
	ktap_test_result "raw assign of ifindex 0: ERANGE" t_raw_assign_ifindex_zero
	ktap_test_result "raw assign without id: EINVAL" t_raw_assign_no_id
	ktap_test_result "raw assign without ifindex: EINVAL" t_raw_assign_no_ifindex
	ktap_test_result "assign to id 70000: ERANGE" t_assign_id_range
	ktap_test_result "delete of a VR with interfaces: EBUSY" t_delete_busy
	ktap_test_result "delete once the interface is taken back" t_delete_after_release

	ktap_test_result "deleted interfaces (both ends of a veth) leave their VRs" \
		t_iface_delete
	ktap_test_result "VRs emptied by interface deletion can be deleted" \
		t_iface_delete_then_vr_delete

	ktap_test_result "create without CAP_NET_ADMIN: EPERM" t_noadmin_create
	ktap_test_result "delete without CAP_NET_ADMIN: EPERM" t_noadmin_delete
	ktap_test_result "assign without CAP_NET_ADMIN: EPERM" t_noadmin_assign
	ktap_test_result "raw create without CAP_NET_ADMIN: EPERM, no message" \
		t_noadmin_raw
	ktap_test_result "list, show and dump work without CAP_NET_ADMIN" t_noadmin_reads

	ktap_test_result "another netns has only its own VR 0 and lo" t_netns_fresh
	ktap_test_result "repeated raw creates from one process, stopping at EEXIST" \
		t_netns_repeat
	ktap_test_result "a VR is not visible from another netns" t_netns_invisible
	ktap_test_result "the same id and name can be created in another netns" \
		t_netns_same_id
	ktap_test_result "another netns's assign does not find our interfaces" \
		t_netns_foreign_ifindex
	ktap_test_result "delete in another netns leaves ours" t_netns_delete

	ktap_test_result "monitors report a probe VR's create and delete" t_mon_start
	ktap_test_result "create, assign, take back and delete with monitors running" \
		t_mon_actions
	ktap_test_result "monitor: create-ntf with the new VR's state" t_mon_create
	ktap_test_result "monitor: assign gives change-ntf for the new and old VR" \
		t_mon_assign
	ktap_test_result "monitor: taking back gives change-ntf for VR 0 and the emptied VR" \
		t_mon_assign_back
	ktap_test_result "monitor: delete-ntf with the VR's state" t_mon_delete
	ktap_test_result "monitor: no event for refusals or for another netns" \
		t_mon_nothing_else
	ktap_test_result "vrctl monitor text lines" t_mon_text

	ktap_test_result "cleanup: delete the last VR and the interfaces" t_cleanup
}

ktap_plan_suite suite
setup || ktap_exit_fail_msg "setup failed"
suite
ktap_finished
