#!/bin/sh
# Guest side of the exit-status self-test: exit with the value of vr.rc= on
# the kernel command line (default 0), or sleep forever with vr.rc=hang.
# shellcheck shell=dash
rc=0
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case "$arg" in vr.rc=*) rc=${arg#vr.rc=} ;; esac
done
echo "exit-rc: node ${VR_NODE:-?} on $(hostname), exiting with $rc"
if [ "$rc" = hang ]; then
	while :; do sleep 3600; done
fi
exit "$rc"
