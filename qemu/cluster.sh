#!/usr/bin/env bash
# Boot N test VMs on one shared Ethernet segment (qemu/hub.py over unix
# datagram sockets; nothing reaches the host's network) and wait for all.
#
#   qemu/cluster.sh --kernel BZIMAGE --initrd INITRD.cpio.gz --nodes N
#                   --cmd /path/in/guest [--logdir DIR] [--timeout SECONDS]
#                   [--append "extra cmdline"] [--mem MB] [--quiet]
#
# VM i is named node<i>, boots with vr.node=i vr.nodes=N (VR_NODE/VR_NODES
# in the guest), has eth0 with MAC 52:54:00:12:34:<i in hex>, and its console
# goes to DIR/node<i>.log (and to stdout prefixed "[node<i>] " unless
# --quiet). DIR defaults to a new directory under ${TMPDIR:-/tmp}; it is kept.
# Prints every node's rc; exits 0 iff every guest exited 0, 1 otherwise
# (vm.sh's codes per node: 124 timeout, 125 no exit marker/crash).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "cluster: error: $*" >&2; exit 2; }
usage() {
	sed -n '5,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

kernel='' initrd='' nodes='' cmd='' logdir='' timeout=600 append='' mem=256 quiet=''
need() { [ "$1" -ge 2 ] || usage; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need $#; kernel=$2; shift 2 ;;
	--initrd) need $#; initrd=$2; shift 2 ;;
	--nodes) need $#; nodes=$2; shift 2 ;;
	--cmd) need $#; cmd=$2; shift 2 ;;
	--logdir) need $#; logdir=$2; shift 2 ;;
	--timeout) need $#; timeout=$2; shift 2 ;;
	--append) need $#; append="$append $2"; shift 2 ;;
	--mem) need $#; mem=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h|--help) usage ;;
	*) echo "cluster: unknown argument: $1" >&2; usage ;;
	esac
done
if [ -z "$kernel" ] || [ -z "$initrd" ] || [ -z "$nodes" ] || [ -z "$cmd" ]; then usage; fi
case "$nodes" in ''|*[!0-9]*) die "--nodes wants a number" ;; esac
if [ "$nodes" -lt 1 ] || [ "$nodes" -gt 256 ]; then die "--nodes wants 1..256"; fi
[ -f "$kernel" ] || die "kernel $kernel not found"
[ -f "$initrd" ] || die "initrd $initrd not found"
command -v python3 >/dev/null || die "python3 not found"

if [ -z "$logdir" ]; then
	logdir=$(mktemp -d "${TMPDIR:-/tmp}/vr-cluster.XXXXXX")
else
	mkdir -p "$logdir"
fi
# Short path: unix socket names are limited to 107 bytes.
work=$(mktemp -d /tmp/vr-hub.XXXXXX)
hub_pid=''
pids=()
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	[ -z "$hub_pid" ] || { kill -TERM "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; }
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "cluster: interrupted" >&2; exit 130' INT TERM HUP

# One private copy of kernel and initrd for all nodes (they may be rebuilt).
cp "$kernel" "$work/bzImage"
cp "$initrd" "$work/initrd"
mkdir "$work/sock"

python3 "$here/hub.py" "$work/sock" "$nodes" --stats >"$work/hub.out" 2>"$logdir/hub.log" &
hub_pid=$!
for _ in $(seq 100); do
	grep -q '^hub: ready' "$work/hub.out" 2>/dev/null && break
	kill -0 "$hub_pid" 2>/dev/null || die "hub.py failed: $(cat "$logdir/hub.log")"
	sleep 0.05
done
grep -q '^hub: ready' "$work/hub.out" || die "hub.py not ready after 5s"

echo "cluster: $nodes nodes, logs in $logdir" >&2
start=$(date +%s)
for ((i = 0; i < nodes; i++)); do
	vmargs=(--kernel "$work/bzImage" --initrd "$work/initrd" --name "node$i"
		--hub "$work/sock" --index "$i" --node "$i" --nodes "$nodes"
		--mem "$mem" --smp 1 --timeout "$timeout" --cmd "$cmd"
		--log "$logdir/node$i.log")
	[ -z "$append" ] || vmargs+=(--append "$append")
	if [ -n "$quiet" ]; then
		"$here/vm.sh" "${vmargs[@]}" </dev/null >/dev/null 2>"$logdir/node$i.err" &
	else
		"$here/vm.sh" "${vmargs[@]}" </dev/null > >(sed -u "s/^/[node$i] /") 2>&1 &
	fi
	pids+=($!)
done

rcs=()
for ((i = 0; i < nodes; i++)); do
	set +e
	wait "${pids[$i]}"
	rcs+=($?)
	set -e
done
pids=()
kill -TERM "$hub_pid" 2>/dev/null || true
# The hub, and the sed prefixers so their output comes before the summary.
wait || true
hub_pid=''

failed=0
for ((i = 0; i < nodes; i++)); do
	case "${rcs[$i]}" in
	0) what=ok ;;
	124) what="TIMEOUT" ;;
	125) what="no exit marker (crash/panic?)" ;;
	*) what=FAILED ;;
	esac
	[ "${rcs[$i]}" = 0 ] || failed=$((failed + 1))
	echo "cluster: node$i rc=${rcs[$i]} $what (log: $logdir/node$i.log)"
done
echo "cluster: $((nodes - failed))/$nodes nodes ok in $(($(date +%s) - start))s"
[ "$failed" = 0 ]
