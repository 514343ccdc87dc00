#!/usr/bin/env bash
# Self-test of the QEMU harness (host side): builds an initramfs holding
# qemu/guest/, then checks that
#   - hub.py forwards, cuts, isolates, heals and answers its in-band
#     control frames (hub.py --selftest: a hub on temporary unix sockets,
#     no VM),
#   - a guest's exit status reaches vm.sh's exit status (0 and 3),
#   - a hanging guest is killed at --timeout (124),
#   - a kernel panic ends QEMU and gives 125 (no VR-GUEST-EXIT line),
#   - 3 VMs on one hub.py segment all ping each other (192.0.2.0/24,
#     private to the VMs' unix-socket segment).
# Prints KTAP-ish "ok N ..." / "not ok N ..." lines and "N passed, N failed";
# exits 1 if any test failed.
#
#   qemu/selftest.sh [--kernel BZIMAGE] [--logdir DIR]
#
# BZIMAGE defaults to the one scripts/kernel.sh builds; logs (kept) go to DIR,
# default a new directory under ${TMPDIR:-/tmp}.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VR_CACHE:-$HOME/.cache/vr-linux}
kernel=${VR_KOUT:-$cache/build/kernel}/arch/x86/boot/bzImage
logdir=''
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || { echo "selftest: --kernel needs a value" >&2; exit 2; }; kernel=$2; shift 2 ;;
	--logdir) [ $# -ge 2 ] || { echo "selftest: --logdir needs a value" >&2; exit 2; }; logdir=$2; shift 2 ;;
	-h|--help) sed -n '15,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) echo "selftest: unknown argument: $1" >&2; exit 2 ;;
	esac
done
[ -f "$kernel" ] || { echo "selftest: no kernel at $kernel (run scripts/kernel.sh, or pass --kernel)" >&2; exit 2; }
if [ -z "$logdir" ]; then
	logdir=$(mktemp -d "${TMPDIR:-/tmp}/vr-selftest.XXXXXX")
else
	mkdir -p "$logdir"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vr-selftest-work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Private copy: the kernel may be rebuilt while we run.
cp "$kernel" "$work/bzImage"
"$here/mkinitramfs.sh" --out "$work/initrd.cpio.gz" --add "$here/guest:/vr-guest" 2>/dev/null

passed=0 failed=0 n=0
echo "KTAP version 1"
echo "1..6"
echo "# kernel: $kernel"
echo "# logs: $logdir"

# check DESCRIPTION WANT_RC LOG COMMAND...: run COMMAND, expect WANT_RC.
check() {
	local desc=$1 want=$2 log=$3 rc t0 t1
	shift 3
	n=$((n + 1))
	t0=$(date +%s.%N)
	set +e
	"$@" >"$log" 2>&1
	rc=$?
	set -e
	t1=$(date +%s.%N)
	echo "# test $n took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s, rc $rc"
	if [ "$rc" = "$want" ]; then
		echo "ok $n $desc"
		passed=$((passed + 1))
	else
		echo "# expected rc $want, got $rc; last lines of $log:"
		tail -n 25 "$log" | tr -d '\r' | sed 's/^/#   /'
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
}

check "hub.py: forwarding and in-band control (cut, isolate, heal)" 0 "$logdir/hub.out" \
	python3 "$here/hub.py" --selftest

vm=("$here/vm.sh" --kernel "$work/bzImage" --initrd "$work/initrd.cpio.gz" --mem 256)

check "vm.sh: guest exit status 0 propagates" 0 "$logdir/exit0.out" \
	"${vm[@]}" --name exit0 --cmd /vr-guest/exit-rc.sh --append vr.rc=0 \
	--timeout 120 --log "$logdir/exit0.log"
check "vm.sh: guest exit status 3 propagates" 3 "$logdir/exit3.out" \
	"${vm[@]}" --name exit3 --cmd /vr-guest/exit-rc.sh --append vr.rc=3 \
	--timeout 120 --log "$logdir/exit3.log"
check "vm.sh: hanging guest is killed at --timeout (124)" 124 "$logdir/hang.out" \
	"${vm[@]}" --name hang --cmd /vr-guest/exit-rc.sh --append vr.rc=hang \
	--timeout 10 --log "$logdir/hang.log"
check "vm.sh: kernel panic ends the VM with 125" 125 "$logdir/panic.out" \
	"${vm[@]}" --name panic --cmd /vr-guest/exit-rc.sh \
	--append "rdinit=/nonexistent init=/nonexistent" \
	--timeout 120 --log "$logdir/panic.log"
check "cluster.sh: 3 nodes on one hub segment all ping each other" 0 "$logdir/cluster.out" \
	"$here/cluster.sh" --kernel "$work/bzImage" --initrd "$work/initrd.cpio.gz" \
	--nodes 3 --cmd /vr-guest/ping-cluster.sh --timeout 300 --logdir "$logdir/cluster"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
