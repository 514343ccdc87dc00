#!/usr/bin/env python3
"""Check that the values the module keeps of the generated vr_nl_gen.h (the multicast
group indices, kernel-internal) are right, and (given the patched kernel tree) that
vrctl/src/sockets.rs has those of inet_diag.h and sock_diag.h. The module takes the
uapi numbers from kernel::uapi, and userspace from the vr-netlink crate, which
generates them from the YNL spec (its cargo test compares them with vr.h)."""
import glob
import re
import sys

top = sys.argv[1]
hdr = (open(f'{top}/include/uapi/linux/vr.h').read()
       + open(f'{top}/modules/vr/vr_nl_gen.h').read())
values = {}
for name, val in re.findall(r'#define\s+(VR_\w+)\s+(\d+)\s*$', hdr, re.M):
    values[name] = int(val)
for body in re.findall(r'enum\s*\w*\s*\{(.*?)\}', hdr, re.S):
    nxt = 0
    for m in re.finditer(r'(\w+)\s*(?:=\s*([^,]+))?,', body):
        name, val = m.group(1), m.group(2)
        if val is not None:
            val = val.strip()
            nxt = int(val) if val.isdigit() else values.get(val.strip('() ').split()[0], -1) + 1
        values[name] = nxt
        nxt += 1
bad = 0
# The module's copies of vr_nl_gen.h's values.
checked = 0
for mirror in sorted(glob.glob(f'{top}/modules/vr/*.rs')):
    rs = open(mirror).read()
    for name, val in re.findall(r'const\s+(VR_\w+):\s*\w+\s*=\s*(0x[0-9a-fA-F]+|\d+);', rs):
        want = values.get(name)
        got = int(val, 0)
        checked += 1
        if want != got:
            print(f'{name}: {mirror[len(top) + 1:]} has {got}, vr_nl_gen.h has {want}')
            bad += 1
print(f'modules/vr: {checked} constants checked')
bad += checked < 2
# vr-netlink's sock_diag constants, against the patched kernel tree's headers.
if len(sys.argv) > 2:
    ksrc = sys.argv[2]
    diag = (open(f'{ksrc}/include/uapi/linux/inet_diag.h').read()
            + open(f'{ksrc}/include/uapi/linux/sock_diag.h').read())
    kvals = {}
    for name, val in re.findall(r'#define\s+(SOCK_DIAG_BY_FAMILY)\s+(\d+)', diag):
        kvals[name] = int(val)
    for body in re.findall(r'enum\s*\w*\s*\{(.*?)\}', diag, re.S):
        nxt = 0
        for m in re.finditer(r'(\w+)\s*(?:=\s*(\d+))?\s*,', re.sub(r'/\*.*?\*/', '', body, flags=re.S)):
            if m.group(2) is not None:
                nxt = int(m.group(2))
            kvals.setdefault(m.group(1), nxt)
            nxt += 1
    rs = open(f'{top}/vr-netlink/src/diag.rs').read()
    found = re.findall(r'const\s+((?:INET_DIAG|SOCK_DIAG)_\w+):\s*\w+\s*=\s*(\d+);', rs)
    for name, val in found:
        if kvals.get(name) != int(val):
            print(f'{name}: vr-netlink/src/diag.rs has {val}, the kernel headers {kvals.get(name)}')
            bad += 1
    print(f'vr-netlink/src/diag.rs: {len(found)} constants checked')
    bad += len(found) < 4
sys.exit(1 if bad else 0)
