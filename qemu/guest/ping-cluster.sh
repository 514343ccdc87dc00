#!/bin/sh
# Guest side of the cluster self-test (qemu/selftest.sh): node i (VR_NODE of
# VR_NODES) checks its name and MAC, puts 192.0.2.<i+1>/24 (TEST-NET-1, only
# on the VMs' private segment) on eth0 and pings every other node until each
# answered once (busybox ping -c 1 -W 5), within a deadline.
# Then a barrier, so no node powers off while others still ping it: each
# node adds 192.0.2.<101+i> when done and waits until all such addresses
# answer, then lingers a few seconds for the slower nodes to see its own.
# Exit 0 iff every other node answered.
# shellcheck shell=dash
set -u
me=${VR_NODE:?}
n=${VR_NODES:?}
deadline=${PING_DEADLINE:-90}
linger=${PING_LINGER:-3}
say() { echo "ping-cluster[node$me]: $*"; }

rc=0
[ "$(hostname)" = "node$me" ] || { say "FAIL: hostname $(hostname), want node$me"; rc=1; }
want_mac=$(printf '52:54:00:12:34:%02x' "$me")
mac=$(cat /sys/class/net/eth0/address 2>/dev/null) || mac=none
[ "$mac" = "$want_mac" ] || { say "FAIL: eth0 MAC $mac, want $want_mac"; rc=1; }

ip link set eth0 up || { say "FAIL: ip link set eth0 up"; exit 1; }
ip addr add "192.0.2.$((me + 1))/24" dev eth0 || { say "FAIL: ip addr add"; exit 1; }

start=$(cut -d. -f1 /proc/uptime)
elapsed() { echo $(($(cut -d. -f1 /proc/uptime) - start)); }

# wait_for ADDR...: ping each ADDR until it answered once or the deadline.
wait_for() {
	local a tries ok=0
	for a in "$@"; do
		tries=0
		while :; do
			tries=$((tries + 1))
			if ping -c 1 -W 5 "$a" >/dev/null 2>&1; then
				say "$a answered (try $tries, at $(elapsed)s)"
				break
			fi
			if [ "$(elapsed)" -ge "$deadline" ]; then
				say "FAIL: $a did not answer within ${deadline}s ($tries tries)"
				ok=1
				break
			fi
			sleep 1
		done
	done
	return $ok
}

peers='' done_addrs=''
j=0
while [ "$j" -lt "$n" ]; do
	if [ "$j" != "$me" ]; then
		peers="$peers 192.0.2.$((j + 1))"
		done_addrs="$done_addrs 192.0.2.$((j + 101))"
	fi
	j=$((j + 1))
done

# shellcheck disable=SC2086  # word splitting wanted
wait_for $peers || rc=1
if [ "$rc" = 0 ]; then
	say "all $((n - 1)) peers answered"
	ip addr add "192.0.2.$((me + 101))/24" dev eth0
	# shellcheck disable=SC2086
	wait_for $done_addrs || say "warning: not every peer reached the barrier"
	sleep "$linger"
fi
say "eth0: rx $(cat /sys/class/net/eth0/statistics/rx_packets) tx $(cat /sys/class/net/eth0/statistics/tx_packets) packets"
exit "$rc"
