#!/usr/bin/env python3
"""Count the leaf results of KTAP/TAP output (KUnit and selftests) in a log.

Kernel timestamps ("[    0.68] ") and node prefixes ("[node0] ") are stripped.
A result line is a leaf unless the result line before it is deeper (then it
summarises a subtest). Prints "PASS FAIL SKIP" and, with -v, each
failing test's line. With --families, prints instead how many leaf results
are of each address family ("IPv4 N IPv6 M": the descriptions that start
with the family, as the data-plane matrices' do).
"""
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok) (\d+)\b ?-? ?(.*)$')
PREFIX = re.compile(r'^(\[\s*\d+\.\d+\]\s?|\[node\d+\]\s?)+')


def count(lines, families=None):
    passed = failed = skipped = 0
    failures = []
    prev_indent = -1
    for raw in lines:
        line = PREFIX.sub('', raw.rstrip('\r\n'))
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1).expandtabs(4))
        # A subtest's summary follows its last (deeper) result directly.
        is_parent = prev_indent > indent
        prev_indent = indent
        if is_parent:
            continue
        desc = m.group(4)
        if families is not None:
            fam = desc.split(' ', 1)[0]
            if fam in families:
                families[fam] += 1
        if re.search(r'#\s*SKIP', desc, re.I):
            skipped += 1
        elif m.group(2) == 'ok':
            passed += 1
        else:
            failed += 1
            failures.append(line.strip())
    return passed, failed, skipped, failures


def main():
    verbose = '-v' in sys.argv[1:]
    by_family = '--families' in sys.argv[1:]
    files = [a for a in sys.argv[1:] if a not in ('-v', '--families')]
    lines = []
    for f in files or ['-']:
        with (sys.stdin if f == '-' else open(f, errors='replace')) as fh:
            lines.extend(fh.readlines())
    families = {'IPv4': 0, 'IPv6': 0}
    p, f, s, failures = count(lines, families)
    if by_family:
        print(' '.join(f'{k} {v}' for k, v in families.items()))
        return
    if verbose:
        for line in failures:
            print('FAILED:', line, file=sys.stderr)
    print(p, f, s)


if __name__ == '__main__':
    main()
