#!/usr/bin/env bash
# `make bench`: build the patched kernel and, once (cached), the same 7.2.y
# tree without the series (scripts/kernel.sh --base); run bench/vr-bench.sh
# in VMs and print the ratios that say what the series costs:
#
#   - ROUNDS pairs of VMs, alternating: the unpatched kernel (set "base"),
#     then the patched one (set "patched": VR 0 before any VR exists, then
#     VR 0, VR 1 and a VRF with VR 1 in use), local and forwarded traffic;
#   - one VM with 4,096 VRs (set "scale"): creation, memory and dump
#     against 4,096 VRF devices, traffic in VR 4096 against VR 1.
#
# By default the VMs run with QEMU's -icount (qemu/vm.sh --icount): guest
# time counts instructions, so a rate is transactions per guest second,
# a measure of the instructions each transaction costs, not a throughput
# claim, and it does not move with the host's load. VR_BENCH_WALL=1 runs
# on wall-clock time instead (noisy: rounds spread by 5-10%).
#
#   VR_BENCH_SECS=2 VR_BENCH_ROUNDS=3 VR_BENCH_VRS=4096 make bench
#
# VR_BENCH_REPORT=<log directory of a run> prints that run's report again.
set -euo pipefail
. "$(dirname "$0")/env.sh"
SECS=${VR_BENCH_SECS:-2}
ROUNDS=${VR_BENCH_ROUNDS:-3}
NVRS=${VR_BENCH_VRS:-4096}
icount=(--icount) mode="icount (transactions per guest second)"
[ -z "${VR_BENCH_WALL:-}" ] || { icount=() mode="wall clock (transactions per second)"; }
if [ -n "${VR_BENCH_REPORT:-}" ]; then
	# Only print the report of an earlier run's logs, e.g.
	# VR_BENCH_REPORT=$VR_CACHE/logs/bench-20261202-054945 (same variables).
	dir=$VR_BENCH_REPORT
	ROUNDS=$(find "$dir" -name 'patched-*.log' | wc -l)
else
	build_vm
	VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" --base
	base_kernel=$CACHE/build/kernel-base/arch/x86/boot/bzImage
	dir=$CACHE/logs/bench-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$dir"

	vm() {	# NAME KERNEL SET
		"$TOP/qemu/vm.sh" --kernel "$2" --initrd "$img" --cmd /bench/vr-bench.sh "${icount[@]}" \
			--append "VR_BENCH_SET=$3 VR_BENCH_SECS=$SECS VR_BENCH_VRS=$NVRS" \
			--timeout 1800 --log "$dir/$1.log" > /dev/null 2>&1 ||
			{ echo "bench: VM $1 failed; log: $dir/$1.log" >&2; tail -20 "$dir/$1.log" >&2; exit 1; }
		echo "bench: VM $1 done" >&2
	}
	for r in $(seq "$ROUNDS"); do
		vm "base-$r" "$base_kernel" base
		vm "patched-$r" "$kernel" patched
	done
	vm scale "$kernel" scale
fi

echo "make bench: $mode, $ROUNDS rounds of $SECS s per case, $NVRS VRs; logs in $dir"
cat "$dir"/*.log | tr -d '\r' | awk -v nvrs="$NVRS" '
	$1 == "BENCH" { k = $2 " " $3; sum[k] += $4; n[k]++
		if (!(k in lo) || $4 < lo[k]) lo[k] = $4; if ($4 > hi[k]) hi[k] = $4 }
	$1 == "BENCHCP" { cp[$2] = $3 }
	function avg(k, c) { return n[k " " c] ? sum[k " " c] / n[k " " c] : 0 }
	function spread(k, c,   m) { m = avg(k, c); return m ? 100 * (hi[k " " c] - lo[k " " c]) / m : 0 }
	# ratio of two cases for one kind; records the worst for the goal
	function ratio(g, k, a, b,   x, y, r) {
		x = avg(k, a); y = avg(k, b)
		if (!x || !y) return "-"
		r = x / y
		if (!(g in worst) || (dir[g] == ">=" ? r < worst[g] : r > worst[g])) { worst[g] = r; wk[g] = tag k }
		return sprintf("%.3f", r)
	}
	END {
		split("udp_rr tcp_rr tcp_crr", kinds, " ")
		printf "\nrates: mean of the rounds, (max-min)/mean in brackets (with 2 rounds or more)\n"
		printf "%-8s", "case"; for (i = 1; i <= 3; i++) printf " %18s", kinds[i]; printf "\n"
		nc = split("base off vr0 vr1 vrf fbase foff fvr0 fvr1 fvrf base6 off6 vr06 vr16 vrf6 " \
			"fbase6 foff6 fvr06 fvr16 fvrf6 vr1@" nvrs " vrlast", cases, " ")
		for (j = 1; j <= nc; j++) {
			c = cases[j]; lbl = c
			if (c == "vr1@" nvrs) c = "vr1s"
			printf "%-8s", (lbl == "vrlast" ? "vr" nvrs : lbl)
			for (i = 1; i <= 3; i++) {
				k = kinds[i]
				if (n[k " " c] > 1) printf " %10d (%4.1f%%)", avg(k, c), spread(k, c)
				else printf " %10d (  -  )", avg(k, c)
			}
			printf "\n"
		}
		ng = 0
		g[++ng] = "patched, no VR / unpatched"; dir[ng] = ">="; goal[ng] = 0.99; a[ng] = "off base"; f[ng] = "foff fbase"
		g[++ng] = "VR 0 with VRs in use / VR 0 key off"; dir[ng] = ">="; goal[ng] = 0.99; a[ng] = "vr0 off"; f[ng] = "fvr0 foff"
		g[++ng] = "VR k / VR 0"; dir[ng] = ">="; goal[ng] = 0.98; a[ng] = "vr1 vr0"; f[ng] = "fvr1 fvr0"
		g[++ng] = "VR k / VRF"; dir[ng] = ">="; goal[ng] = 1.03; a[ng] = "vr1 vrf"; f[ng] = "fvr1 fvrf"
		g[++ng] = "IPv6: patched, no VR / unpatched"; dir[ng] = ">="; goal[ng] = 0.99; a[ng] = "off6 base6"; f[ng] = "foff6 fbase6"
		g[++ng] = "IPv6: VR 0 with VRs in use / key off"; dir[ng] = ">="; goal[ng] = 0.99; a[ng] = "vr06 off6"; f[ng] = "fvr06 foff6"
		g[++ng] = "IPv6: VR k / VR 0"; dir[ng] = ">="; goal[ng] = 0.98; a[ng] = "vr16 vr06"; f[ng] = "fvr16 fvr06"
		g[++ng] = "IPv6: VR k / VRF"; dir[ng] = ">="; goal[ng] = 1.03; a[ng] = "vr16 vrf6"; f[ng] = "fvr16 fvrf6"
		g[++ng] = "VR " nvrs " / VR 1 with " nvrs " VRs"; dir[ng] = ">="; goal[ng] = 0.97; a[ng] = "vrlast vr1s"; f[ng] = ""
		printf "\n%-40s %8s %8s %8s %8s %8s %8s   %s\n", "ratio (one run)", "udp_rr", "tcp_rr", "tcp_crr",
			"f:udp_rr", "f:tcp_rr", "f:tcp_crr", "goal"
		for (x = 1; x <= ng; x++) {
			split(a[x], p, " "); split(f[x], q, " ")
			printf "%-40s", g[x]
			tag = ""
			for (i = 1; i <= 3; i++) printf " %8s", ratio(x, kinds[i], p[1], p[2])
			tag = "f:"
			for (i = 1; i <= 3; i++) printf " %8s", (f[x] == "" ? "" : ratio(x, kinds[i], q[1], q[2]))
			printf "   %s %.2f\n", dir[x], goal[x]
		}
		x = ++ng; g[x] = "create " nvrs " VRs / create " nvrs " VRFs"; dir[x] = "<="; goal[x] = 0.1
		if (cp["vrf_create_cs"] > 0) { worst[x] = cp["vr_create_cs"] / cp["vrf_create_cs"]; wk[x] = "" }
		printf "\ncontrol plane, %d of each (guest time)\n", nvrs
		printf "  create: VRs %.2f s (one netlink request each, one process), VRFs %.2f s (ip -batch): ratio %.3f   goal <= 0.10\n",
			cp["vr_create_cs"] / 100, cp["vrf_create_cs"] / 100, worst[x]
		printf "  memory: %d bytes of slab per VR, %d per VRF (%d and %d bytes of memory in use)\n",
			cp["vr_slab_bytes"], cp["vrf_slab_bytes"], cp["vr_mem_bytes"], cp["vrf_mem_bytes"]
		printf "  dump:   vrctl list %.2f s (%d lines), ip -o link show type vrf %.2f s (%d lines)\n",
			cp["vr_dump_cs"] / 100, cp["vr_dump_lines"], cp["vrf_dump_cs"] / 100, cp["vrf_dump_lines"]
		printf "\ngoals (f: forwarded through the DUT; each goal holds when every kind meets it)\n"
		for (x = 1; x <= ng; x++) {
			if (!(x in worst)) { printf "  %-40s no result\n", g[x]; continue }
			ok = dir[x] == ">=" ? worst[x] >= goal[x] : worst[x] <= goal[x]
			printf "  %-40s %s %.2f: %s (worst %.3f%s)\n", g[x], dir[x], goal[x],
				ok ? "holds" : "DOES NOT HOLD", worst[x], wk[x] == "" ? "" : ", " wk[x]
		}
	}'
echo "reproduce: make bench   (VR_BENCH_SECS=$SECS VR_BENCH_ROUNDS=$ROUNDS VR_BENCH_VRS=$NVRS${VR_BENCH_WALL:+ VR_BENCH_WALL=1})"
