#!/usr/bin/env bash
# The whole test suite (the README's test command, `make check`):
#   1. host checks: the patch series (checkpatch), generated code up to date
#      with the YNL spec, the Rust mirror of the uapi header;
#   2. cargo test (vrctl);
#   3. one VM booting the patched kernel: KUnit (kunit.enable=1) and every
#      in-guest KTAP selftest (tests/guest/run-all.sh);
#   4. the QEMU harness self-test (exit status propagation, 3-VM L2 cluster);
#   5. the distributed-host selftest on a 4-VM cluster (tests/cluster/dhost.sh).
# Builds what it needs first (deps, kernel, guest image). Ends with the line
# "N passed, N failed[, N skipped]" and exits non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
# shellcheck source=../lib/splat.sh
. "$TOP/tests/lib/splat.sh"
LOGS=${VR_LOGDIR:-$CACHE/logs/check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$LOGS"
passed=0 failed=0 skipped=0
t0=$SECONDS
phase() { echo "# --- $* ($((SECONDS - t0)) s)"; }
result() {	# result OK|FAIL description
	if [ "$1" = OK ]; then passed=$((passed + 1)); echo "ok - $2"
	else failed=$((failed + 1)); echo "not ok - $2"; fi
}
add_counts() {	# add_counts "P F S" description
	local p f s; read -r p f s <<< "$1"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	echo "# $2: $p passed, $f failed, $s skipped"
}

# The VM tests run on the debug kernel: the test kernel's config plus
# qemu/debug.config (lockdep, RCU, KASAN, UBSAN, kmemleak, ...). `make run`
# and `make bench` keep the plain kernel.
KOUT_DEBUG=${VR_KOUT_DEBUG:-$CACHE/build/kernel-debug}
phase "build: deps, debug kernel, guest image"
deps || { echo "deps failed"; echo "0 passed, 1 failed"; exit 1; }
if ! VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" --llvm --out "$KOUT_DEBUG" --config "$TOP/qemu/debug.config" \
	> "$LOGS/kernel-build.log" 2>&1; then
	tail -40 "$LOGS/kernel-build.log"; echo "0 passed, 1 failed"; exit 1
fi
if ! img=$(VR_SKIP_DEPS=1 "$TOP/scripts/guest-image.sh" 2> "$LOGS/guest-image.log"); then
	tail -40 "$LOGS/guest-image.log"; echo "0 passed, 1 failed"; exit 1
fi
kernel=$KOUT_DEBUG/arch/x86/boot/bzImage
phase "built"

phase "host checks"
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/kernel-patches/series"); do
	out=$(cd "$KSRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl -q --no-summary \
		"$TOP/kernel-patches/$p" 2>&1)
	[ -z "$out" ] && result OK "checkpatch $p" || { echo "$out" | sed 's/^/# /'; result FAIL "checkpatch $p"; }
done
"$TOP/scripts/ynl-gen.sh" --check 2>&1 | sed 's/^/# /'
[ "${PIPESTATUS[0]}" = 0 ] && result OK "generated vr.h, vr_nl_gen.[ch] match the YNL spec" ||
	result FAIL "generated vr.h, vr_nl_gen.[ch] match the YNL spec"
python3 "$TOP/tests/host/uapi_check.py" "$TOP" 2>&1 | sed 's/^/# /'
[ "${PIPESTATUS[0]}" = 0 ] && result OK "modules/vr/uapi.rs and vrctl/src/vr.rs match the uapi header" ||
	result FAIL "modules/vr/uapi.rs and vrctl/src/vr.rs match the uapi header"

phase "cargo test"
(cd "$TOP" && CARGO_TARGET_DIR=$CACHE/build/cargo cargo test --locked -j"$JOBS" 2>&1) > "$LOGS/cargo-test.log"
cargo_rc=$?
counts=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) {
		if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
	END { print p + 0, f + 0, s + 0 }' "$LOGS/cargo-test.log")
if [ $cargo_rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ]; then
	tail -30 "$LOGS/cargo-test.log"; result FAIL "cargo test (exit $cargo_rc)"
fi
add_counts "$counts" "cargo test"

phase "VM: KUnit and in-guest selftests"
"$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --cmd /tests/guest/run-all.sh \
	--append "kunit.enable=1 loglevel=7 log_buf_len=16M" --timeout 2400 --log "$LOGS/vm-selftests.log" > /dev/null
vm_rc=$?
counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$LOGS/vm-selftests.log")
add_counts "$counts" "VM (KUnit + selftests; log $LOGS/vm-selftests.log)"
if splat_console "$LOGS/vm-selftests.log" > "$LOGS/vm-selftests.splat"; then
	sed 's/^/# /' "$LOGS/vm-selftests.splat" | head -20
	result FAIL "selftests VM: no BUG, WARNING, lockdep or sanitizer report in its console log"
else
	result OK "selftests VM: no BUG, WARNING, lockdep or sanitizer report in its console log"
fi
for suite in vr_registry vr_dhost; do
	grep -q "# Subtest: $suite" "$LOGS/vm-selftests.log" && result OK "KUnit suite $suite ran" ||
		result FAIL "KUnit suite $suite ran"
done
if [ $vm_rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ]; then
	grep -v '^\[' "$LOGS/vm-selftests.log" | tail -30
	result FAIL "VM exited with $vm_rc without a failing test (crash or timeout)"
fi

phase "VM: the kernel-log check catches each kind of splat"
"$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --cmd /tests/guest/splat-check.sh \
	--append "kasan_multi_shot loglevel=7" --timeout 600 --log "$LOGS/vm-splat.log" > /dev/null
s_rc=$?
counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$LOGS/vm-splat.log")
add_counts "$counts" "splat check (log $LOGS/vm-splat.log)"
[ $s_rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ] &&
	result FAIL "splat-check VM exited with $s_rc without a failing test"

phase "QEMU harness self-test"
"$TOP/qemu/selftest.sh" --kernel "$kernel" --logdir "$LOGS/harness" > "$LOGS/harness.log" 2>&1
h_rc=$?
grep -E '^(not )?ok ' "$LOGS/harness.log"
counts=$(python3 "$TOP/tests/host/ktap_count.py" "$LOGS/harness.log")
[ $h_rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ] && result FAIL "harness self-test (exit $h_rc)"
add_counts "$counts" "harness self-test"

phase "distributed host: 4-VM cluster"
"$TOP/qemu/cluster.sh" --kernel "$kernel" --initrd "$img" --nodes 4 --cmd /tests/cluster/dhost.sh \
	--append "loglevel=7" \
	--logdir "$LOGS/dhost" --timeout 600 --quiet > "$LOGS/dhost.log" 2>&1
c_rc=$?
sed 's/^/# /' "$LOGS/dhost.log"
c_failed=0
for i in 0 1 2 3; do
	counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$LOGS/dhost/node$i.log")
	add_counts "$counts" "dhost node$i (log $LOGS/dhost/node$i.log)"
	c_failed=$((c_failed + $(echo "$counts" | cut -d' ' -f2)))
done
[ $c_rc != 0 ] && [ $c_failed = 0 ] && result FAIL "dhost cluster exited with $c_rc without a failing test"
for i in 0 1 2 3; do
	if splat_console "$LOGS/dhost/node$i.log" > "$LOGS/dhost/node$i.splat"; then
		sed 's/^/# /' "$LOGS/dhost/node$i.splat" | head -20
		result FAIL "dhost node$i: no BUG, WARNING, lockdep or sanitizer report in its console log"
	else
		result OK "dhost node$i: no BUG, WARNING, lockdep or sanitizer report in its console log"
	fi
done

phase "the series compiles in the configs users build (qemu/configs)"
"$TOP/scripts/config-check.sh" --logdir "$LOGS" > "$LOGS/configs.log" 2>&1
cat "$LOGS/configs.log"
while read -r line; do
	case "$line" in
	"ok - "*) result OK "${line#ok - }" ;;
	"not ok - "*) result FAIL "${line#not ok - }" ;;
	esac
done < "$LOGS/configs.log" > /dev/null
grep -q '^\(not \)\{0,1\}ok - config ' "$LOGS/configs.log" || result FAIL "config check ran (log $LOGS/configs.log)"

phase "done; logs in $LOGS"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
