#!/usr/bin/env bash
# The whole test suite (the README's test command, `make check`):
#   1. host checks: the patch series (checkpatch), generated code up to date
#      with the YNL spec, the Rust mirror of the uapi header;
#   2. cargo test (vrctl);
#   3. VMs booting the patched kernel: the debug kernel (qemu/debug.config)
#      for KUnit (kunit.enable=1) and the claims, hardening, teardown and
#      fuzzing selftests, the plain kernel for every selftest
#      (tests/guest/run-all.sh), the debug kernel again for the splat check
#      (tests/guest/splat-check.sh); meanwhile, the compile check of the
#      configs users build (scripts/config-check.sh);
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

# Two kernels: the debug kernel, the test kernel's config plus
# qemu/debug.config (lockdep, RCU, KASAN, UBSAN, kmemleak, ...), for KUnit,
# the claims, hardening, teardown and fuzzing selftests and the splat check;
# the plain kernel (the one of `make run` and `make bench`) for every
# selftest (the fuzzers reach their full counts there), the harness and the
# 4-VM cluster: the rest takes too long on the debug kernel under TCG
# (README.md, "make check").
KOUT_DEBUG=${VR_KOUT_DEBUG:-$CACHE/build/kernel-debug}
DEBUG_TESTS=vr/netdev-events.sh,vr/dhost-claims.sh,vr/hardening.sh,vr/teardown.sh,vr/nlfuzz.sh,vr/sysfuzz.sh
PLAIN_TESTS=vr
phase "build: deps, debug kernel, plain kernel, guest image"
deps || { echo "deps failed"; echo "0 passed, 1 failed"; exit 1; }
if ! VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" --llvm --out "$KOUT_DEBUG" --config "$TOP/qemu/debug.config" \
	> "$LOGS/kernel-build.log" 2>&1; then
	tail -40 "$LOGS/kernel-build.log"; echo "0 passed, 1 failed"; exit 1
fi
if ! VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" > "$LOGS/kernel-build-plain.log" 2>&1; then
	tail -40 "$LOGS/kernel-build-plain.log"; echo "0 passed, 1 failed"; exit 1
fi
if ! img=$(VR_SKIP_DEPS=1 "$TOP/scripts/guest-image.sh" 2> "$LOGS/guest-image.log"); then
	tail -40 "$LOGS/guest-image.log"; echo "0 passed, 1 failed"; exit 1
fi
dkernel=$KOUT_DEBUG/arch/x86/boot/bzImage
kernel=$KOUT/arch/x86/boot/bzImage
phase "built"

phase "host checks"
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/kernel-patches/series"); do
	out=$(cd "$KSRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl -q --no-summary \
		"$TOP/kernel-patches/$p" 2>&1)
	[ -z "$out" ] && result OK "checkpatch $p" || { echo "$out" | sed 's/^/# /'; result FAIL "checkpatch $p"; }
done
# The module's C files (CONST_STRUCT: vr_sysctl.c fills in a copy of its
# ctl_table per namespace, as net/ipv4's sysctls do).
out=$(cd "$KSRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl -q --no-summary --no-tree \
	--ignore CONST_STRUCT -f "$TOP"/modules/vr/*.[ch] 2>&1)
[ -z "$out" ] && result OK "checkpatch modules/vr/*.[ch]" || { echo "$out" | sed 's/^/# /'; result FAIL "checkpatch modules/vr/*.[ch]"; }
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

# The configs users build are compiled meanwhile, on the core the VM leaves
# (one job; a TCG VM runs on one core), and waited for before the cluster.
phase "configs (qemu/configs, in the background) and debug-kernel VM: KUnit and selftests"
JOBS=1 "$TOP/scripts/config-check.sh" --logdir "$LOGS" > "$LOGS/configs.log" 2>&1 &
configs_pid=$!

# run_vm NAME KERNEL TESTS APPEND: one VM running run-all.sh on TESTS.
run_vm() {
	local name=$1 k=$2 tests=$3 append=$4 rc counts
	"$TOP/qemu/vm.sh" --kernel "$k" --initrd "$img" --cmd /tests/guest/run-all.sh \
		--append "VR_TESTS=$tests loglevel=7 log_buf_len=16M $append" --timeout 2400 \
		--log "$LOGS/vm-$name.log" > /dev/null
	rc=$?
	counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$LOGS/vm-$name.log")
	add_counts "$counts" "VM $name (log $LOGS/vm-$name.log)"
	if splat_console "$LOGS/vm-$name.log" > "$LOGS/vm-$name.splat"; then
		sed 's/^/# /' "$LOGS/vm-$name.splat" | head -20
		result FAIL "VM $name: no BUG, WARNING, lockdep or sanitizer report in its console log"
	else
		result OK "VM $name: no BUG, WARNING, lockdep or sanitizer report in its console log"
	fi
	if [ $rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ]; then
		grep -v '^\[' "$LOGS/vm-$name.log" | tail -30
		result FAIL "VM $name exited with $rc without a failing test (crash or timeout)"
	fi
}

run_vm debug "$dkernel" "$DEBUG_TESTS" "kunit.enable=1"
for suite in vr_registry vr_dhost; do
	grep -q "# Subtest: $suite" "$LOGS/vm-debug.log" && result OK "KUnit suite $suite ran" ||
		result FAIL "KUnit suite $suite ran"
done

phase "plain-kernel VM: every selftest"
run_vm plain "$kernel" "$PLAIN_TESTS" ""

phase "VM: the kernel-log check catches each kind of splat"
"$TOP/qemu/vm.sh" --kernel "$dkernel" --initrd "$img" --cmd /tests/guest/splat-check.sh \
	--append "kasan_multi_shot loglevel=7" --timeout 1500 --log "$LOGS/vm-splat.log" > /dev/null
s_rc=$?
counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$LOGS/vm-splat.log")
add_counts "$counts" "splat check (log $LOGS/vm-splat.log)"
[ $s_rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ] &&
	result FAIL "splat-check VM exited with $s_rc without a failing test"

phase "waiting for the config builds"
wait $configs_pid
cat "$LOGS/configs.log"
while read -r line; do
	case "$line" in
	"ok - "*) result OK "${line#ok - }" ;;
	"not ok - "*) result FAIL "${line#not ok - }" ;;
	esac
done < "$LOGS/configs.log" > /dev/null
grep -q '^\(not \)\{0,1\}ok - config ' "$LOGS/configs.log" || result FAIL "config check ran (log $LOGS/configs.log)"

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

phase "done; logs in $LOGS"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
