#!/usr/bin/env bash
# The whole test suite (the README's test command, `make check`):
#   1. host checks: the patch series (checkpatch), generated code up to date
#      with the YNL spec, the Rust mirror of the uapi header;
#   2. cargo test (vrctl);
#   3. VMs booting the patched kernel, two at a time (one per core): the
#      debug kernel (qemu/debug.config) runs KUnit (kunit.enable=1) and every
#      selftest (tests/guest/run-all.sh), in two VMs, the fuzzers at their
#      full counts; the plain kernel (the one of `make run`, `make bench`)
#      runs every selftest again; the debug kernel then proves the log checks
#      can fail (tests/guest/splat-check.sh); meanwhile, the compile check of
#      the configs users build (scripts/config-check.sh);
#   4. the QEMU harness self-test (exit status propagation, 3-VM L2 cluster);
#   5. the distributed-host selftest on a 4-VM cluster (tests/cluster/dhost.sh),
#      on the plain kernel, then on the debug kernel within the time left of
#      make check's budget (VR_CHECK_BUDGET seconds, default 5,250: CI stops
#      a run at 5,400).
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
# every selftest, the splat check and the 4-VM cluster; the plain kernel (the
# one of `make run` and `make bench`) for every selftest again, the harness
# and the cluster again (README.md, "make check").
# The debug kernel is some ten times slower under TCG: its selftests are
# split between two VMs, (a) dataplane.sh (on VRs 0 and 1), random.sh and
# two shorter ones, followed by the plain-kernel VM and the splat check,
# and (b) KUnit with the others (dhost-table.sh with 2,000 entries), the
# netlink fuzzer's 100,000 messages last, so that both lines take about as
# long (some 45 minutes on 2 cores). vrctl-dataplane.sh, which exercises
# vrctl more than the kernel, runs on the plain kernel only.
KOUT_DEBUG=${VR_KOUT_DEBUG:-$CACHE/build/kernel-debug}
# Every debug-kernel VM boots with acpi=noirq: QEMU's pc machine computes
# its PCI interrupt routing (_PRT) in an AML loop that the debug kernel
# does not finish within ACPICA's 30 s loop timeout, once per PCI device
# ("AE_AML_LOOP_TIMEOUT", then "can't derive routing"): a cluster VM's boot
# took 140 s, 60 s of it in those loops. With acpi=noirq the kernel routes
# PCI interrupts through the PIIX router instead ("PCI->APIC IRQ transform").
DEBUG_APPEND="acpi=noirq"
DEBUG_TESTS_A=vr/dataplane.sh,vr/random.sh,vr/bpf.sh,vr/dhost6.sh
DEBUG_TESTS_B=vr/netdev-events.sh,vr/vrf.sh,vr/isolation.sh,vr/dhost-claims.sh,vr/dhost-table.sh,vr/hardening.sh,vr/teardown.sh,vr/sysfuzz.sh,vr/genl.sh,vr/ss.sh,vr/nlfuzz.sh
NLFUZZ_MIN=${VR_NLFUZZ_COUNT:-100000}
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
		$(checkpatch_ignores "$p") "$TOP/kernel-patches/$p" 2>&1)
	[ -z "$out" ] && result OK "checkpatch $p" || { echo "$out" | sed 's/^/# /'; result FAIL "checkpatch $p"; }
done
# The isolation audit names every IPv4 call site that picks a route, a
# source address, a socket, a reassembly queue or a neighbour, with its
# verdict (vr.rst, "Isolation audit"): a new or vanished one fails.
if out=$(python3 "$TOP/scripts/vr-audit.py" --check "$TOP/Documentation/networking/vr-audit.tsv" "$KSRC" 2>&1); then
	result OK "isolation audit names every IPv4 call site"
else
	echo "$out" | sed 's/^/# /'; result FAIL "isolation audit names every IPv4 call site"
fi
if out=$(python3 "$TOP/scripts/vr-audit.py" --family 6 --check \
	"$TOP/Documentation/networking/vr-audit6.tsv" "$KSRC" 2>&1); then
	result OK "isolation audit names every IPv6 call site"
else
	echo "$out" | sed 's/^/# /'; result FAIL "isolation audit names every IPv6 call site"
fi
"$TOP/scripts/ynl-gen.sh" --check 2>&1 | sed 's/^/# /'
[ "${PIPESTATUS[0]}" = 0 ] && result OK "generated vr.h, vr_nl_gen.[ch] match the YNL spec" ||
	result FAIL "generated vr.h, vr_nl_gen.[ch] match the YNL spec"
# The series' Rust code is as rustfmt leaves it, with the kernel's own
# .rustfmt.toml (make rustfmtcheck over the patched tree).
if out=$("${KMAKE[@]}" rustfmtcheck 2>&1); then
	result OK "rustfmt: the series' Rust code is formatted (make rustfmtcheck)"
else
	echo "$out" | grep -A6 '^Diff in' | head -40 | sed 's/^/# /'
	result FAIL "rustfmt: the series' Rust code is formatted (make rustfmtcheck)"
fi
python3 "$TOP/tests/host/uapi_check.py" "$TOP" "$KSRC" 2>&1 | sed 's/^/# /'
[ "${PIPESTATUS[0]}" = 0 ] && result OK "the module's multicast group indices and vr-netlink/src/diag.rs match the headers" ||
	result FAIL "the module's multicast group indices and vr-netlink/src/diag.rs match the headers"

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

# start_vm NAME KERNEL TESTS APPEND: one VM running run-all.sh on TESTS, in
# the background; check_vm NAME then waits for it and counts its results.
declare -A vm_pid
start_vm() {
	local name=$1 k=$2 tests=$3 append=$4
	"$TOP/qemu/vm.sh" --kernel "$k" --initrd "$img" --cmd /tests/guest/run-all.sh \
		--append "VR_TESTS=$tests VR_TEST_TIMEOUT=3000 loglevel=7 log_buf_len=16M $append" \
		--timeout 4500 --log "$LOGS/vm-$name.log" > /dev/null &
	vm_pid[$name]=$!
}
check_vm() {
	local name=$1 rc counts
	wait "${vm_pid[$name]}"
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

t_vms=$SECONDS
start_vm debug-a "$dkernel" "$DEBUG_TESTS_A" "$DEBUG_APPEND VR_DP_VRS=0,1"
start_vm debug-b "$dkernel" "$DEBUG_TESTS_B" "$DEBUG_APPEND kunit.enable=1 VR_DT_ENTRIES=2000 VR_NLFUZZ_COUNT=$NLFUZZ_MIN VR_NLFUZZ_TIME=1800"
check_vm debug-a
echo "# debug VM a: $((SECONDS - t_vms)) s"

phase "plain-kernel VM: every selftest (beside the second debug VM)"
t_plain=$SECONDS
start_vm plain "$kernel" "$PLAIN_TESTS" ""
check_vm plain
echo "# plain VM: $((SECONDS - t_plain)) s"
read -r _ v4 _ v6 < <(sed -n '\|# selftests: vr/dataplane.sh|,\|ok [0-9]* selftests: vr/dataplane.sh|p' \
	"$LOGS/vm-plain.log" | python3 "$TOP/tests/host/ktap_count.py" --families)
echo "# data-plane cases by family (plain VM): IPv4 $v4, IPv6 $v6"
[ "$v6" -ge "$v4" ] && [ "$v4" -gt 0 ] &&
	result OK "IPv6 data-plane cases ($v6) at least as many as IPv4's ($v4)" ||
	result FAIL "IPv6 data-plane cases ($v6) at least as many as IPv4's ($v4)"
phase "VM: the kernel-log check catches each kind of splat (beside the second debug VM)"
"$TOP/qemu/vm.sh" --kernel "$dkernel" --initrd "$img" --cmd /tests/guest/splat-check.sh \
	--append "$DEBUG_APPEND kasan_multi_shot loglevel=7" --timeout 1500 --log "$LOGS/vm-splat.log" > /dev/null
s_rc=$?
counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$LOGS/vm-splat.log")
add_counts "$counts" "splat check (log $LOGS/vm-splat.log)"
[ $s_rc != 0 ] && [ "$(echo "$counts" | cut -d' ' -f2)" = 0 ] &&
	result FAIL "splat-check VM exited with $s_rc without a failing test"

check_vm debug-b
echo "# debug VM b: $((SECONDS - t_vms)) s"
for suite in vr_registry vr_dhost rust_rhashtable; do
	grep -q "# Subtest: $suite" "$LOGS/vm-debug-b.log" && result OK "KUnit suite $suite ran" ||
		result FAIL "KUnit suite $suite ran"
done
sent=$(sed -n 's/.*# sent: \([0-9]*\) messages.*/\1/p' "$LOGS/vm-debug-b.log" | awk '{ n += $1 } END { print n + 0 }')
echo "# netlink fuzzer on the debug kernel: $sent messages"
[ "$sent" -ge "$NLFUZZ_MIN" ] && result OK "netlink fuzzer: at least $NLFUZZ_MIN messages on the debug kernel" ||
	result FAIL "netlink fuzzer: at least $NLFUZZ_MIN messages on the debug kernel (sent $sent)"

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

# run_cluster NAME KERNEL APPEND [TIMEOUT [timing]]: the distributed-host
# selftest on 4 VMs, stopped after TIMEOUT seconds (default 1800). With
# "timing", its cases count as skipped, not failed, when they fail (printed
# as such), and a run stopped at TIMEOUT counts what it did; its splat
# checks still fail, and so do fewer than 40 passed cases (every node's
# setup, and the client's IPv4 and IPv6 data-path cases), or fewer than 29
# (every node's setup and the client's IPv4 data-path cases) in a run stopped
# at TIMEOUT.
run_cluster() {
	local name=$1 k=$2 append=$3 timeout=${4:-1800} timing=${5:-} c_rc c_failed=0 i counts dir=$LOGS/$1 p f s
	"$TOP/qemu/cluster.sh" --kernel "$k" --initrd "$img" --nodes 4 --cmd /tests/cluster/dhost.sh \
		--append "loglevel=7 $append" \
		--logdir "$dir" --timeout "$timeout" --quiet > "$dir.log" 2>&1
	c_rc=$?
	sed 's/^/# /' "$dir.log"
	for i in 0 1 2 3; do
		counts=$(python3 "$TOP/tests/host/ktap_count.py" -v "$dir/node$i.log")
		read -r p f s <<< "$counts"
		c_failed=$((c_failed + f))
		if [ -n "$timing" ] && [ "$f" -gt 0 ]; then
			echo "# $name node$i: $f failed cases counted as skipped (timing on a debug kernel):"
			grep '^not ok ' "$dir/node$i.log" | sed 's/^/#   /'
			counts="$p 0 $((s + f))"
		fi
		add_counts "$counts" "$name node$i (log $dir/node$i.log)"
	done
	# Stopped at TIMEOUT: every node that did not end well timed out.
	local floor=40
	if [ -n "$timing" ] && [ $c_rc != 0 ] &&
		[ "$(sed -n 's/^cluster: node[0-9]* rc=\([0-9]*\) .*/\1/p' "$dir.log" | sort -u | grep -cvx '0\|124')" = 0 ] &&
		grep -q '^cluster: node[0-9]* rc=124 ' "$dir.log"; then
		echo "# $name: stopped at its time limit ($timeout s), after $(cat "$dir"/node*.log | grep -c '^\(not \)\{0,1\}ok ') cases"
		floor=29
	elif [ $c_rc != 0 ] && [ $c_failed = 0 ]; then
		result FAIL "$name cluster exited with $c_rc without a failing test"
	fi
	[ -n "$timing" ] && [ "$(cat "$dir"/node*.log 2>/dev/null | grep -c '^ok ')" -lt $floor ] &&
		result FAIL "$name cluster: fewer than $floor cases passed"
	for i in 0 1 2 3; do
		if splat_console "$dir/node$i.log" > "$dir/node$i.splat"; then
			sed 's/^/# /' "$dir/node$i.splat" | head -20
			result FAIL "$name node$i: no BUG, WARNING, lockdep or sanitizer report in its console log"
		else
			result OK "$name node$i: no BUG, WARNING, lockdep or sanitizer report in its console log"
		fi
	done
}

phase "distributed host: 4-VM cluster, plain kernel"
run_cluster dhost "$kernel" ""

# On the debug kernel the four VMs share two cores and run some ten times
# slower. That run is for the kernel's checks (lockdep, KASAN, ...: its
# splat checks fail make check); its cases depend on timing there (the Raft
# group of VMs that stall for seconds re-elects, fences, misses bounds: in
# four runs on a 2-core machine each failed a different set), so a failed
# case counts as skipped, printed; the plain-kernel cluster, before it,
# gates them. It runs last, for what is left of make check's budget (it
# took 1,320 s of a 4,973 s run; on a day the machine ran a quarter slower
# the run reached 5,400 s): stopped there, it counts the cases it got to,
# which must include every node's setup and the IPv4 data path (29).
# DHOST_LOSS_MS raises the 4 s member-loss bound for that run and
# DHOST_TIME_SCALE the waits for single answers (and the drain's pace),
# DHOST_DEADLINE the waits for the other nodes; DHOST_DRAIN_CONNS=5 drains
# 5 connections instead of 20 (with 20, member 2's VM fell seconds behind
# the segment and its daemon lost the leader's contact mid-drain).
phase "distributed host: 4-VM cluster, debug kernel"
t_cluster=$SECONDS
left=$((${VR_CHECK_BUDGET:-5250} - (SECONDS - t0)))
[ "$left" -gt 1800 ] && left=1800
[ "$left" -lt 300 ] && left=300
echo "# debug cluster: $left s at most"
run_cluster dhost-debug "$dkernel" \
	"$DEBUG_APPEND DHOST_LOSS_MS=12000 DHOST_TIME_SCALE=4 DHOST_DEADLINE=900 DHOST_DRAIN_CONNS=5" "$left" timing
echo "# debug cluster: $((SECONDS - t_cluster)) s"

phase "done; logs in $LOGS"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
