# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The kernel-log check of the selftests, in one place: sourced by the
# tests that check the kernel log themselves (nlfuzz.sh, sysfuzz.sh) and by
# whatever runs the tests and checks the kernel or console log afterwards.
#
# VR_SPLAT_ERE matches the lines with which the kernel reports a problem:
# BUG (including KASAN and "sleeping function called from invalid
# context"), WARNING (including lockdep and "suspicious RCU usage"), Oops,
# panics, UBSAN, KCSAN, kmemleak, list and refcount corruption, stalls and
# hung tasks; lockdep reports start with one of those. Not the bare word
# "lockdep": a debug kernel says "RCU lockdep checking is enabled" at boot.
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

# splat_console FILE: as splat_grep, on a machine's console log, whose kernel
# lines are the ones with a timestamp (the others are the tests' own output).
splat_console() {
	grep -E '^\[ *[0-9]+\.[0-9]+\] ' "$1" | grep -E "$VR_SPLAT_ERE"
}

# splat_log_mark WHAT: write the line "vr-selftest: WHAT" to the kernel log
# (/dev/kmsg), for splat_log_since. WHAT should be unique to the run (the
# script's name and pid). Nothing happens if /dev/kmsg is not writable.
splat_log_mark() {
	SPLAT_LOG_MARK="vr-selftest: $*"
	{ printf '%s\n' "$SPLAT_LOG_MARK" >/dev/kmsg; } 2>/dev/null
}

# splat_log_since FILE: write to FILE the kernel log (dmesg) after the last
# line that ends with the mark of splat_log_mark: what the kernel logged
# since then, even once the ring buffer has wrapped. If no line has the
# mark (it scrolled out of the ring buffer, or could not be written), FILE
# gets the whole log and a "# " line on stdout says so. If dmesg fails,
# FILE is left empty and it returns 1.
splat_log_since() {
	if ! dmesg >"$1.all" 2>/dev/null; then
		: >"$1"
		rm -f "$1.all"
		return 1
	fi
	splat_mark_line=$(awk -v m="${SPLAT_LOG_MARK:-}" '
		m != "" && length($0) >= length(m) &&
			substr($0, length($0) - length(m) + 1) == m { n = NR }
		END { print n + 0 }' "$1.all")
	if [ "$splat_mark_line" -gt 0 ]; then
		tail -n "+$((splat_mark_line + 1))" "$1.all" >"$1"
		rm -f "$1.all"
	else
		echo "# kernel log: mark \"${SPLAT_LOG_MARK:-}\" not found (scrolled out" \
			"of the ring buffer?), checking the whole log"
		mv "$1.all" "$1"
	fi
	return 0
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
