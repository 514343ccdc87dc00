#!/usr/bin/env bash
# Build iproute2's ss with the VR patches: download Debian 12's iproute2
# 6.1.0 source (the .orig tarball of Debian's archive, its sha256 checked),
# unpack it into a git tree in the cache, apply iproute2-patches/series with
# `git am` and build ss alone, statically linked. Prints the path of ss.
#
# Idempotent: when neither the patches nor this script changed, it only
# checks the tarball and prints the path. Otherwise the tree is rebuilt from
# the tarball (about 5 s). Built without the optional libraries configure
# would pick from pkg-config (SELinux, libmnl, libcap, libbsd, ...), so the
# build does not depend on the -dev packages of the host and ss needs no
# library at run time; it lacks what they give: -Z contexts, extended ack
# messages.
set -euo pipefail
. "$(dirname "$0")/env.sh"
VERSION=6.1.0
TARBALL=iproute2_$VERSION.orig.tar.xz
URL=http://deb.debian.org/debian/pool/main/i/iproute2/$TARBALL
# From iproute2_6.1.0-3.dsc (Debian 12); Debian's patches do not touch ss.
SHA256=5ce12a0fec6b212725ef218735941b2dab76244db7e72646a76021b0537b43ab
SRC=$CACHE/build/iproute2
PATCHES=$TOP/iproute2-patches
deps

# --- the tarball ---
mkdir -p "$CACHE/dl" "$CACHE/build"
tar=$CACHE/dl/$TARBALL
if ! echo "$SHA256  $tar" | sha256sum -c --status 2>/dev/null; then
	log "downloading $URL"
	curl -fsSL --retry 3 -o "$tar.tmp" "$URL" || die "cannot download $URL"
	echo "$SHA256  $tar.tmp" | sha256sum -c --status ||
		die "$TARBALL: sha256 is $(sha256sum < "$tar.tmp" | cut -d' ' -f1), expected $SHA256"
	mv "$tar.tmp" "$tar"
fi

# --- what the build depends on: the tarball, the series, this script ---
series=$(grep -v '^[[:space:]]*\(#\|$\)' "$PATCHES/series" || true)
stamp=$( (echo "$SHA256"; cat "${BASH_SOURCE[0]}"; for p in $series; do echo "$p"; cat "$PATCHES/$p"; done) |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$SRC/.vr-stamp" 2>/dev/null)" = "$stamp" ] && [ -x "$SRC/misc/ss" ]; then
	echo "$SRC/misc/ss"
	exit 0
fi

# --- unpack, apply the series, build ss ---
log "building ss of iproute2 $VERSION with iproute2-patches/series in $SRC"
rm -rf "$SRC" "$SRC.tmp"
mkdir -p "$SRC.tmp"
tar -C "$SRC.tmp" --strip-components=1 -xf "$tar"
git -C "$SRC.tmp" init -q
git -C "$SRC.tmp" add -A -f
git -C "$SRC.tmp" -c user.name=vr -c user.email=vr@localhost commit -q -m "iproute2 $VERSION"
for p in $series; do
	if ! out=$(git -C "$SRC.tmp" -c user.name=vr -c user.email=vr@localhost am -q "$PATCHES/$p" 2>&1); then
		echo "$out" >&2
		die "patch iproute2-patches/$p does not apply to iproute2 $VERSION (git am)"
	fi
done
# PKG_CONFIG=false: none of the optional libraries.
if ! (cd "$SRC.tmp" && PKG_CONFIG=false ./configure &&
	make -j"$JOBS" SUBDIRS="lib misc" TARGETS=ss LDFLAGS=-static) > "$SRC.tmp/vr-build.log" 2>&1; then
	tail -30 "$SRC.tmp/vr-build.log" >&2
	die "building ss failed (log: $SRC.tmp/vr-build.log)"
fi
echo "$stamp" > "$SRC.tmp/.vr-stamp"
mv "$SRC.tmp" "$SRC"
log "built $SRC/misc/ss ($("$SRC/misc/ss" -V))"
echo "$SRC/misc/ss"
