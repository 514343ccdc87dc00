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
