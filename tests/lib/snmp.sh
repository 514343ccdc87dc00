# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Reading /proc/net/snmp counters in the VM tests (needs ip() from
# iproute2.sh for other namespaces).

# snmp NS PROTO FIELD: counter FIELD of PROTO in /proc/net/snmp of netns NS
# ("-": the test's own).
snmp() {
	{ if [ "$1" = - ]; then cat /proc/net/snmp; else ip netns exec "$1" cat /proc/net/snmp; fi; } |
		awk -v p="$2:" -v f="$3" '$1 == p { if (!c) { for (i = 2; i <= NF; i++) if ($i == f) c = i }
			else { print $c; exit } }'
}

# received NS: IP packets received in netns NS so far.
received() { snmp "$1" Ip InReceives; }
