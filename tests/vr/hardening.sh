#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2317 # test functions are called indirectly
#
# Selftest: what an unprivileged or careless user would try against VRs,
# each case a bug once found in review (Oops, confused deputy, a task's VR
# leaking into another network namespace, a VR re-created under tasks or
# sockets that were left in it, no limit on VRs per namespace).
#
#   netns vrh-PID (tests run here)     user+net namespaces of uid 1000
#   +--------------------------+       +-----------------------------+
#   | lo, VRs 0 and 1          |       | made by vr-priv as 1000 -n  |
#   +--------------------------+       +-----------------------------+
#
# Needs: ip (iproute2), vrctl, vr-priv, vr-sock in PATH.

LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
# lib/ and the test programs are beside the script in the kernel's
# tools/testing/selftests/net/vr; in vr-linux, lib/ is ../lib and the
# programs are in PATH.
LIB=${VR_TEST_LIB:-$HERE/lib}
[ -d "$LIB" ] || LIB=$HERE/../lib
PATH=$HERE:$PATH
# shellcheck source=../lib/iproute2.sh
. "$LIB/iproute2.sh" || { echo "TAP version 13"; echo "Bail out! iproute2's ip not found"; exit 1; }
vr_require

if [ -z "${VR_HARDENING_NS:-}" ]; then
	ns=vrh-$$
	ip netns add "$ns" || {
		echo "TAP version 13"
		echo "Bail out! ip netns add failed"
		exit 1
	}
	vr_netns_cleanup "$ns"
	VR_HARDENING_NS=$ns vr_netns_run "$ns" sh "$HERE/$(basename "$0")"
	rc=$?
	exit "$rc"
fi

# shellcheck source=../lib/ktap.sh
. "$LIB/ktap.sh"
T=$(mktemp -d /tmp/vr-hard.XXXXXX) || exit 1
chmod 755 "$T"
cleanup() {
	ktap_bg_stop
	ip netns del "vrh-o-$$" 2>/dev/null
	rm -rf "$T"
}
ktap_trap_cleanup cleanup

t_setup() {
	ktap_run ip link set lo up && ktap_run vrctl create 1
}

# An AF_INET6 bind to a v4-mapped address looks the address up without a
# device: that must not dereference one (it was an Oops any user could cause
# in a user and network namespace of their own).
t_v4mapped_unprivileged() {
	ktap_run vr-priv as 1000 -n -- sh -c \
		'vrctl create 1 && vr-priv bind6 udp ::ffff:127.0.0.1 5000 &&
		 vr-priv bind6 tcp ::ffff:127.0.0.1 5000'
	ktap_expect_rc 0
	ktap_expect_stdout "ok
ok"
}

# ... and is checked in the socket's VR, as an AF_INET bind is.
t_v4mapped_vr() {
	ktap_run vr-priv bind6 udp ::ffff:127.0.0.1 5001
	ktap_expect_stdout "ok"
	ktap_run vrctl exec 1 vr-sock bind udp 127.0.0.1 5001
	ktap_expect_stdout "error: EADDRNOTAVAIL"
	ktap_run vrctl exec 1 vr-priv bind6 udp ::ffff:127.0.0.1 5001
	ktap_expect_stdout "error: EADDRNOTAVAIL"
}

t_proc_mode() {
	ktap_expect_eq "mode of /proc/self/vr" 644 "$(stat -c %a /proc/self/vr)"
	ktap_expect_eq "mode of /proc/self/task/TID/vr" 644 "$(stat -c %a /proc/$$/task/$$/vr)"
	ktap_run vr-priv as 1000 -- vr-priv write /proc/1/vr 1
	ktap_expect_stdout "open: error: EACCES"
	ktap_run vr-priv as 1000 -- vr-priv write /proc/self/vr 1
	ktap_expect_stdout "write: error: EPERM"
}

# The writer's privilege is that of whoever opened the file: an unprivileged
# user cannot have a privileged program write to a descriptor it opened.
t_proc_deputy() {
	ktap_run vr-priv deputy 1000 1
	ktap_expect_stdout "write: error: EPERM
child vr: 0"
}

# Opening it for writing needs the right to ptrace the task: a process of the
# same user that has capabilities the opener lacks is out of reach (the file
# permissions alone would let the opener in).
t_proc_ptrace() {
	ktap_bg_ready "$T/capped" vr-priv as 1000 -k -- sh -c 'echo ready; exec sleep 60'
	capped=$KTAP_BG_PID
	ktap_run vr-priv as 1000 -- vr-priv write /proc/$capped/vr 1
	ktap_expect_stdout "open: error: EACCES"
	ktap_bg_stop
}

# The root of a user namespace cannot move a task it may not ptrace, even one
# that entered its network namespace.
t_proc_container() {
	ktap_bg_ready "$T/ct" vr-priv as 1000 -n -- \
		sh -c 'vrctl create 1 && echo ready && exec sleep 60'
	ct=$KTAP_BG_PID
	# the child of "as" that runs sleep has the same pid (exec)
	ktap_run_bg "$T/host" nsenter --net=/proc/$ct/ns/net sleep 60
	host=$KTAP_BG_PID
	KTAP_BG_PIDS="$KTAP_BG_PIDS $host"
	sleep 0.2
	# uid 1000, root of the namespaces it made
	ktap_run vr-priv as 1000 -- vr-priv enter $ct -- vr-priv write /proc/$host/vr 1
	ktap_expect_match "refused" "*error: E*" "$KTAP_STDOUT_TEXT"
	ktap_expect_eq "host task's VR" 0 "$(cat /proc/$host/vr)"
	ktap_bg_stop
}

# A task's VR is one of its network namespace: a move to another one
# (unshare, setns, clone) puts it in VR 0 there.
t_netns() {
	ktap_run ip netns add vrh-o-$$ || return 1
	ktap_run vr-priv netns 1 /run/netns/vrh-o-$$
	ktap_expect_stdout "before: vr 1
fork: vr 1
unshare: vr 0
setns: vr 0
clone: vr 0
after: vr 1"
	ip netns del vrh-o-$$
}

# A VR with tasks in it cannot be deleted: a VR created later with the same
# id would adopt them.
t_delete_with_tasks() {
	ktap_run vrctl create 2
	ktap_bg_ready "$T/in2" vrctl exec 2 sh -c 'echo ready; exec sleep 60'
	ktap_run vrctl delete 2
	ktap_expect_rc 1
	ktap_expect_stderr "Error: VR still has tasks (Device or resource busy)"
	ktap_bg_stop
	ktap_run vrctl delete 2
	ktap_expect_rc 0
}

# Nor one with a socket in it, even one neither bound nor connected (in no
# protocol table): a VR created later with the same id would adopt it.
# delete_busy_until_stopped: VR 2 cannot be deleted while the background
# holder of its socket runs, and can be deleted as soon as it is stopped (an
# RCU-freed UDP socket gives its VR back when closed, not a grace period
# later).
delete_busy_until_stopped() {
	ktap_run vrctl delete 2
	ktap_expect_rc 1
	ktap_expect_stderr "Error: VR still has sockets (Device or resource busy)"
	ktap_bg_stop
	ktap_run vrctl delete 2
	ktap_expect_rc 0
}

t_delete_with_sockets() {
	ktap_run vrctl create 2
	# Moved to VR 2 by SO_VR, by a task in VR 0.
	ktap_bg_ready "$T/so" vr-priv hold udp -s 2
	delete_busy_until_stopped
	# Made in VR 2 by a task that left it for VR 0 afterwards.
	ktap_run vrctl create 2
	ktap_bg_ready "$T/left" vrctl exec 2 vr-priv hold tcp -0
	delete_busy_until_stopped
	# A deleted VR takes no socket: SO_VR to it is refused.
	ktap_run vr-sock sovr set 2 fresh
	ktap_expect_stdout "error: ENONET"
}

# Each namespace has a limit on its VRs (net.vr.max_vrs); a user namespace's
# own network namespaces cannot raise it.
t_limit() {
	local enospc="Error: too many VRs in this network namespace (net.vr.max_vrs)"
	ktap_expect_eq "default limit" 1024 "$(cat /proc/sys/net/vr/max_vrs)"
	ktap_run sh -c 'echo 3 > /proc/sys/net/vr/max_vrs'
	ktap_run vrctl create 2
	ktap_run vrctl create 3
	ktap_expect_rc 0
	ktap_run vrctl create 4
	ktap_expect_rc 1
	ktap_expect_stderr "$enospc (No space left on device)"
	ktap_run vrctl delete 3
	ktap_run vrctl delete 2
	ktap_run sh -c 'echo 1024 > /proc/sys/net/vr/max_vrs'
	ktap_run vr-priv as 1000 -n -- sh -c 'echo 65535 > /proc/sys/net/vr/max_vrs'
	ktap_expect_rc 1
	ktap_run vr-priv as 1000 -n -- vr-priv vrs 1030
	ktap_expect_stdout "created 1024
then: error: ENOSPC"
}

suite() {
	ktap_test_result "setup: VR 1" t_setup
	ktap_test_result "/proc/<pid>/vr: mode 0644, writes need CAP_NET_ADMIN" t_proc_mode
	ktap_test_result "/proc/<pid>/vr: the opener's privilege counts, not the writer's" \
		t_proc_deputy
	ktap_test_result "/proc/<pid>/vr: only a task the opener may ptrace" t_proc_ptrace
	ktap_test_result "/proc/<pid>/vr: a namespace's root cannot move a host task" \
		t_proc_container
	ktap_test_result "a task's VR does not follow it into another network namespace" t_netns
	ktap_test_result "a VR with tasks cannot be deleted" t_delete_with_tasks
	ktap_test_result "a VR with sockets, even unbound, cannot be deleted" t_delete_with_sockets
	ktap_test_result "VRs per namespace are limited" t_limit
	# Last: on a kernel with the bug, they take the test machine down.
	ktap_test_result "v4-mapped AF_INET6 bind by a user in its own namespaces: no Oops" \
		t_v4mapped_unprivileged
	ktap_test_result "v4-mapped AF_INET6 bind: checked in the socket's VR" t_v4mapped_vr
}
ktap_run_suite suite
