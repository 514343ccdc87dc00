#!/usr/bin/env bash
# `make bench-profile`: where the instructions of one bench case go. Runs
# one case of bench/vr-bench.sh on two kernels under -icount with the
# bench/tbprof.c plugin, which counts the instructions executed per
# translation block while the case runs, and prints the instructions per
# transaction of both sides per kernel function (bench/tbprof-report.py),
# the functions that differ most first.
#
#   make bench-profile                      tcp_crr: unpatched "base" vs patched "off"
#   VR_PROF_KIND=udp_rr VR_PROF_A=patched:vr0 VR_PROF_B=patched:vr1 make bench-profile
#
# A side is SET:LABEL: the bench set (base runs on the unpatched kernel)
# and the label of the case in it (base, fbase; off, foff, vr0, vr1, vrf,
# fvr0, fvr1, fvrf). VR_BENCH_SECS (default 2) is the case's length.
set -euo pipefail
. "$(dirname "$0")/env.sh"
KIND=${VR_PROF_KIND:-tcp_crr}
A=${VR_PROF_A:-base:base}
B=${VR_PROF_B:-patched:off}
SECS=${VR_BENCH_SECS:-2}

build_vm
VR_SKIP_DEPS=1 "$TOP/scripts/kernel.sh" --base
plugin=$CACHE/build/tbprof.so
if [ ! -f "$plugin" ] || [ "$TOP/bench/tbprof.c" -nt "$plugin" ]; then
	gcc -shared -fPIC -O2 -Wall -o "$plugin" "$TOP/bench/tbprof.c"
fi
dir=$CACHE/logs/bench-profile-$(date +%Y%m%d-%H%M%S)
mkdir -p "$dir"

sides=() n=0
for side in "$A" "$B"; do
	n=$((n + 1))
	set=${side%%:*} label=${side#*:}
	case $set in
	base) kdir=$CACHE/build/kernel-base ;;
	patched) kdir=$KOUT ;;
	*) echo "bench-profile: unknown set '$set' in '$side'" >&2; exit 2 ;;
	esac
	mark=$(awk '$3 == "__x64_sys_sync" { print $1 }' "$kdir/System.map")
	[ -n "$mark" ] || { echo "bench-profile: no __x64_sys_sync in $kdir/System.map" >&2; exit 1; }
	name=$n-$set-$label
	"$TOP/qemu/vm.sh" --kernel "$kdir/arch/x86/boot/bzImage" --initrd "$img" \
		--cmd /bench/vr-bench.sh --icount \
		--plugin "$plugin,mark=0x$mark,out=$dir/$name.prof" \
		--append "VR_BENCH_SET=$set VR_BENCH_SECS=$SECS VR_BENCH_KINDS=$KIND VR_BENCH_MARK=$label" \
		--timeout 1800 --log "$dir/$name.log" > /dev/null 2>&1 ||
		{ echo "bench-profile: VM $name failed; log: $dir/$name.log" >&2; tail -20 "$dir/$name.log" >&2; exit 1; }
	tx=$(tr -d '\r' < "$dir/$name.log" | awk -v l="$label" '$1 == "BENCH" && $3 == l { print $5 }')
	[ -n "$tx" ] || { echo "bench-profile: no result for $label in $dir/$name.log" >&2; exit 1; }
	echo "bench-profile: $name: $tx transactions" >&2
	sides+=("$name:$kdir/System.map:$dir/$name.prof:$tx")
done
echo "make bench-profile: $KIND, $SECS guest seconds per side; logs in $dir"
python3 "$TOP/bench/tbprof-report.py" "${sides[@]}"
