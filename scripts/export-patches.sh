#!/usr/bin/env bash
# Developer helper: write the commits on top of vr-base in the cached kernel
# tree back to kernel-patches/ (git format-patch) and regenerate the series.
set -euo pipefail
. "$(dirname "$0")/env.sh"
rm -f "$TOP"/kernel-patches/[0-9][0-9][0-9][0-9]-*.patch
git -C "$KSRC" -c core.abbrev=9 format-patch -q --zero-commit --no-signature -o "$TOP/kernel-patches" vr-base..HEAD
{
	echo "# Patches against Linux 7.2.y, applied in order with git am."
	(cd "$TOP/kernel-patches" && ls [0-9][0-9][0-9][0-9]-*.patch)
} > "$TOP/kernel-patches/series"
cat "$TOP/kernel-patches/series"
