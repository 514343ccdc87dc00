# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Reading packet counters in the tests: /proc/net/snmp and snmp6, and
# nft named counters (needs ip() from iproute2.sh for other namespaces).

# in_netns NS COMMAND...: run COMMAND in netns NS ("-": the test's own).
in_netns() {
	if [ "$1" = - ]; then shift; "$@"; else ip netns exec "$@"; fi
}

# snmp NS PROTO FIELD: counter FIELD of PROTO in /proc/net/snmp of netns NS
# ("-": the test's own).
snmp() {
	in_netns "$1" cat /proc/net/snmp |
		awk -v p="$2:" -v f="$3" '$1 == p {
			if (!c) { for (i = 2; i <= NF; i++) if ($i == f) c = i }
			else { print $c; exit } }'
}

# received NS: IP packets received in netns NS so far.
received() { snmp "$1" Ip InReceives; }

# snmp6 NS FIELD...: the sum of counters FIELD... in /proc/net/snmp6 of
# netns NS ("-": the test's own).
snmp6() {
	local ns=$1
	shift
	in_netns "$ns" cat /proc/net/snmp6 |
		awk -v f=" $* " 'index(f, " " $1 " ") { n += $2 } END { print n + 0 }'
}

# nft_packets NS FAMILY TABLE COUNTER: the packets nft named counter
# COUNTER of TABLE has seen, in netns NS ("-": the test's own).
nft_packets() {
	in_netns "$1" nft list counter "$2" "$3" "$4" | awk '$1 == "packets" { print $2 }'
}
