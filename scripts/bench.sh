#!/usr/bin/env bash
# `make bench`: build the patched kernel and, once (cached), the same 7.2.y
# tree without the series (scripts/kernel.sh --base); run bench/vr-bench.sh
# in VMs and print the ratios that say what the series costs:
#
#   - ROUNDS pairs of VMs, alternating: the unpatched kernel (set "base"),
#     then the patched one (set "patched": VR 0 before any VR exists, then
#     VR 0, VR 1 and a VRF with VR 1 in use), local and forwarded traffic;
#   - one VM with 4,096 VRs (set "scale"): creation, memory and dump
#     against 4,096 VRF devices, traffic in VR 4096 against VR 1;
#   - one VM for the distributed host's ownership table (set "dhost"): a
#     member's table with its 4 port entries and with 100,000 more
#     (VR_BENCH_DH_ENTRIES): single updates (owner-set/owner-del) and
#     request/response through the member, ROUNDS rounds inside the VM;
#     then the bind (claim) latency with a Raft group of three vr-dhostd.
#     The load of the big table stops after VR_BENCH_DH_LOAD_SECS (300)
#     guest seconds, or at the first refused request, and the report says
#     so. A failure of this VM leaves its rows out of the report instead
#     of stopping the bench.
#
# By default the VMs run with QEMU's -icount (qemu/vm.sh --icount): guest
# time counts instructions, so a rate is transactions per guest second,
# a measure of the instructions each transaction costs, not a throughput
# claim, and it does not move with the host's load. VR_BENCH_WALL=1 runs
# on wall-clock time instead (noisy: rounds spread by 5-10%).
#
#   VR_BENCH_SECS=2 VR_BENCH_ROUNDS=3 VR_BENCH_VRS=4096 make bench
#
# VR_BENCH_ONLY=dhost runs the dhost VM alone (no unpatched kernel) and
# reports it; VR_BENCH_DH_ENTRIES, VR_BENCH_DH_LOAD_SECS,
# VR_BENCH_DH_UPDATES (5000) and VR_BENCH_DH_BINDS (1000) are passed to it.
#
# VR_BENCH_REPORT=<log directory of a run> prints that run's report again.
set -euo pipefail
. "$(dirname "$0")/env.sh"
SECS=${VR_BENCH_SECS:-2}
ROUNDS=${VR_BENCH_ROUNDS:-3}
NVRS=${VR_BENCH_VRS:-4096}
ONLY=${VR_BENCH_ONLY:-}
case "$ONLY" in
"" | dhost) ;;
*) die "VR_BENCH_ONLY: '$ONLY' is not a set that runs alone (dhost)" ;;
esac
# The dhost VM's settings, for its kernel command line (no spaces).
dh_env=
for v in VR_BENCH_DH_ENTRIES VR_BENCH_DH_LOAD_SECS VR_BENCH_DH_UPDATES VR_BENCH_DH_BINDS; do
	[ -z "${!v:-}" ] || dh_env="$dh_env $v=${!v}"
done
icount=(--icount) mode="icount (transactions per guest second)"
[ -z "${VR_BENCH_WALL:-}" ] || { icount=() mode="wall clock (transactions per second)"; }
if [ -n "${VR_BENCH_REPORT:-}" ]; then
	# Only print the report of an earlier run's logs, e.g.
	# VR_BENCH_REPORT=$VR_CACHE/logs/bench-20261202-054945 (same variables).
	dir=$VR_BENCH_REPORT
	ROUNDS=$(find "$dir" -name 'patched-*.log' | wc -l)
	[ "$ROUNDS" -gt 0 ] || ROUNDS=$(tr -d '\r' < "$dir/dhost.log" 2>/dev/null |
		awk '$1 == "BENCHCP" && $2 == "dh_rounds" { print $3 }')
	ROUNDS=${ROUNDS:-0}
else
	build_vm
	if [ -z "$ONLY" ]; then
		VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" --base
		base_kernel=$CACHE/build/kernel-base/arch/x86/boot/bzImage
	fi
	dir=$CACHE/logs/bench-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$dir"

	vm() {	# NAME KERNEL SET [optional]: an optional VM's failure does not stop the bench
		"$TOP/qemu/vm.sh" --kernel "$2" --initrd "$img" --cmd /bench/vr-bench.sh "${icount[@]}" \
			--append "VR_BENCH_SET=$3 VR_BENCH_SECS=$SECS VR_BENCH_VRS=$NVRS VR_BENCH_ROUNDS=$ROUNDS$dh_env" \
			--timeout 1800 --log "$dir/$1.log" > /dev/null 2>&1 || {
			echo "bench: VM $1 failed; log: $dir/$1.log" >&2
			tail -20 "$dir/$1.log" >&2
			[ "${4:-}" = optional ] || exit 1
			echo "bench: the report goes on without what VM $1 did not print" >&2
			return 0
		}
		echo "bench: VM $1 done" >&2
	}
	if [ -z "$ONLY" ]; then
		for r in $(seq "$ROUNDS"); do
			vm "base-$r" "$base_kernel" base
			vm "patched-$r" "$kernel" patched
		done
		vm scale "$kernel" scale
	fi
	vm dhost "$kernel" dhost optional
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
	# a row of a rates table after indent pre: case c (printed as lbl),
	# kinds kk[1..nk]; nothing if no kind has a rate
	function rates(pre, c, lbl, kk, nk,   i, k, any) {
		for (i = 1; i <= nk; i++) if (n[kk[i] " " c]) any = 1
		if (!any) return
		printf "%s%-8s", pre, lbl
		for (i = 1; i <= nk; i++) {
			k = kk[i]
			if (n[k " " c] > 1) printf " %10d (%4.1f%%)", avg(k, c), spread(k, c)
			else printf " %10d (  -  )", avg(k, c)
		}
		printf "\n"
	}
	END {
		split("udp_rr tcp_rr tcp_crr", kinds, " ")
		printf "\nrates: mean of the rounds, (max-min)/mean in brackets (with 2 rounds or more)\n"
		printf "%-8s", "case"; for (i = 1; i <= 3; i++) printf " %18s", kinds[i]; printf "\n"
		nc = split("base off vr0 vr1 vrf fbase foff fvr0 fvr1 fvrf base6 off6 vr06 vr16 vrf6 " \
			"fbase6 foff6 fvr06 fvr16 fvrf6 vr1@" nvrs " vrlast dh1 dh100k dh16 dh100k6", cases, " ")
		for (j = 1; j <= nc; j++) {
			c = cases[j]; lbl = c
			if (c == "vr1@" nvrs) c = "vr1s"
			rates("", c, (lbl == "vrlast" ? "vr" nvrs : lbl), kinds, 3)
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
		# the distributed host: request/response through a member whose
		# table has 100,000 entries more (VM dhost)
		g[++ng] = "dhost: 100,000 entries / 1"; dir[ng] = ">="; goal[ng] = 0.97; a[ng] = "dh100k dh1"; f[ng] = ""; dhg[ng] = 1
		g[++ng] = "IPv6: dhost: 100,000 entries / 1"; dir[ng] = ">="; goal[ng] = 0.97; a[ng] = "dh100k6 dh16"; f[ng] = ""; dhg[ng] = 1
		printf "\n%-40s %8s %8s %8s %8s %8s %8s   %s\n", "ratio (one run)", "udp_rr", "tcp_rr", "tcp_crr",
			"f:udp_rr", "f:tcp_rr", "f:tcp_crr", "goal"
		for (x = 1; x <= ng; x++) {
			split(a[x], p, " "); split(f[x], q, " ")
			row = sprintf("%-40s", g[x]); any = 0
			tag = ""
			for (i = 1; i <= 3; i++) { r = ratio(x, kinds[i], p[1], p[2]); any += r != "-"; row = row sprintf(" %8s", r) }
			tag = "f:"
			for (i = 1; i <= 3; i++) {
				r = (f[x] == "" ? "" : ratio(x, kinds[i], q[1], q[2])); any += r != "-" && r != ""
				row = row sprintf(" %8s", r)
			}
			if (any) printf "%s   %s %.2f\n", row, dir[x], goal[x]
		}
		x = ++ng; g[x] = "create " nvrs " VRs / create " nvrs " VRFs"; dir[x] = "<="; goal[x] = 0.1
		if (cp["vrf_create_cs"] > 0) { worst[x] = cp["vr_create_cs"] / cp["vrf_create_cs"]; wk[x] = "" }
		if ("vr_create_cs" in cp) {
			printf "\ncontrol plane, %d of each (guest time)\n", nvrs
			printf "  create: VRs %.2f s (one netlink request each, one process), VRFs %.2f s (ip -batch): ratio %.3f   goal <= 0.10\n",
				cp["vr_create_cs"] / 100, cp["vrf_create_cs"] / 100, worst[x]
			printf "  memory: %d bytes of slab per VR, %d per VRF (%d and %d bytes of memory in use)\n",
				cp["vr_slab_bytes"], cp["vrf_slab_bytes"], cp["vr_mem_bytes"], cp["vrf_mem_bytes"]
			printf "  dump:   vrctl list %.2f s (%d lines), ip -o link show type vrf %.2f s (%d lines)\n",
				cp["vr_dump_cs"] / 100, cp["vr_dump_lines"], cp["vrf_dump_cs"] / 100, cp["vrf_dump_lines"]
		}
		# the distributed host: single updates of the ownership table
		x = ++ng; g[x] = "dhost updates: 100,000 entries / 1"; dir[x] = ">="; goal[x] = 0.90; dhg[x] = 1
		nu = split("claim move release", uk, " ")
		if ("dh_entries_big" in cp) {
			printf "\ndistributed host (VM dhost, guest time): the ownership table of a member with %d entries (dh1: the ports of its echo servers) and with %d (dh100k)\n",
				cp["dh_entries_small"], cp["dh_entries_big"]
			lus = cp["dh_load_us"]
			printf "  load: %d of %d connection entries, one owner-set request each, in %.1f s (%d per s)",
				cp["dh_load_entries"], cp["dh_load_want"], lus / 1e6, (lus > 0 ? cp["dh_load_entries"] * 1e6 / lus : 0)
			st = cp["dh_load_status"]
			if (st == "ok") printf "\n"
			else {
				why = st == "time" ? "time limit of " cp["dh_load_limit_s"] " s" : st
				printf ": LOAD FAILED at %d entries (%s)\n", cp["dh_load_entries"], why
				short = "big table: " cp["dh_entries_big"] " entries, load failed at " cp["dh_load_entries"] " (" why ")"
			}
			if ("dh_bload_us" in cp) {
				bus = cp["dh_bload_us"]
				printf "  batched: %d of them in %d owner-batch requests (up to 1,024 entries each) in %.2f s (%d per s): %.1f times the rate of one request each%s\n",
					cp["dh_bload_entries"], cp["dh_bload_requests"], bus / 1e6,
					(bus > 0 ? cp["dh_bload_entries"] * 1e6 / bus : 0),
					(bus > 0 && lus > 0 && cp["dh_load_entries"] > 0 ? (cp["dh_bload_entries"] / bus) / (cp["dh_load_entries"] / lus) : 0),
					(cp["dh_bload_status"] == "ok" ? "" : ": REFUSED (" cp["dh_bload_status"] ")")
				if (cp["dh_bload_table"] != cp["dh_bload_entries"])
					printf "  batched: the table holds %d entries, not %d\n", cp["dh_bload_table"], cp["dh_bload_entries"]
			}
			printf "  updates per guest second (one request each, one process), mean of the rounds, (max-min)/mean in brackets:\n"
			printf "  %-8s", "case"; for (i = 1; i <= nu; i++) printf " %18s", uk[i]; printf "\n"
			for (j = 1; j <= 2; j++) {
				c = j == 1 ? "dh1" : "dh100k"
				rates("  ", c, c, uk, nu)
				for (i = 1; i <= nu; i++)
					if (("dh_" uk[i] "_" c "_error") in cp)
						printf "  %s in %s: refused (%s)\n", uk[i], c, cp["dh_" uk[i] "_" c "_error"]
			}
			printf "  %-8s", "ratio"; tag = ""
			for (i = 1; i <= nu; i++) printf " %18s", ratio(x, uk[i], "dh100k", "dh1")
			printf "   >= 0.90\n"
			for (i = 1; i <= nu; i++)
				if (("dh_" uk[i] "_dh100k_error") in cp) {
					worst[x] = 0; wk[x] = uk[i] " refused: " cp["dh_" uk[i] "_dh100k_error"]
				}
			if ("dh_raft_status" in cp) {
				printf "  bind latency, Raft group of 3 vr-dhostd (ready after %.1f s): bind, listen and close of a new port, guest microseconds\n",
					cp["dh_raft_ready_cs"] / 100
				split("follower leader", wh, " ")
				for (i = 1; i <= 2; i++) {
					w = "dh_bind_" wh[i] "_"
					if (!((w "member") in cp)) continue
					printf "    on a %-8s (member %s): %s binds, p50 %s, p99 %s, max %s, mean %s%s\n", wh[i],
						cp[w "member"], cp[w "n"] + 0, cp[w "p50_us"], cp[w "p99_us"], cp[w "max_us"], cp[w "mean_us"],
						(((w "error") in cp) ? ", then " cp[w "error"] : "")
				}
				if (cp["dh_raft_status"] != "ok") printf "    NOT MEASURED IN FULL: %s\n", cp["dh_raft_status"]
			}
		}
		printf "\ngoals (f: forwarded through the DUT; each goal holds when every kind meets it)\n"
		for (x = 1; x <= ng; x++) {
			if (!(x in worst)) { printf "  %-40s no result\n", g[x]; continue }
			ok = dir[x] == ">=" ? worst[x] >= goal[x] : worst[x] <= goal[x]
			printf "  %-40s %s %.2f: %s (worst %.3f%s)\n", g[x], dir[x], goal[x],
				ok ? "holds" : "DOES NOT HOLD", worst[x], wk[x] == "" ? "" : ", " wk[x]
			if (dhg[x] && short != "") printf "  %-40s (%s)\n", "", short
		}
	}'
echo "reproduce: make bench   (VR_BENCH_SECS=$SECS VR_BENCH_ROUNDS=$ROUNDS VR_BENCH_VRS=$NVRS${VR_BENCH_WALL:+ VR_BENCH_WALL=1}${ONLY:+ VR_BENCH_ONLY=$ONLY}$dh_env)"
