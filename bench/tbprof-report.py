#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two instruction profiles of bench/tbprof.c per kernel function.

    tbprof-report.py [--top N] NAME:SYSTEM.MAP:PROFILE:TRANSACTIONS NAME:...

Each profile counts the instructions executed per translation-block start
address in the bench's window; System.map names the kernel function each
address lies in (everything below the kernel's text is "[user]"). Prints
the instructions per transaction of each side, kernel and user, then the
functions whose count per transaction differs most, the second side minus
the first.
"""
import argparse
import bisect
import collections
import sys

KERNEL_TEXT = 0xFFFFFFFF80000000


def load_map(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def load_profile(path, addrs, names):
    per_fn = collections.Counter()
    marks = None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                fields = line.split()
                if len(fields) >= 3 and fields[1] == "marks":
                    marks = int(fields[2])
                continue
            va, n = line.split()
            va = int(va, 16)
            if va < KERNEL_TEXT:
                per_fn["[user]"] += int(n)
                continue
            i = bisect.bisect_right(addrs, va) - 1
            per_fn[names[i] if i >= 0 else "[unknown]"] += int(n)
    return per_fn, marks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("side", nargs=2, help="NAME:SYSTEM.MAP:PROFILE:TRANSACTIONS")
    args = ap.parse_args()
    sides = []
    for spec in args.side:
        name, smap, prof, tx = spec.split(":")
        tx = int(tx)
        if tx <= 0:
            sys.exit(f"tbprof-report: {name}: no transactions")
        per_fn, marks = load_profile(prof, *load_map(smap))
        if marks is None or marks < 2:
            sys.exit(f"tbprof-report: {name}: the window was not marked twice ({marks})")
        sides.append((name, {k: v / tx for k, v in per_fn.items()}, tx, marks))

    (an, a, atx, am), (bn, b, btx, bm) = sides
    print(f"instructions per transaction ({an}: {atx} transactions, {bn}: {btx}; "
          f"marks seen {am}, {bm})")
    for what, sel in (("kernel", lambda k: k != "[user]"), ("user", lambda k: k == "[user]")):
        x = sum(v for k, v in a.items() if sel(k))
        y = sum(v for k, v in b.items() if sel(k))
        print(f"  {what:7} {an} {x:10.0f}  {bn} {y:10.0f}  {bn}-{an} {y - x:+9.0f} ({(y / x - 1) * 100 if x else 0:+.2f}%)")
    x, y = sum(a.values()), sum(b.values())
    print(f"  {'total':7} {an} {x:10.0f}  {bn} {y:10.0f}  {bn}-{an} {y - x:+9.0f} ({(y / x - 1) * 100:+.2f}%)")
    print(f"  so {an}/{bn} transactions per instruction: {x / y:.4f}")
    fns = set(a) | set(b)
    diff = sorted(fns, key=lambda k: -abs(b.get(k, 0) - a.get(k, 0)))
    print(f"\nfunctions by |{bn} - {an}| (instructions per transaction; - : not run)")
    print(f"  {an:>9} {bn:>9} {'delta':>9}  function")
    for k in diff[:args.top]:
        fa = f"{a[k]:9.1f}" if k in a else f"{'-':>9}"
        fb = f"{b[k]:9.1f}" if k in b else f"{'-':>9}"
        print(f"  {fa} {fb} {b.get(k, 0) - a.get(k, 0):+9.1f}  {k}")


if __name__ == "__main__":
    main()
