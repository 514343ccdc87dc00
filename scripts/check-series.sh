#!/usr/bin/env bash
# Developer check: every prefix of kernel-patches/series builds (bzImage)
# and checkpatch is clean on every patch, with nothing but the series in the
# tree: the config (tinyconfig + qemu/kernel.config + tests/selftests/config
# + Kconfig.fragment) is
# merged again at each step, so CONFIG_VR is on from the patch that adds
# net/vr/Kconfig. Uses a worktree and a build directory of its own in the
# cache.
#
#   scripts/check-series.sh [--from N] [--to N]
#
# --from N: start with the first N-1 patches applied (not built nor
# checked); --to N: stop after patch N.
set -euo pipefail
. "$(dirname "$0")/env.sh"
from=1 to=9999
while [ $# -gt 0 ]; do
	case "$1" in
	--from) from=$((10#$2)); shift 2 ;;
	--to) to=$((10#$2)); shift 2 ;;
	*) die "unknown argument: $1" ;;
	esac
done
deps
WT=$CACHE/src/series-check
OUT=$CACHE/build/series-check
[ -d "$WT" ] || git -C "$KSRC" worktree add -q --detach "$WT" vr-base
git -C "$WT" am --abort >/dev/null 2>&1 || true
git -C "$WT" checkout -q -f --detach vr-base
mkdir -p "$OUT"
# env.sh's make command, on this worktree and build directory.
KMAKE=("${KMAKE[@]/#$KSRC/$WT}")
KMAKE=("${KMAKE[@]/#O=*/O=$OUT}")
kmake() {
	"${KMAKE[@]}" -s "$@"
}
configure() {
	kmake tinyconfig >/dev/null
	(cd "$OUT" && "$WT/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" \
		"$TOP/qemu/kernel.config" "$TOP/tests/selftests/config" "$TOP/Kconfig.fragment" >/dev/null)
	kmake olddefconfig >/dev/null
	grep -q '^CONFIG_RUST=y' "$OUT/.config" || die "CONFIG_RUST not set"
}
n=0 built=0
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/kernel-patches/series"); do
	n=$((n + 1))
	[ $n -le "$to" ] || break
	git -C "$WT" -c user.name=vr -c user.email=vr@localhost am -q "$TOP/kernel-patches/$p" ||
		die "$p does not apply"
	[ $n -ge "$from" ] || continue
	# shellcheck disable=SC2046
	(cd "$WT" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl -q --no-summary \
		$(checkpatch_ignores "$p") "$TOP/kernel-patches/$p") || die "$p: checkpatch"
	log "building with the series up to $p"
	configure
	kmake bzImage >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; die "$p does not build"; }
	vr="CONFIG_VR not yet"
	grep -q '^CONFIG_VR=y' "$OUT/.config" && vr="CONFIG_VR=y"
	log "ok: $p ($vr)"
	built=$((built + 1))
done
log "$built patches checked and built"
