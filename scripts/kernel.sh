#!/usr/bin/env bash
# Build the patched kernel: unpack linux-source-7.2 into a git tree in the
# cache, apply kernel-patches/series with `git am` (nothing else is copied
# into the tree: the series carries the module, the uapi header and the
# docs and the selftests), configure (tinyconfig + qemu/kernel.config +
# tests/selftests/config + Kconfig.fragment) and build bzImage. Incremental: only what changed is redone, and a new series
# rewrites only the files whose content it changes.
#
#   scripts/kernel.sh [--base] [--out DIR] [--config FRAGMENT]... [--target TARGET]...
#
# --base: build the same 7.2.y tree *without* the series and modules (a git
# worktree at vr-base, default build tree $VR_CACHE/build/kernel-base), from
# the same config inputs less the options the series adds: the unpatched
# baseline of `make bench`;
# --out: the build tree (default $VR_KOUT or $VR_CACHE/build/kernel);
# --config: a fragment merged after the two above, in order (e.g.
# qemu/debug.config: the kernel of `make check`); --target: what to build
# (default bzImage); --llvm: build with clang and lld (LLVM=-19) instead of
# gcc, as KASAN needs when Rust is enabled.
set -euo pipefail
. "$(dirname "$0")/env.sh"
fragments=("$TOP/qemu/kernel.config" "$TOP/tests/selftests/config" "$TOP/Kconfig.fragment")
targets=()
llvm= base= out=
while [ $# -gt 0 ]; do
	case "$1" in
	--base) base=1; shift ;;
	--out) [ $# -ge 2 ] || die "--out wants a directory"; out=$2; shift 2 ;;
	--config) [ $# -ge 2 ] && [ -f "$2" ] || die "--config wants a file"
		fragments+=("$(realpath "$2")"); shift 2 ;;
	--target) [ $# -ge 2 ] || die "--target wants a make target"; targets+=("$2"); shift 2 ;;
	--llvm) llvm=1; shift ;;
	*) die "unknown argument: $1" ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(bzImage)
[ -z "$base" ] || KOUT=$CACHE/build/kernel-base
[ -z "$out" ] || KOUT=$out
KMAKE=("${KMAKE[@]/#O=*/O=$KOUT}")
if [ -n "$llvm" ]; then
	KMAKE+=(LLVM="$LLVM_SUFFIX")
	# bindgen's libclang from the same LLVM as the C compiler.
	export LIBCLANG_PATH=/usr/lib/llvm${LLVM_SUFFIX}/lib
fi
deps

# --- source tree: pristine commit tagged vr-base ---
if [ ! -d "$KSRC/.git" ]; then
	log "unpacking $(cat "$CACHE/dl/linux-source-7.2.version") into $KSRC"
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -C "$KSRC.tmp" --strip-components=1 -xf "$CACHE/dl/linux-source-7.2.tar.xz"
	git -C "$KSRC.tmp" init -q
	# No automatic gc: a repack of the whole tree would run beside the build.
	git -C "$KSRC.tmp" config gc.auto 0
	git -C "$KSRC.tmp" config maintenance.auto false
	# Debian's linux-source ignores "/*" in .gitignore: add everything anyway.
	git -C "$KSRC.tmp" add -A -f
	git -C "$KSRC.tmp" -c user.name=vr -c user.email=vr@localhost \
		commit -q -m "linux $(cat "$CACHE/dl/linux-source-7.2.version")"
	git -C "$KSRC.tmp" tag vr-base
	mv "$KSRC.tmp" "$KSRC"
fi

# --- the unpatched baseline: a worktree at vr-base, nothing applied ---
if [ -n "$base" ]; then
	bsrc=$KSRC-base
	if [ ! -e "$bsrc/.git" ]; then
		rm -rf "$bsrc"
		git -C "$KSRC" worktree prune
		git -C "$KSRC" worktree add -q --detach "$bsrc" vr-base
	fi
	[ "$(git -C "$bsrc" rev-parse HEAD)" = "$(git -C "$KSRC" rev-parse vr-base)" ] ||
		git -C "$bsrc" checkout -q -f --detach vr-base
	KMAKE=("${KMAKE[@]/#$KSRC/$bsrc}")
	KSRC=$bsrc
	tree=$(git -C "$KSRC" rev-parse 'HEAD^{tree}')
	# The options the series adds do not exist here: not checked.
	added=$(cat "$TOP"/modules/*/Kconfig "$TOP"/kernel-patches/*.patch |
		sed -n 's/^+\{0,1\}config \([A-Z0-9_]*\)$/CONFIG_\1/p' | sort -u)
fi

# --- the series (not for --base) ---
if [ -z "$base" ]; then
	# The tree the series produces is computed in a scratch index first: when it
	# equals what is checked out, nothing is touched (no mtime change, no rebuild).
	series=$(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/kernel-patches/series" || true)
	series_tree() {
		local idx=$KSRC/.git/vr-apply-index p
		rm -f "$idx"
		GIT_INDEX_FILE=$idx git -C "$KSRC" read-tree vr-base
		for p in $series; do
			GIT_INDEX_FILE=$idx git -C "$KSRC" apply --cached "$TOP/kernel-patches/$p" ||
				die "patch kernel-patches/$p does not apply to $(cat "$CACHE/dl/linux-source-7.2.version")"
		done
		GIT_INDEX_FILE=$idx git -C "$KSRC" write-tree
		rm -f "$idx"
	}
	tree=$(series_tree)
	if [ "$(git -C "$KSRC" rev-parse 'HEAD^{tree}')" != "$tree" ]; then
		# git am in a worktree of its own (the commits are the same as if
		# applied here), then the build tree moves to the result: git
		# rewrites only the files whose content differs, so a changed
		# series rebuilds what it changes, not the whole kernel. What the
		# working tree holds is staged first, so that a file that is
		# already as the series has it (left by an older kernel.sh, say)
		# keeps its mtime.
		log "applying kernel-patches/series with git am"
		series_worktree vr-base
		for p in $series; do
			git -C "$SERIES_WT" -c user.name=vr -c user.email=vr@localhost \
				am -q "$TOP/kernel-patches/$p" >/dev/null 2>&1 || {
				git -C "$SERIES_WT" am --abort >/dev/null 2>&1 || true
				die "patch kernel-patches/$p does not apply (git am)"
			}
		done
		[ "$(git -C "$SERIES_WT" rev-parse 'HEAD^{tree}')" = "$tree" ] ||
			die "git am and git apply of kernel-patches/series give different trees"
		git -C "$KSRC" am --abort >/dev/null 2>&1 || true
		# Edits of tracked files not committed in $KSRC would be lost:
		# keep them in a stash.
		if [ -n "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ]; then
			git -C "$KSRC" -c user.name=vr -c user.email=vr@localhost stash push -q \
				-m "kernel.sh: uncommitted edits before applying kernel-patches/series"
			log "uncommitted edits in $KSRC are stashed: git -C $KSRC stash show -p"
		fi
		git -C "$KSRC" add -A -f
		git -C "$KSRC" checkout -q -f -B vr "$(git -C "$SERIES_WT" rev-parse HEAD)"
	fi

	# The files kept at the top level of this repository are in the series
	# as they are (scripts/export-patches.sh makes their patches).
	# Their modes too: a script that lost its executable bit here would
	# otherwise run from the series as it was.
	stale=()
	declare -A carried=() mode=()
	while read -r m _ _ f; do
		mode[$f]=$m
	done < <(tree_files | cut -d' ' -f2 | xargs git -C "$KSRC" ls-tree -r "$tree" --)
	while read -r src dst; do
		[ "$(git hash-object "$TOP/$src")" = "$(git -C "$KSRC" rev-parse -q --verify "$tree:$dst")" ] ||
			stale+=("$src")
		want=100644
		[ -x "$TOP/$src" ] && want=100755
		[ "${mode[$dst]:-}" = "$want" ] || stale+=("$src (mode ${mode[$dst]:-none}, not $want)")
		carried[$dst]=1
	done < <(tree_files)
	for f in $(git -C "$KSRC" ls-tree -r --name-only "$tree" net/vr/ tools/testing/selftests/net/vr/); do
		[ -n "${carried[$f]:-}" ] || stale+=("$f (deleted here)")
	done
	[ ${#stale[@]} -eq 0 ] ||
		die "kernel-patches/ does not carry ${stale[*]} as they are: run 'make patches'"
fi

# --- configuration ---
cfg_hash=$( (cat "${fragments[@]}"; echo "$tree llvm=$llvm${base:+ base}") | sha256sum | cut -d' ' -f1)
mkdir -p "$KOUT"
if [ "$(cat "$KOUT/.vr-config" 2>/dev/null)" != "$cfg_hash" ] || [ ! -f "$KOUT/.config" ]; then
	log "configuring"
	"${KMAKE[@]}" -s tinyconfig >/dev/null
	(cd "$KOUT" && "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KOUT" "$KOUT/.config" \
		"${fragments[@]}" >/dev/null)
	"${KMAKE[@]}" -s olddefconfig >/dev/null
	missing=()
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		want=${line#*=}; opt=${line%%=*}
		[ -z "$base" ] || ! grep -qx "$opt" <<<"$added" || continue
		if [ "$want" = n ]; then
			grep -q "^$opt=" "$KOUT/.config" && missing+=("$opt=n")
		else
			grep -qx "$line" "$KOUT/.config" || missing+=("$line")
		fi
	done < <(cat "${fragments[@]}" | awk -F= '/^CONFIG_/ { v[$1] = $0; if (!($1 in seen)) { seen[$1] = 1; o[n++] = $1 } }
		END { for (i = 0; i < n; i++) print v[o[i]] }')	# the last value of each option
	[ ${#missing[@]} -eq 0 ] || die "options not set after olddefconfig (missing dependency?): ${missing[*]}"
	echo "$cfg_hash" > "$KOUT/.vr-config"
fi

log "building ${targets[*]} in $KOUT"
# A whole build from scratch records its number of steps for the next
# one's estimate (kept beside the cache's build trees).
fresh=0
[ -e "$KOUT/vmlinux" ] || [ "${targets[*]}" != bzImage ] || fresh=1
mkdir -p "$CACHE/build"
steps=$CACHE/build/.steps-$(basename "$KOUT")
rm -f "$steps.new"
"${KMAKE[@]}" --no-print-directory "${targets[@]}" 2>&1 | kbuild_progress "$steps" "$fresh"
[ ! -f "$steps.new" ] || mv "$steps.new" "$steps"
log "built ${targets[*]} in $KOUT ($(cat "$CACHE/dl/linux-source-7.2.version"))"
