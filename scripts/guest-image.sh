#!/usr/bin/env bash
# Build what goes into the VMs besides the kernel: vrctl and vr-dhostd
# (static), the selftests as the series carries them (kselftest's install
# of tools/testing/selftests/net/vr of the patched tree, so run
# scripts/kernel.sh first) with their helper programs (static), the other
# in-guest tests, iproute2's ip with its libraries and the VR-patched ss
# (scripts/iproute2.sh, static), packed with busybox into an initramfs.
# Prints the initramfs path. VR_GUEST_OUT: the output directory (default
# $VR_CACHE/build/guest).
set -euo pipefail
. "$(dirname "$0")/env.sh"
OUT=${VR_GUEST_OUT:-$CACHE/build/guest}
mkdir -p "$OUT"

log "building vrctl and vr-dhostd (static)"
RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR=$CACHE/build/cargo-static \
	cargo build -q --release --locked -j"$JOBS" --target x86_64-unknown-linux-gnu \
	-p vrctl -p vr-dhostd --manifest-path "$TOP/Cargo.toml" >&2
for bin in vrctl vr-dhostd; do
	cp "$CACHE/build/cargo-static/x86_64-unknown-linux-gnu/release/$bin" "$OUT/$bin"
done

# The selftests, built and installed by kselftest's own make from the tree
# the series made (scripts/export-patches.sh carries tests/vr, tests/lib,
# tests/tools and tests/selftests there), against that tree's uapi headers.
st=$KSRC/tools/testing/selftests
[ -f "$st/net/vr/Makefile" ] ||
	die "$KSRC does not carry the selftests of the series (run scripts/kernel.sh first)"
log "building the selftests (tools/testing/selftests/net/vr)"
make -s -C "$KSRC" O="$OUT/headers" headers >&2
rm -rf "$OUT/kselftest" "$OUT/kselftest-build"
# Static helpers: the initramfs has only the C libraries of the programs
# copied in below.
make -s -C "$st" TARGETS=net/vr O="$OUT/kselftest-build" INSTALL_PATH="$OUT/kselftest" \
	KHDR_INCLUDES="-isystem $OUT/headers/usr/include" CLANG="clang$LLVM_SUFFIX" \
	USERLDFLAGS=-static install >&2
ST=$OUT/kselftest/net/vr
# What the kselftest Makefile lists is what tests/ holds: a suite or a
# helper missing from its lists would not be installed.
for f in "$TOP"/tests/vr/*.sh "$TOP"/tests/tools/*.c "$TOP"/tests/tools/bpf/*.c; do
	case "$f" in *.sh) t=${f##*/} ;; */bpf/*) t=$(basename "$f" .c).o ;; *) t=$(basename "$f" .c) ;; esac
	[ -e "$ST/$t" ] || die "tests/selftests/Makefile does not list ${f#"$TOP"/} (no $t installed)"
done

adds=(--add "$OUT/vrctl:/usr/bin/vrctl"
      --add "$OUT/vr-dhostd:/usr/bin/vr-dhostd"
      --add "$TOP/qemu/demo/vr-demo:/usr/bin/vr-demo")
# Every helper program (tests/tools/*.c) also as /usr/bin/<name>, for the
# cluster tests and the demo.
for src in "$TOP"/tests/tools/*.c; do
	t=$(basename "$src" .c)
	adds+=(--add "$ST/$t:/usr/bin/$t")
done
# In-guest tests: the selftests as /tests/vr, and every other directory of
# tests/ but the host side and what the selftests are made of.
adds+=(--add "$ST:/tests/vr")
for d in "$TOP"/tests/*/; do
	d=$(basename "$d")
	case "$d" in host|tools|selftests|vr) continue ;; esac
	adds+=(--add "$TOP/tests/$d:/tests/$d")
done
adds+=(--add "$TOP/bench:/bench")
# iproute2's ip (netns, veth, dummy) next to busybox's, tc, nft, iptables
# (iptables-nft) and ipvsadm, with their libraries.
for prog in ip tc nft iptables ipvsadm; do
	bin=$(PATH=$PATH:/usr/sbin:/sbin command -v "$prog") ||
		die "$prog not found (iproute2, nftables, iptables, ipvsadm)"
	adds+=(--add "$(readlink -f "$bin"):/usr/sbin/$prog")
	for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^[[:space:]]*\//{print $1}'); do
		adds+=(--add "$(readlink -f "$lib"):$lib")
	done
done
# The iptables extensions the tests use.
xt=/usr/lib/$(gcc -print-multiarch)/xtables
for ext in standard tcp udp addrtype TCPMSS; do
	adds+=(--add "$xt/libxt_$ext.so:$xt/libxt_$ext.so")
done
# ss with iproute2-patches/ applied (prints and filters by VR).
ss=$(VR_SKIP_DEPS=1 "$TOP/scripts/iproute2.sh")
adds+=(--add "$ss:/usr/sbin/ss")
"$TOP/qemu/mkinitramfs.sh" --out "$OUT/initramfs.cpio.gz" "${adds[@]}" >&2
echo "$OUT/initramfs.cpio.gz"
