#!/usr/bin/env bash
# The main job (`make run`): build everything and boot the demo VM, which
# creates two VRs, assigns interfaces and prints `vrctl show`.
# With --shell (`make shell`): an interactive shell in the VM instead
# (vrctl, ip and vr-demo are there; leave with `exit` or Ctrl-a x).
set -euo pipefail
. "$(dirname "$0")/env.sh"
build_vm
if [ "${1:-}" = --shell ]; then
	exec "$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --shell
fi
exec "$TOP/qemu/vm.sh" --kernel "$kernel" --initrd "$img" --cmd /usr/bin/vr-demo \
	--timeout 300 --log "$CACHE/logs/demo.log"
