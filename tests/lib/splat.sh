# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The kernel-log check of the selftests, in one place: sourced by the guest
# (tests/guest/run-all.sh, tests/guest/splat-check.sh, sysfuzz.sh) and by
# the host (tests/host/run.sh, on every VM's console log).
#
# VR_SPLAT_ERE matches the lines with which the kernel reports a problem:
# BUG (including KASAN and "sleeping function called from invalid
# context"), WARNING (including lockdep and "suspicious RCU usage"), Oops,
# panics, UBSAN, KCSAN, kmemleak, list and refcount corruption, stalls and
# hung tasks; lockdep reports start with one of those. Not the bare word
# "lockdep": a debug kernel says "RCU lockdep checking is enabled" at boot.
# tests/guest/splat-check.sh shows that it catches each kind.
VR_SPLAT_ERE='BUG:|WARNING:|Oops|Kernel panic|KASAN:|UBSAN:|KCSAN:|kmemleak: [0-9]+ new suspected'
VR_SPLAT_ERE=$VR_SPLAT_ERE'|unreferenced object|panicked|general protection|refcount_t:'
VR_SPLAT_ERE=$VR_SPLAT_ERE'|list_(add|del) corruption|stack-protector|RCU stall|self-detected stall'
VR_SPLAT_ERE=$VR_SPLAT_ERE'|hung task|INFO: task .* blocked|INFO: trying to register non-static key'
VR_SPLAT_ERE=$VR_SPLAT_ERE'|possible (recursive|circular) locking|suspicious RCU usage'
VR_SPLAT_ERE=$VR_SPLAT_ERE'|sleeping function called from invalid context'
VR_SPLAT_ERE=$VR_SPLAT_ERE'|inconsistent lock state|Kernel BUG'

# splat_grep FILE: print the lines of FILE that report a problem; true if any.
splat_grep() {
	grep -E "$VR_SPLAT_ERE" "$1"
}

# splat_console FILE: as splat_grep, on a VM's console log, whose kernel lines
# are the ones with a timestamp (the others are the tests' own output).
splat_console() {
	grep -E '^\[ *[0-9]+\.[0-9]+\] ' "$1" | grep -E "$VR_SPLAT_ERE"
}

# splat_kmemleak_mount: mount debugfs if kmemleak's file is not there yet;
# true if kmemleak is there.
splat_kmemleak_mount() {
	if [ ! -e /sys/kernel/debug/kmemleak ] && [ -d /sys/kernel/debug ]; then
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	fi
	[ -w /sys/kernel/debug/kmemleak ]
}

# splat_kmemleak_forget: what kmemleak suspects so far (boot) is not
# reported by the next splat_kmemleak.
splat_kmemleak_forget() {
	splat_kmemleak_mount || return 0
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
}

# splat_kmemleak: if kmemleak is there, scan for leaks (twice, as its
# documentation advises; objects younger than 5 s are not reported) and
# print what it found; true if it found something. (debugfs files have no
# size: read them.)
splat_kmemleak() {
	splat_kmemleak_mount || return 1
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak && echo scan >/sys/kernel/debug/kmemleak || return 1
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -n "$leaks" ] || return 1
	printf '%s\n' "$leaks" | head -40
	echo clear >/sys/kernel/debug/kmemleak
	return 0
}
