# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Minimal JSON reading for busybox sh + awk (jq may not be installed).
#
# json_flat: reads one or more JSON documents on stdin (e.g. one per line)
# and prints one line per scalar, empty array or empty object:
#
#	--- 0
#	[0].id=1
#	[0].name="red"
#	[0].interfaces[0].ifindex=3
#	[0].interfaces[0].name="veth1"
#	[1].interfaces=[]
#	[1].name=null
#
# "--- N" starts the Nth document (from 0). Strings keep their quotes and
# escapes, so null and "null" differ. Whitespace outside strings is ignored.
# Malformed input gives garbage, not an error: compare with what you expect.

json_flat() {
	awk '
	function path(   k, p) {
		p = ""
		for (k = 1; k <= d; k++)
			p = p (typ[k] == "[" ? "[" idx[k] "]" : "." key[k])
		return p
	}
	function value_start() {
		if (d == 0)
			print "--- " doc++
		else
			cnt[d]++
	}
	{ buf = buf $0 "\n" }
	END {
		n = length(buf)
		i = 1
		d = 0
		doc = 0
		while (i <= n) {
			c = substr(buf, i, 1)
			if (c == " " || c == "\t" || c == "\n" || c == "\r" || c == ":") {
				i++
				continue
			}
			if (c == ",") {
				if (typ[d] == "[")
					idx[d]++
				else
					want_key[d] = 1
				i++
				continue
			}
			if (c == "{" || c == "[") {
				value_start()
				d++
				typ[d] = c
				idx[d] = 0
				key[d] = ""
				cnt[d] = 0
				want_key[d] = (c == "{")
				i++
				continue
			}
			if (c == "}" || c == "]") {
				if (d == 0) {
					i++
					continue
				}
				empty = (cnt[d] == 0)
				t = typ[d]
				d--
				if (empty)
					print path() "=" (t == "{" ? "{}" : "[]")
				i++
				continue
			}
			if (c == "\"") {
				j = i + 1
				while (j <= n) {
					ch = substr(buf, j, 1)
					if (ch == "\\")
						j += 2
					else if (ch == "\"")
						break
					else
						j++
				}
				s = substr(buf, i + 1, j - i - 1)
				i = j + 1
				if (d > 0 && typ[d] == "{" && want_key[d]) {
					key[d] = s
					want_key[d] = 0
				} else {
					value_start()
					print path() "=\"" s "\""
				}
				continue
			}
			j = i
			while (j <= n && index(",}] \t\n\r:", substr(buf, j, 1)) == 0)
				j++
			if (j == i) {
				i++
				continue
			}
			value_start()
			print path() "=" substr(buf, i, j - i)
			i = j
		}
	}'
}
