#!/usr/bin/env bash
# Build the patched kernel: unpack linux-source-7.2 into a git tree in the
# cache, apply kernel-patches/series with `git am`, copy modules/ into the
# tree, configure (tinyconfig + qemu/kernel.config + Kconfig.fragment) and
# build bzImage. Incremental: only what changed is redone.
set -euo pipefail
. "$(dirname "$0")/env.sh"
deps

# --- source tree: pristine commit tagged vr-base ---
if [ ! -d "$KSRC/.git" ]; then
	log "unpacking $(cat "$CACHE/dl/linux-source-7.2.version") into $KSRC"
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -C "$KSRC.tmp" --strip-components=1 -xf "$CACHE/dl/linux-source-7.2.tar.xz"
	git -C "$KSRC.tmp" init -q
	# Debian's linux-source ignores "/*" in .gitignore: add everything anyway.
	git -C "$KSRC.tmp" add -A -f
	git -C "$KSRC.tmp" -c user.name=vr -c user.email=vr@localhost \
		commit -q -m "linux $(cat "$CACHE/dl/linux-source-7.2.version")"
	git -C "$KSRC.tmp" tag vr-base
	mv "$KSRC.tmp" "$KSRC"
fi

# --- patches ---
# The tree the series produces is computed in a scratch index first: when it
# equals what is checked out, nothing is touched (no mtime change, no rebuild).
series=$(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/kernel-patches/series" || true)
series_tree() {
	local idx=$KSRC/.git/vr-apply-index p
	rm -f "$idx"
	GIT_INDEX_FILE=$idx git -C "$KSRC" read-tree vr-base
	for p in $series; do
		GIT_INDEX_FILE=$idx git -C "$KSRC" apply --cached "$TOP/kernel-patches/$p" ||
			die "patch kernel-patches/$p does not apply to $(cat "$CACHE/dl/linux-source-7.2.version")"
	done
	GIT_INDEX_FILE=$idx git -C "$KSRC" write-tree
	rm -f "$idx"
}
tree=$(series_tree)
if [ "$(git -C "$KSRC" rev-parse 'HEAD^{tree}')" != "$tree" ]; then
	log "applying kernel-patches/series with git am"
	git -C "$KSRC" am --abort >/dev/null 2>&1 || true
	git -C "$KSRC" checkout -q -f -B vr vr-base
	for p in $series; do
		git -C "$KSRC" -c user.name=vr -c user.email=vr@localhost \
			am -q "$TOP/kernel-patches/$p" >/dev/null 2>&1 || {
			git -C "$KSRC" am --abort >/dev/null 2>&1 || true
			die "patch kernel-patches/$p does not apply (git am)"
		}
	done
fi

# --- overlays: the uapi header and documentation kept at the top level ---
rsync -rc "$TOP/include/" "$KSRC/include/"
rsync -rc "$TOP/Documentation/" "$KSRC/Documentation/"

# --- in-tree modules: modules/<name>/ -> net/<name>/ ---
for m in "$TOP"/modules/*/; do
	m=$(basename "$m")
	rsync -rc --delete "$TOP/modules/$m/" "$KSRC/net/$m/"
	grep -q "source \"net/$m/Kconfig\"" "$KSRC/net/Kconfig" ||
		sed -i "/^source \"net\/l3mdev\/Kconfig\"/a source \"net/$m/Kconfig\"" "$KSRC/net/Kconfig"
	grep -q "+= $m/\$" "$KSRC/net/Makefile" ||
		echo "obj-\$(CONFIG_$(echo "$m" | tr a-z A-Z)) += $m/" >> "$KSRC/net/Makefile"
done

# --- configuration ---
cfg_hash=$( (cat "$TOP/qemu/kernel.config" "$TOP/Kconfig.fragment"; echo "$tree") | sha256sum | cut -d' ' -f1)
mkdir -p "$KOUT"
if [ "$(cat "$KOUT/.vr-config" 2>/dev/null)" != "$cfg_hash" ] || [ ! -f "$KOUT/.config" ]; then
	log "configuring"
	"${KMAKE[@]}" -s tinyconfig >/dev/null
	(cd "$KOUT" && "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KOUT" "$KOUT/.config" \
		"$TOP/qemu/kernel.config" "$TOP/Kconfig.fragment" >/dev/null)
	"${KMAKE[@]}" -s olddefconfig >/dev/null
	missing=()
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		want=${line#*=}; opt=${line%%=*}
		if [ "$want" = n ]; then
			grep -q "^$opt=" "$KOUT/.config" && missing+=("$opt=n")
		else
			grep -qx "$line" "$KOUT/.config" || missing+=("$line")
		fi
	done < <(cat "$TOP/qemu/kernel.config" "$TOP/Kconfig.fragment")
	[ ${#missing[@]} -eq 0 ] || die "options not set after olddefconfig (missing dependency?): ${missing[*]}"
	echo "$cfg_hash" > "$KOUT/.vr-config"
fi

log "building bzImage in $KOUT"
"${KMAKE[@]}" -s bzImage
log "kernel: $KOUT/arch/x86/boot/bzImage ($(cat "$CACHE/dl/linux-source-7.2.version"))"
