#!/usr/bin/env bash
# Regenerate the uapi header and the kernel-side policy/ops glue of the "vr"
# generic netlink family from its YNL spec, with the kernel tree's own
# ynl_gen_c.py. With --check, only compare (non-zero exit on a difference).
set -euo pipefail
. "$(dirname "$0")/env.sh"
[ -f "$KSRC/tools/net/ynl/pyynl/ynl_gen_c.py" ] || die "no kernel tree at $KSRC (run 'make kernel' first)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/Documentation/netlink/specs" "$tmp/out"
touch "$tmp/MAINTAINERS"	# ynl_gen_c.py locates the tree root by this file
cp "$KSRC"/Documentation/netlink/*.yaml "$tmp/Documentation/netlink/"
cp "$TOP/Documentation/netlink/specs/vr.yaml" "$tmp/Documentation/netlink/specs/"
gen() { timeout 60 python3 "$KSRC/tools/net/ynl/pyynl/ynl_gen_c.py" \
	--spec "$tmp/Documentation/netlink/specs/vr.yaml" "$@"; }
gen --mode uapi --header -o "$tmp/out/vr.h"
gen --mode kernel --header -o "$tmp/out/vr_nl_gen.h"
gen --mode kernel --source -o "$tmp/out/vr_nl_gen.c"
# The generated source includes its header by the spec's name.
rc=0
for f in "include/uapi/linux/vr.h:vr.h" "modules/vr/vr_nl_gen.h:vr_nl_gen.h" "modules/vr/vr_nl_gen.c:vr_nl_gen.c"; do
	dst=$TOP/${f%%:*}; src=$tmp/out/${f##*:}
	if [ "${1:-}" = --check ]; then
		cmp -s "$src" "$dst" || { echo "ynl-gen: $dst is not what $TOP/Documentation/netlink/specs/vr.yaml generates" >&2; rc=1; }
	else
		mkdir -p "$(dirname "$dst")"; cp "$src" "$dst"
	fi
done
exit $rc
