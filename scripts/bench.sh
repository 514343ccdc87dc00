#!/usr/bin/env bash
# `make bench`: build everything, run bench/vr-bench.sh in one VM and print
# request/response rates and their ratios: VR k against VR 0 (b/a) and
# against a Linux VRF (b/c), and VR 0 with the vr_in_use static key on
# against off. Rates depend on the machine; the ratios, measured in one VM
# run with interleaved rounds, are what to compare.
#
#   VR_BENCH_SECS=2 VR_BENCH_ROUNDS=3 make bench
set -euo pipefail
. "$(dirname "$0")/env.sh"
build_vm
log=$CACHE/logs/bench-$(date +%Y%m%d-%H%M%S).log
append="VR_BENCH_SECS=${VR_BENCH_SECS:-2} VR_BENCH_ROUNDS=${VR_BENCH_ROUNDS:-3}"
"$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --cmd /bench/vr-bench.sh \
	--append "$append" --smp 2 --timeout 900 --log "$log" > /dev/null ||
	{ echo "bench: the VM failed; log: $log" >&2; exit 1; }
tr -d '\r' < "$log" | awk '
	$1 == "BENCH" { sum[$2 " " $3] += $4; n[$2 " " $3]++; kinds[$2] = 1 }
	function avg(k, c) { return n[k " " c] ? sum[k " " c] / n[k " " c] : 0 }
	function ratio(x, y) { return y ? sprintf("%.3f", x / y) : "-" }
	END {
		if (!length(kinds)) { print "bench: no results" > "/dev/stderr"; exit 1 }
		printf "%-8s %10s %10s %10s %10s   %9s %9s %12s\n", "kind", "vr0-off",
			"vr0 (a)", "vr1 (b)", "vrf (c)", "b/a", "b/c", "vr0/vr0-off"
		split("udp_rr tcp_rr tcp_crr", order, " ")
		for (i = 1; i <= 3; i++) {
			k = order[i]
			if (!(k in kinds)) continue
			printf "%-8s %10d %10d %10d %10d   %9s %9s %12s\n", k,
				avg(k, "vr0-off"), avg(k, "vr0"), avg(k, "vr1"), avg(k, "vrf"),
				ratio(avg(k, "vr1"), avg(k, "vr0")),
				ratio(avg(k, "vr1"), avg(k, "vrf")),
				ratio(avg(k, "vr0"), avg(k, "vr0-off"))
		}
		print "(transactions per second, mean of the rounds; log: '"$log"')"
	}'
echo "reproduce: make bench   (VR_BENCH_SECS=$((${VR_BENCH_SECS:-2})) VR_BENCH_ROUNDS=$((${VR_BENCH_ROUNDS:-3})))"
