#!/usr/bin/env bash
# Developer check: every prefix of kernel-patches/series builds (bzImage),
# and checkpatch is clean on every patch. Uses a separate worktree and build
# directory in the cache; the modules/ overlay is left out (it needs the
# whole series), so CONFIG_VR is not set here.
set -euo pipefail
. "$(dirname "$0")/env.sh"
deps
WT=$CACHE/src/series-check
OUT=$CACHE/build/series-check
[ -d "$WT" ] || git -C "$KSRC" worktree add -q --detach "$WT" vr-base
git -C "$WT" checkout -q -f --detach vr-base
mkdir -p "$OUT"
make -s -C "$WT" O="$OUT" tinyconfig >/dev/null
(cd "$OUT" && "$WT/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" \
	"$TOP/qemu/kernel.config" <(grep -v '^CONFIG_VR' "$TOP/Kconfig.fragment") >/dev/null)
sed -i '/^CONFIG_VR_KUNIT_TEST/d' "$OUT/.config"
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/kernel-patches/series"); do
	git -C "$WT" -c user.name=vr -c user.email=vr@localhost am -q "$TOP/kernel-patches/$p" ||
		die "$p does not apply"
	(cd "$WT" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl -q --no-summary "$TOP/kernel-patches/$p") ||
		die "$p: checkpatch"
	log "building with the series up to $p"
	make -s -C "$WT" O="$OUT" -j"$JOBS" RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc \
		RUSTDOC=/usr/bin/rustdoc BINDGEN="$CACHE/bindgen/bin/bindgen" olddefconfig bzImage \
		>"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; die "$p does not build"; }
	grep -q '^CONFIG_RUST=y' "$OUT/.config" || die "CONFIG_RUST not set"
	log "ok: $p"
done
