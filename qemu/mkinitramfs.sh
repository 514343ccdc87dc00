#!/usr/bin/env bash
# Build the initramfs of the test VMs: busybox-static, qemu/init as /init,
# the usual directories, and every --add SRC:DST (a file, or a directory
# copied recursively, modes kept). No root needed: files are staged in a
# temporary directory and archived as newc with owner 0:0.
#
#   qemu/mkinitramfs.sh --out FILE.cpio.gz [--add SRC:DST]... \
#                       [--busybox PATH] [--init PATH]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "mkinitramfs: error: $*" >&2; exit 1; }
usage() {
	echo "usage: mkinitramfs.sh --out FILE.cpio.gz [--add SRC:DST]... [--busybox PATH] [--init PATH]" >&2
	exit 2
}

out=
busybox=${BUSYBOX:-/bin/busybox}
init=$here/init
adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--add) [ $# -ge 2 ] || usage; adds+=("$2"); shift 2 ;;
	--busybox) [ $# -ge 2 ] || usage; busybox=$2; shift 2 ;;
	--init) [ $# -ge 2 ] || usage; init=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "mkinitramfs: unknown argument: $1" >&2; usage ;;
	esac
done
[ -n "$out" ] || usage
[ -x "$busybox" ] || die "$busybox not found (Debian: apt-get install busybox-static)"
if LC_ALL=C file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
	die "$busybox is dynamically linked; the VMs need busybox-static"
fi
[ -f "$init" ] || die "$init not found"
command -v cpio >/dev/null || die "cpio not found"

stage=$(mktemp -d "${TMPDIR:-/tmp}/vr-initramfs.XXXXXX")
tmp_out=
trap 'rm -rf "$stage" ${tmp_out:+"$tmp_out"}' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc,lib,mnt}
chmod 1777 "$stage/tmp"
chmod 0700 "$stage/root"
cp "$busybox" "$stage/bin/busybox"
chmod 0755 "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$init" "$stage/init"
chmod 0755 "$stage/init"

for spec in "${adds[@]}"; do
	case "$spec" in *:*) ;; *) die "--add wants SRC:DST, got '$spec'" ;; esac
	src=${spec%:*}
	dst=${spec##*:}
	dst=${dst#/}
	if [ -z "$src" ] || [ -z "$dst" ]; then die "--add wants SRC:DST, got '$spec'"; fi
	[ -e "$src" ] || die "--add $spec: $src does not exist"
	case "/$dst/" in */../*) die "--add $spec: '..' not allowed in DST" ;; esac
	mkdir -p "$stage/$(dirname "$dst")"
	if [ -d "$src" ]; then
		mkdir -p "$stage/$dst"
		# Contents of SRC into DST (merging with what is there), modes kept.
		cp -a --no-preserve=ownership "$src/." "$stage/$dst/"
	else
		rm -rf "${stage:?}/$dst"
		cp -L --preserve=mode,timestamps "$src" "$stage/$dst"
	fi
done

# A newc archive holding only the character device NAME (MAJOR:MINOR), so
# the kernel finds /dev/console before devtmpfs is mounted, without mknod.
# The kernel unpacks concatenated archives.
cpio_chardev() { # NAME MAJOR MINOR
	local name=$1 namesize=$((${#1} + 1)) pad
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		1 $((8#020600)) 0 0 1 0 0 0 0 "$2" "$3" "$namesize" 0 "$name"
	pad=$(((4 - (110 + namesize) % 4) % 4))
	head -c "$pad" /dev/zero
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0\0\0\0' \
		0 0 0 0 1 0 0 0 0 0 0 11 0 'TRAILER!!!'
}

mkdir -p "$(dirname "$out")"
tmp_out=$(mktemp "$out.XXXXXX")
{
	(cd "$stage" && find . -mindepth 1 -print | LC_ALL=C sort |
		cpio -o -H newc --owner=0:0 --reproducible --quiet)
	cpio_chardev dev/console 5 1
} | gzip -n -6 >"$tmp_out"
mv -f "$tmp_out" "$out"
tmp_out=
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB)" >&2
