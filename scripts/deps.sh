#!/usr/bin/env bash
# Install and pin the toolchain for building the patched, Rust-enabled kernel.
# Idempotent: a second run only checks stamps. Everything downloaded or built
# lives in $VR_CACHE (default ~/.cache/vr-linux), outside the repository.
#
# Requirements met here on Debian 12 (bookworm) as root; other distributions:
# see README.md ("Requirements").
set -euo pipefail

CACHE=${VR_CACHE:-$HOME/.cache/vr-linux}
BINDGEN_VERSION=0.72.1
LIBCLANG_VERSION=18.1.1
APT_PKGS=(rustc-web rust-web-src gcc make flex bison bc libelf-dev libssl-dev
	  cpio xz-utils curl git python3 python3-pip unzip qemu-system-x86
	  busybox-static iproute2 nftables iptables ipvsadm kmod rsync python3-ply python3-git python3-yaml python3-jsonschema
	  clang-19 lld-19 llvm-19)	# the debug kernel: KASAN with Rust needs a clang-built kernel

die() { echo "deps: error: $*" >&2; exit 1; }
log() { echo "deps: $*" >&2; }

mkdir -p "$CACHE"/{dl,stamps}

. /etc/os-release 2>/dev/null || die "cannot read /etc/os-release"
if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
	die "automatic set-up supports Debian 12 only (found ${PRETTY_NAME:-unknown}); install by hand what README.md lists under Requirements, then set VR_SKIP_DEPS=1"
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "need root (or sudo) to install: ${APT_PKGS[*]}"
	SUDO=sudo
fi

# --- Debian packages, plus trixie-backports pinned low for linux-source-7.2 ---
BPO=/etc/apt/sources.list.d/vr-trixie-backports.sources
if [ ! -f "$BPO" ]; then
	log "adding trixie-backports (pin priority 1) for linux-source-7.2"
	$SUDO tee "$BPO" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	$SUDO tee /etc/apt/preferences.d/vr-trixie-backports >/dev/null <<'PIN'
Package: *
Pin: release n=trixie-backports
Pin-Priority: 1
PIN
	rm -f "$CACHE/stamps/apt-update"
fi

missing=()
for p in "${APT_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ ! -f "$CACHE/stamps/apt-update" ]; then
	log "apt-get update"
	$SUDO apt-get update -qq || die "apt-get update failed"
	touch "$CACHE/stamps/apt-update"
fi
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		|| die "apt-get install failed for: ${missing[*]}"
fi

# --- kernel source tarball ---
if ! ls "$CACHE"/dl/linux-source-7.2_*.deb >/dev/null 2>&1; then
	log "downloading linux-source-7.2 from trixie-backports"
	(cd "$CACHE/dl" && apt-get download -qq -t trixie-backports linux-source-7.2) \
		|| die "cannot download linux-source-7.2 (is trixie-backports reachable?)"
fi
deb=$(ls "$CACHE"/dl/linux-source-7.2_*.deb | sort -V | tail -n 1)
if [ "$(cat "$CACHE/dl/linux-source-7.2.from" 2>/dev/null)" != "$(basename "$deb")" ]; then
	log "extracting $(basename "$deb")"
	tmp=$(mktemp -d)
	dpkg-deb -x "$deb" "$tmp"
	mv "$tmp"/usr/src/linux-source-7.2.tar.xz "$CACHE/dl/linux-source-7.2.tar.xz"
	rm -rf "$tmp"
	basename "$deb" > "$CACHE/dl/linux-source-7.2.from"
	basename "$deb" | sed 's/^linux-source-7.2_\([^_]*\)_.*/\1/' > "$CACHE/dl/linux-source-7.2.version"
fi

# --- bindgen (crates.io) ---
if [ ! -x "$CACHE/bindgen/bin/bindgen" ] || ! "$CACHE/bindgen/bin/bindgen" --version | grep -q " $BINDGEN_VERSION"; then
	command -v cargo >/dev/null || die "cargo not found (install rustup's cargo or Debian's cargo)"
	log "building bindgen-cli $BINDGEN_VERSION"
	cargo install -q bindgen-cli --version "$BINDGEN_VERSION" --locked --root "$CACHE/bindgen" \
		|| die "cargo install bindgen-cli failed"
fi

# --- libclang (PyPI wheel) ---
LIBCLANG_SO=$CACHE/libclang/libclang-$LIBCLANG_VERSION.data/platlib/clang/native/libclang.so
if [ ! -f "$LIBCLANG_SO" ]; then
	log "fetching libclang $LIBCLANG_VERSION wheel"
	python3 -m pip download -q --no-deps --only-binary=:all: -d "$CACHE/dl" "libclang==$LIBCLANG_VERSION" \
		|| die "pip download libclang==$LIBCLANG_VERSION failed"
	rm -rf "$CACHE/libclang"
	unzip -q -o "$CACHE"/dl/libclang-"$LIBCLANG_VERSION"-*manylinux*x86_64*.whl -d "$CACHE/libclang"
	[ -f "$LIBCLANG_SO" ] || die "libclang wheel did not contain $LIBCLANG_SO"
fi

/usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]\|^rustc 1\.[1-9][0-9][0-9]' \
	|| die "/usr/bin/rustc is $(/usr/bin/rustc --version); need rustc-web >= 1.96"
log "ok (cache: $CACHE)"
