# Shared settings for the build scripts (sourced, not run).
CACHE=${VR_CACHE:-$HOME/.cache/vr-linux}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVER=7.2
KSRC=$CACHE/src/linux-$KVER
KOUT=${VR_KOUT:-$CACHE/build/kernel}
JOBS=${JOBS:-$(nproc)}
# The LLVM of Debian 12 (clang-19, lld-19) for kernels built with LLVM=1.
LLVM_SUFFIX=-19
export LIBCLANG_PATH=$CACHE/libclang/libclang-18.1.1.data/platlib/clang/native
KMAKE=(make -C "$KSRC" O="$KOUT" -j"$JOBS"
       RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
       BINDGEN="$CACHE/bindgen/bin/bindgen")
die() { echo "${0##*/}: error: $*" >&2; exit 1; }
log() { echo "${0##*/}: $*" >&2; }
deps() { [ -n "${VR_SKIP_DEPS:-}" ] || "$TOP/scripts/deps.sh"; }
# build_vm: deps, the kernel and the guest image; sets $kernel and $img.
build_vm() {
	deps
	VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh"
	img=$(VR_SKIP_DEPS=1 "$TOP/scripts/guest-image.sh")
	kernel=$KOUT/arch/x86/boot/bzImage
	mkdir -p "$CACHE/logs"
}
# The files this repository keeps at its top level that the series adds to
# the kernel tree, as "repository-path kernel-path" lines. Their patches, at
# the end of kernel-patches/series, are generated from them by
# scripts/export-patches.sh; scripts/kernel.sh refuses a series that does
# not carry them as they are.
tree_files() {
	local f
	echo "Documentation/netlink/specs/vr.yaml Documentation/netlink/specs/vr.yaml"
	echo "include/uapi/linux/vr.h include/uapi/linux/vr.h"
	for f in "$TOP"/modules/vr/*; do
		echo "modules/vr/${f##*/} net/vr/${f##*/}"
	done
	echo "Documentation/networking/vr.rst Documentation/networking/vr.rst"
	# The selftests: the scripts, the libraries they source, the helper
	# programs and the kselftest Makefile, config and settings.
	local st=tools/testing/selftests/net/vr
	for f in "$TOP"/tests/vr/*.sh; do echo "tests/vr/${f##*/} $st/${f##*/}"; done
	for f in "$TOP"/tests/lib/*.sh; do echo "tests/lib/${f##*/} $st/lib/${f##*/}"; done
	for f in "$TOP"/tests/tools/*.c "$TOP"/tests/tools/*.py; do echo "tests/tools/${f##*/} $st/${f##*/}"; done
	for f in "$TOP"/tests/tools/bpf/*; do echo "tests/tools/bpf/${f##*/} $st/bpf/${f##*/}"; done
	for f in Makefile config settings .gitignore; do echo "tests/selftests/$f $st/$f"; done
}
# The worktree of the kernel repository where the series is applied (by
# kernel.sh) and its generated patches are made (by export-patches.sh).
SERIES_WT=$CACHE/src/series
series_worktree() {
	if [ ! -e "$SERIES_WT/.git" ]; then
		rm -rf "$SERIES_WT"
		git -C "$KSRC" worktree prune
		git -C "$KSRC" worktree add -q --detach "$SERIES_WT" vr-base
	fi
	git -C "$SERIES_WT" am --abort >/dev/null 2>&1 || true
	git -C "$SERIES_WT" cherry-pick --abort >/dev/null 2>&1 || true
	git -C "$SERIES_WT" checkout -q -f --detach "$1"
	git -C "$SERIES_WT" clean -q -f -d
}
# kbuild_progress COUNT-FILE: filters kbuild's output (one "  CC      file"
# line per step) into one updating progress line on a terminal, or a line
# a minute in a log, and passes everything else (warnings, errors) through.
# COUNT-FILE keeps the number of steps of the last build of that tree from
# scratch, to show a percentage and an estimate of the time left; with
# FRESH 1 (a build from scratch), this one's count goes to COUNT-FILE.new,
# for the caller to keep if the build succeeds.
kbuild_progress() {
	local total=0 tty=0 line=()
	[ -f "$1" ] && total=$(cat "$1")
	[ -t 2 ] && tty=1
	# mawk reads a pipe in blocks unless told to read it line by line.
	awk -W version 2>&1 | grep -q mawk && line=(-W interactive)
	awk "${line[@]}" -v total="$total" -v tty="$tty" -v countfile="$1" -v fresh="${2:-0}" -v me="${0##*/}" '
	function show(   el, left, msg) {
		el = systime() - start
		msg = sprintf("%s: %d steps", me, n)
		if (total > 0 && fresh) {
			msg = msg sprintf(" of about %d (%d%%)", total, n * 100 / total > 99 ? 99 : n * 100 / total)
			if (n > 50 && n < total) {
				left = el * (total - n) / n
				msg = msg sprintf(", about %d min left", int(left / 60) + 1)
			}
		} else if (fresh) {
			msg = msg ", a first build takes some 15-25 min on 2 cores"
		}
		msg = msg sprintf(", %d:%02d elapsed", el / 60, el % 60)
		if (tty) { printf "\r%s\033[K", msg > "/dev/stderr"; shown = 1 }
		else print msg > "/dev/stderr"
		fflush("/dev/stderr")
	}
	BEGIN { start = systime(); last = start }
	/^  [A-Z][A-Z0-9_]* +[^ |]/ {
		n++
		if (tty ? systime() != last : systime() - last >= 60) { last = systime(); show() }
		next
	}
	{
		if (shown) { printf "\n" > "/dev/stderr"; shown = 0 }
		print > "/dev/stderr"
		fflush("/dev/stderr")
	}
	END {
		if (shown) printf "\n" > "/dev/stderr"
		if (fresh && n > 0) print n > (countfile ".new")
	}'
}
# checkpatch_ignores PATCH: what checkpatch is told to ignore in one patch
# of the series. CONST_STRUCT in the one adding net.vr.max_vrs: net/core/vr.c
# fills in a copy of its ctl_table per namespace, as net/ipv4's sysctls do.
checkpatch_ignores() {
	case "$1" in
	*-net-vr-keep-the-net.vr-sysctls-in-the-core.patch) echo "--ignore CONST_STRUCT" ;;
	# The selftests are userspace: the kernel's attribute macros
	# (__noreturn, __printf) and negative errnos do not apply; ENOSYS
	# and function names appear as data (errno tables, usage texts);
	# usage texts are split at line ends; shell and nft repeat words
	# ("mount -t bpf bpf", "udp udp dport"); BPF instruction and map
	# macros expand to initializers, which cannot be parenthesized.
	*-selftests-net-vr-add-the-helper-programs-and-librari.patch)
		echo "--ignore PREFER_DEFINED_ATTRIBUTE_MACRO,USE_NEGATIVE_ERRNO,ENOSYS,EMBEDDED_FUNCTION_NAME,SPLIT_STRING,REPEATED_WORD,COMPLEX_MACRO" ;;
	# The same for the scripts; their directory is in MAINTAINERS since
	# the patch of the helpers.
	*-selftests-net-add-virtual-router-and-distributed-IP-.patch)
		echo "--ignore PREFER_DEFINED_ATTRIBUTE_MACRO,USE_NEGATIVE_ERRNO,ENOSYS,EMBEDDED_FUNCTION_NAME,SPLIT_STRING,REPEATED_WORD,COMPLEX_MACRO,FILE_PATH_CHANGES" ;;
	esac
}
