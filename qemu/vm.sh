#!/usr/bin/env bash
# Boot one test VM under QEMU (TCG) and report the guest's exit status.
#
#   qemu/vm.sh --kernel BZIMAGE --initrd INITRD.cpio.gz [--name NAME]
#              [--log FILE] [--append "extra cmdline"] [--cmd /path/in/guest]
#              [--shell] [--mem MB] [--smp N] [--timeout SECONDS]
#              [--hub SOCKDIR --index N] [--node N] [--nodes N] [--verbose]
#              [--icount] [--plugin SO,ARG=VALUE,...]
#
# The serial console goes to stdout and to the log file. Exit status:
#   non-interactive: the guest's rc from its "VR-GUEST-EXIT <rc>" line;
#                    124 on timeout (QEMU killed); 125 if no such line
#                    (kernel panic, crash, QEMU error).
#   --shell:         QEMU's own exit status (leave with `exit`, or Ctrl-a x).
# --hub attaches a virtio-net NIC to the hub.py segment in SOCKDIR as port N
# (MAC 52:54:00:12:34:<N in hex>). Without --hub the VM has no NIC at all;
# there is never any host networking. --icount runs the guest with
# `-icount shift=1,sleep=off`: its clocks count executed instructions (one
# every 2 ns), not host time, so what it measures in guest time does not
# depend on the host's load (make bench). --plugin loads a TCG plugin
# (QEMU's -plugin; make bench-profile uses bench/tbprof.c).
set -euo pipefail

prog=vm.sh
die() { echo "$prog: error: $*" >&2; exit 125; }
usage() {
	sed -n '4,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 125
}

kernel='' initrd='' name='' log='' append='' cmd='' shell='' verbose='' icount='' plugin=''
mem=${VR_VM_MEM:-512} smp=1 timeout=600 hub='' index='' node='' nodes=''
qemu=${QEMU:-qemu-system-x86_64}
need() { [ "$1" -ge 2 ] || usage; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need $#; kernel=$2; shift 2 ;;
	--initrd) need $#; initrd=$2; shift 2 ;;
	--name) need $#; name=$2; shift 2 ;;
	--log) need $#; log=$2; shift 2 ;;
	--append) need $#; append="$append $2"; shift 2 ;;
	--cmd) need $#; cmd=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--mem) need $#; mem=$2; shift 2 ;;
	--smp) need $#; smp=$2; shift 2 ;;
	--timeout) need $#; timeout=$2; shift 2 ;;
	--hub) need $#; hub=$2; shift 2 ;;
	--index) need $#; index=$2; shift 2 ;;
	--node) need $#; node=$2; shift 2 ;;
	--nodes) need $#; nodes=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--icount) icount=1; shift ;;
	--plugin) need $#; plugin=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "$prog: unknown argument: $1" >&2; usage ;;
	esac
done

isnum() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; }
posnum() { isnum "$1" && [ "$1" -ge 1 ]; }
if [ -z "$kernel" ] || [ -z "$initrd" ]; then usage; fi
[ -f "$kernel" ] || die "kernel $kernel not found (build it: scripts/kernel.sh)"
[ -f "$initrd" ] || die "initrd $initrd not found (build it: qemu/mkinitramfs.sh)"
isnum "$mem" || die "--mem wants MB"
posnum "$smp" || die "--smp wants a number >= 1"
posnum "$timeout" || die "--timeout wants seconds >= 1"
if [ -n "$hub" ] || [ -n "$index" ]; then
	if [ -z "$hub" ] || [ -z "$index" ]; then die "--hub and --index go together"; fi
	if ! isnum "$index" || [ "$index" -gt 255 ]; then die "--index wants 0..255"; fi
	[ -d "$hub" ] || die "hub directory $hub not found"
fi
node=${node:-${index:-0}}
nodes=${nodes:-1}
isnum "$node" || die "--node wants a number"
isnum "$nodes" || die "--nodes wants a number"
name=${name:-vm$node}
case "$name$cmd" in *[[:space:]]*) die "--name and --cmd cannot contain spaces" ;; esac
[ -n "$cmd" ] || [ -n "$shell" ] || die "nothing to run: give --cmd /path/in/guest or --shell"
prog="vm.sh[$name]"
command -v "$qemu" >/dev/null || die "$qemu not found (Debian: apt-get install qemu-system-x86)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vr-vm.XXXXXX")
qpid=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
	if [ -n "$qpid" ]; then
		kill -TERM "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# Kernel and initrd may be rebuilt while we run: boot private copies.
cp "$kernel" "$tmp/bzImage"
cp "$initrd" "$tmp/initrd"
logmsg=
if [ -z "$log" ]; then
	log=$tmp/console.log
else
	logmsg=" (log: $log)"
	mkdir -p "$(dirname "$log")"
fi
: >"$log"

# quiet: kernel messages of level warning and above only (oopses, WARNs,
# panics stay visible); panic=-1 + -no-reboot: a panic ends QEMU at once.
cmdline="console=ttyS0 panic=-1 oops=panic"
[ -n "$verbose" ] || cmdline="$cmdline quiet"
cmdline="$cmdline vr.name=$name vr.node=$node vr.nodes=$nodes"
[ -z "$cmd" ] || cmdline="$cmdline vr.cmd=$cmd"
[ -z "$shell" ] || cmdline="$cmdline vr.shell=1"
cmdline="$cmdline${append}"

args=(-accel tcg -machine pc -m "$mem" -smp "$smp"
      -nodefaults -no-user-config -display none -no-reboot
      -kernel "$tmp/bzImage" -initrd "$tmp/initrd" -append "$cmdline"
      -device virtio-rng-pci)
[ -z "$icount" ] || args+=(-icount shift=1,sleep=off)
[ -z "$plugin" ] || args+=(-plugin "$plugin")
if [ -n "$hub" ]; then
	sock=$(cd "$hub" && pwd)
	mac=$(printf '52:54:00:12:34:%02x' "$index")
	rm -f "$sock/vm-$index.sock"
	args+=(-netdev "dgram,id=l2,local.type=unix,local.path=$sock/vm-$index.sock,remote.type=unix,remote.path=$sock/hub-$index.sock"
	       -device "virtio-net-pci,netdev=l2,mac=$mac")
else
	args+=(-nic none)
fi

if [ -n "$shell" ]; then
	# Interactive: stdio multiplexed with the monitor (Ctrl-a h for help,
	# Ctrl-a x quits); Ctrl-c goes to the guest.
	# shellcheck disable=SC2054  # commas belong to QEMU option values
	args+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$log"
	       -serial chardev:con -mon chardev=con,mode=readline)
	set +e
	"$qemu" "${args[@]}"
	rc=$?
	set -e
	[ -n "$hub" ] && rm -f "$sock/vm-$index.sock"
	exit "$rc"
fi

# Non-interactive: console on stdout (QEMU also writes it to $log itself,
# so the log is complete when QEMU has exited); no stdin.
args+=(-chardev "stdio,id=con,signal=off,logfile=$log" -serial chardev:con
       -monitor none)
start=$(date +%s.%N)
timeout --kill-after=10 "$timeout" "$qemu" "${args[@]}" </dev/null &
qpid=$!
trap 'echo "$prog: interrupted, stopping QEMU" >&2; exit 130' INT TERM HUP
set +e
wait "$qpid"
qrc=$?
set -e
qpid=
[ -z "$hub" ] || rm -f "$sock/vm-$index.sock"
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "$prog: TIMEOUT: guest still running after ${timeout}s, QEMU killed$logmsg" >&2
	exit 124
fi
rc=$(tr -d '\r' <"$log" | sed -n 's/.*VR-GUEST-EXIT \([0-9]\{1,3\}\)[[:space:]]*$/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
	why="QEMU exit status $qrc"
	if grep -q 'Kernel panic' "$log"; then
		why="kernel panic: $(tr -d '\r' <"$log" | grep -m1 -o 'Kernel panic.*')"
	fi
	echo "$prog: FAILED: no VR-GUEST-EXIT line from the guest ($why) after ${secs}s$logmsg" >&2
	exit 125
fi
echo "$prog: guest exited with $rc after ${secs}s" >&2
exit "$rc"
