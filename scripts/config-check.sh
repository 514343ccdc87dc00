#!/usr/bin/env bash
# Compile the patched kernel in the configs users build, not only in the
# test kernel's: each qemu/configs/NAME.config is merged after
# qemu/kernel.config, tests/selftests/config and Kconfig.fragment, and what
# the series touches is built: rust/ (with Rust), net/, fs/proc/ and kernel/,
# built-in and modular objects (not linked: the test kernels link the same code), in
# $VR_CACHE/build/cfg-NAME, kept between runs so that a repeat costs little.
# Prints one KTAP line per config; logs in LOGDIR.
#
#   scripts/config-check.sh [--logdir DIR] [NAME...]
set -uo pipefail
. "$(dirname "$0")/env.sh"
logdir=$CACHE/logs
if [ "${1:-}" = --logdir ]; then logdir=$2; shift 2; fi
mkdir -p "$logdir"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$TOP"/qemu/configs/*.config; do names+=("$(basename "$f" .config)"); done
fi
rc=0
for name in "${names[@]}"; do
	frag=$TOP/qemu/configs/$name.config
	targets=(--target net/ --target fs/proc/ --target kernel/)
	grep -qx 'CONFIG_RUST=n' "$frag" || targets=(--target rust/ "${targets[@]}")
	t0=$SECONDS
	if VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" --out "$CACHE/build/cfg-$name" --config "$frag" \
		"${targets[@]}" >"$logdir/config-$name.log" 2>&1; then
		echo "ok - config $name builds ($((SECONDS - t0)) s)"
	else
		grep -E 'error|Error|warning: unused|undefined' "$logdir/config-$name.log" | head -20 | sed 's/^/# /'
		tail -5 "$logdir/config-$name.log" | sed 's/^/# /'
		echo "not ok - config $name builds (log $logdir/config-$name.log)"
		rc=1
	fi
done
exit $rc
