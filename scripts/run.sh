#!/usr/bin/env bash
# The main job (`make run`): build everything and boot the demo VM, which
# creates two VRs, assigns interfaces and prints `vrctl show`.
# With --shell (`make shell`): an interactive shell in the VM instead
# (vrctl, ip and vr-demo are there; leave with `exit` or Ctrl-a x).
# With --dhost (`make dhost-demo`): the distributed host on four VMs.
set -euo pipefail
. "$(dirname "$0")/env.sh"
build_vm
if [ "${1:-}" = --dhost ]; then
	# Four VMs on one L2 segment: a distributed host of three members and a
	# client (tests/cluster/dhost.sh, which prints every command it runs).
	exec "$TOP/qemu/cluster.sh" --kernel "$kernel" --initrd "$img" --nodes 4 \
		--cmd /tests/cluster/dhost.sh --logdir "$CACHE/logs/dhost-demo" --timeout 600
fi
if [ "${1:-}" = --shell ]; then
	exec "$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --shell
fi
exec "$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --cmd /usr/bin/vr-demo \
	--timeout 300 --log "$CACHE/logs/demo.log"
