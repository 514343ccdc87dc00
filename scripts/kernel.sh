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
series_hash=$(cd "$TOP/kernel-patches" && cat series $(grep -v '^#' series) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$KSRC/.git/vr-series" 2>/dev/null)" != "$series_hash" ]; then
	log "applying kernel-patches/series"
	git -C "$KSRC" am --abort >/dev/null 2>&1 || true
	git -C "$KSRC" checkout -q -f -B vr vr-base
	git -C "$KSRC" clean -q -fdx -e /net/vr/
	rm -f "$KSRC/.git/vr-series"
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		git -C "$KSRC" -c user.name=vr -c user.email=vr@localhost \
			am -q --committer-date-is-author-date "$TOP/kernel-patches/$p" >/dev/null 2>&1 || {
			git -C "$KSRC" am --abort >/dev/null 2>&1 || true
			die "patch kernel-patches/$p does not apply to $(cat "$CACHE/dl/linux-source-7.2.version")"
		}
	done < "$TOP/kernel-patches/series"
	echo "$series_hash" > "$KSRC/.git/vr-series"
fi

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
cfg_hash=$(cat "$TOP/qemu/kernel.config" "$TOP/Kconfig.fragment" "$KSRC/.git/vr-series" | sha256sum | cut -d' ' -f1)
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
