#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""List the IPv4 (or IPv6) call sites the VR isolation audit must name.

Usage: vr-audit.py [--family 4|6] [--lines] KERNEL_TREE
       vr-audit.py [--family 4|6] --check AUDIT_TSV KERNEL_TREE

--family picks the audited functions and paths: 4 (the default) those of
the IPv4 stack (Documentation/networking/vr-audit.tsv), 6 those of the
IPv6 stack (Documentation/networking/vr-audit6.tsv).
With --lines, a fourth column gives the line numbers of the calls.
With --check, compares the call sites with the audit list (file, function,
called function, status, why) and exits 1 if a call site is not named, a
named one is gone, or a row is malformed (the `make check` hook).

Prints one line per (file, enclosing function, called function):
    file<TAB>enclosing_function<TAB>called_function
sorted and unique. Comments, string literals, preprocessor lines and the
definitions / prototypes of the audited functions are skipped.

The enclosing function is the nearest preceding line at column 0 that
starts a C function definition (kernel coding style: the return type and
the name start at column 0, the body's "{" is at column 0 after the
parameter list). Calls inside macro bodies (#define) are attributed to
"#define NAME".
"""
import os
import re
import sys

# Audited functions: an exact name, or a prefix ending in '*'.
AUDITED = [
    "fib_lookup", "__fib_lookup", "fib_table_lookup",
    "ip_route_output*", "__ip_route_output_key", "ip_route_connect",
    "ip_route_newports",
    "ip_route_input*",
    "fib_validate_source*", "ip_mc_validate_source", "ip_route_use_hint",
    "__ip_dev_find", "ip_dev_find", "ip_dev_find_vr", "inet_lookup_ifaddr*",
    "inet_select_addr",
    "inet_addr_type", "inet_addr_type_table", "inet_addr_type_dev_table",
    "inet_dev_addr_type",
    "__inet_lookup_established", "__inet_lookup_listener",
    "inet_lookup_established", "inet_lookup_listener",
    "__inet_lookup", "inet_lookup", "__inet_lookup_skb",
    "__udp4_lib_lookup", "udp4_lib_lookup", "udp4_lib_lookup_skb",
    "raw_v4_match", "ping_lookup",
    # not in the list, but they pick sockets too: the BPF
    # sk_lookup program and the SO_REUSEPORT group selection
    "inet_lookup_run_sk_lookup", "inet_lookup_reuseport",
    # the socket lookups of protocols with their own tables (L2TP/IP, SCTP)
    "__l2tp_ip_bind_lookup", "__sctp_rcv_lookup_endpoint",
    "__sctp_lookup_association",
    "ip_defrag", "ip_check_defrag",
    "__neigh_lookup", "neigh_lookup", "__ipv4_neigh_lookup",
    "__ipv4_neigh_lookup_noref",
]

# Directories (recursive) and single files audited.
AUDITED_PATHS = [
    "net/ipv4", "net/core", "net/xfrm", "net/l2tp", "net/sctp",
    "net/mptcp", "net/smc", "net/netfilter", "net/sched", "net/bpf",
    "drivers/net/vrf.c", "drivers/net/vxlan", "drivers/net/geneve.c",
    "drivers/net/ipvlan", "drivers/net/wireguard",
    "net/tipc/udp_media.c", "net/rxrpc", "net/dccp",
    # IPv6 code that does IPv4 lookups: IPv4 over IPv6 tunnels (ip4ip6,
    # sit, vti6), dual-stack binds, SRv6 End.DX4/DT4
    "net/ipv6",
]

# The neighbour lookups of net/ipv6 are neighbour discovery's, audited with
# IPv6 (vr-audit6.tsv).
ONLY_IN4 = {
    name: tuple(p for p in AUDITED_PATHS if p != "net/ipv6")
    for name in ("neigh_lookup", "__neigh_lookup")
}

# IPv6: the route, address, socket, reassembly and neighbour lookups of
# the IPv6 stack. The neighbour lookups of the generic neighbour code
# (neigh_lookup and the rest) are in the IPv4 list already; here only their
# calls in net/ipv6 (neighbour discovery) count (ONLY_IN6).
AUDITED6 = [
    # routes
    "ip6_route_output*", "ip6_route_lookup", "ip6_route_input*",
    "ip6_pol_route*", "fib6_lookup", "fib6_table_lookup", "fib6_rule_lookup",
    "rt6_lookup*", "ip6_dst_lookup*", "ip6_sk_dst_lookup_flow",
    "ip6_route_get_saddr", "icmp6_dst_alloc",
    # the underlay route of the UDP tunnels (vxlan, geneve, bareudp)
    "udp_tunnel6_dst_lookup",
    # addresses
    "ipv6_chk_addr*", "ipv6_get_ifaddr", "ipv6_dev_get_saddr*",
    "ipv6_dev_find*", "ipv6_chk_acast_addr*", "ipv6_chk_home_addr",
    "ipv6_chk_prefix",
    # sockets
    "__inet6_lookup_established", "inet6_lookup_listener",
    "__inet6_lookup", "inet6_lookup", "__inet6_lookup_skb",
    "inet6_lookup_run_sk_lookup", "inet6_lookup_reuseport",
    "__udp6_lib_lookup*", "udp6_lib_lookup*", "raw_v6_match", "ping_lookup",
    "__l2tp_ip6_bind_lookup",
    # reassembly (fq_find: the queue lookups of reassembly.c and
    # nf_conntrack_reasm.c)
    "fq_find", "nf_ct_frag6_gather",
    # neighbours
    "__ipv6_neigh_lookup*", "neigh_lookup", "__neigh_lookup",
    "pneigh_lookup",
]

# Audited functions whose calls count in some paths only (IPv6).
ONLY_IN6 = {
    "neigh_lookup": ("net/ipv6/",),
    "__neigh_lookup": ("net/ipv6/",),
    "pneigh_lookup": ("net/ipv6/",),
}

AUDITED6_PATHS = [
    "net/ipv6", "net/core", "net/netfilter", "net/xfrm", "net/sched",
    "net/bpf", "net/l2tp", "net/sctp", "net/mptcp", "net/smc",
    "drivers/net/vrf.c", "drivers/net/vxlan", "drivers/net/geneve.c",
    "drivers/net/ipvlan", "drivers/net/wireguard",
    "net/tipc/udp_media.c", "net/rxrpc",
    # IPv4 code that does IPv6 lookups: ping sockets of both families, the
    # RFC 8335 probe, sock_diag, IPv6 gateways of IPv4 routes, vti
    "net/ipv4",
]

FAMILIES = {
    "4": (AUDITED, AUDITED_PATHS, ONLY_IN4),
    "6": (AUDITED6, AUDITED6_PATHS, ONLY_IN6),
}

EXACT = set()
PREFIXES = ()
ONLY_IN = {}
PATHS = []


def select_family(family):
    """Make the audited functions and paths those of IPv@family."""
    global EXACT, PREFIXES, ONLY_IN, PATHS
    names, PATHS, ONLY_IN = FAMILIES[family]
    EXACT = {a for a in names if not a.endswith("*")}
    PREFIXES = tuple(a[:-1] for a in names if a.endswith("*"))


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CALL = re.compile(r"(?<![A-Za-z0-9_.>])([A-Za-z_][A-Za-z0-9_]*)\s*\(")
C_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do",
              "else", "case", "goto", "typeof", "__typeof__", "defined"}


def audited(name, rel=""):
    if name in ONLY_IN and not rel.startswith(ONLY_IN[name]):
        return False
    return name in EXACT or name.startswith(PREFIXES)


def strip_comments_and_strings(text):
    """Blank out comments and string/char literals, keeping newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    break
                j += 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c
                       if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


MACRO_DEF = re.compile(r"(BPF_CALL_\d|SYSCALL_DEFINE\d|COMPAT_SYSCALL_DEFINE\d|"
                       r"[A-Z][A-Z0-9_]*_DEFINE\w*)$")


def function_name(header):
    """Name of the function defined by @header (the text before its '{').

    Kernel style puts the return type and the name at column 0 and the
    body's '{' alone at column 0 on the next line; attributes such as
    static, inline, __always_inline, INDIRECT_CALLABLE_SCOPE, __init or
    noinline precede the name. A definition made by a macro, e.g.
    BPF_CALL_3(bpf_foo, ...), is named by the macro's first argument.
    """
    depth = 0
    # the name is the identifier before the first '(' at depth 0
    m = re.match(r"([^(]*?)([A-Za-z_][A-Za-z0-9_]*)\s*\(", header, re.S)
    if not m:
        return None
    name = m.group(2)
    if name in C_KEYWORDS:
        return None
    if MACRO_DEF.match(name):
        a = IDENT.match(header[m.end():].strip())
        return a.group(0) if a else name
    return name


def enclosing_functions(clean_lines):
    """For each line index, the enclosing function name ('' if none).

    A body starts with '{' at column 0 and ends with '}' at column 0; its
    header is the column-0 text between the previous declaration or body
    and the '{'. Lines of a multi-line #define get "#define NAME".
    """
    owner = [""] * len(clean_lines)
    current = ""
    in_define = None
    header = []
    for i, line in enumerate(clean_lines):
        if in_define is not None:
            owner[i] = in_define
            if not line.rstrip().endswith("\\"):
                in_define = None
            continue
        s = line.lstrip()
        if s.startswith("#"):
            m = re.match(r"\s*#\s*define\s+(\w+)", line)
            if m:
                owner[i] = "#define " + m.group(1)
                if line.rstrip().endswith("\\"):
                    in_define = owner[i]
            else:
                owner[i] = current
            continue
        if current:
            owner[i] = current
            if line.startswith("}"):
                current = ""
                header = []
            continue
        if line.startswith("{"):
            name = function_name(" ".join(header))
            current = name or "?"
            owner[i] = current
            header = []
            continue
        stripped = line.strip()
        if not stripped:
            header = []
        elif line[0] not in " \t" and not header:
            header = [line]
        elif header:
            header.append(line)
        if stripped.endswith((";", "}")):
            header = []
        # a body opened on the header's own line: "int f(void) {"
        if header and stripped.endswith("{") and ")" in stripped and \
           not re.search(r"=\s*\{$", stripped) and \
           not re.match(r"(struct|union|enum)\b[^(]*\{$", header[0]):
            name = function_name(" ".join(header))
            if name:
                current = name
                owner[i] = current
                header = []
    return owner


def calls_in_file(path, rel):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    clean = strip_comments_and_strings(text).split("\n")
    owner = enclosing_functions(clean)
    found = []
    for idx, line in enumerate(clean):
        for m in CALL.finditer(line):
            name = m.group(1)
            if not audited(name, rel):
                continue
            fn = owner[idx]
            if not fn:
                continue  # file scope: a definition or a prototype
            if fn == "#define " + name:
                continue  # a macro defining the audited name itself
            found.append((rel, fn, name, idx + 1))
    return found


def iter_files(tree):
    for p in PATHS:
        full = os.path.join(tree, p)
        if os.path.isfile(full):
            yield full, p
        elif os.path.isdir(full):
            for root, dirs, files in os.walk(full):
                dirs.sort()
                for fn in sorted(files):
                    if fn.endswith((".c", ".h")):
                        fp = os.path.join(root, fn)
                        yield fp, os.path.relpath(fp, tree)


STATUSES = ("keyed", "refused", "vr0", "leak")


def check(rows, audit_path, family="4"):
    """Compare the call sites with the audit list; 0 if it names them all.

    The audit list has five TAB-separated columns: file, enclosing
    function, called function, status, why. A call site the list does not
    name fails the check, as does a listed one that no longer exists (the
    documentation table is generated from the list) or a row without a
    valid status or reason.
    """
    listed = {}
    bad = 0
    with open(audit_path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5 or cols[3] not in STATUSES or not cols[4]:
                sys.stderr.write("%s:%d: malformed row (want file, function, "
                                 "callee, %s, why)\n"
                                 % (audit_path, n, "|".join(STATUSES)))
                bad += 1
                continue
            listed[tuple(cols[:3])] = cols[3]
    for key in sorted(set(rows) - set(listed)):
        sys.stderr.write("new call site not in the isolation audit: %s "
                         "(lines %s)\n" % ("\t".join(key),
                                           ",".join(map(str, rows[key]))))
        bad += 1
    for key in sorted(set(listed) - set(rows)):
        sys.stderr.write("audited call site no longer exists: %s\n"
                         % "\t".join(key))
        bad += 1
    if bad:
        # the statuses are those of the IPv4 section for both families
        sys.stderr.write("isolation audit%s: %d problem(s); classify new call "
                         "sites in %s (Documentation/networking/vr.rst, "
                         "\"Isolation audit (IPv4)\")\n"
                         % ("" if family == "4" else " (IPv6)", bad,
                            audit_path))
    return 1 if bad else 0


def main(argv):
    args = argv[1:]
    lines = "--lines" in args
    args = [a for a in args if a != "--lines"]
    family = "4"
    if "--family" in args:
        i = args.index("--family")
        if i + 1 >= len(args) or args[i + 1] not in FAMILIES:
            sys.stderr.write("--family needs 4 or 6\n")
            return 2
        family = args[i + 1]
        del args[i:i + 2]
    select_family(family)
    audit = None
    if "--check" in args:
        i = args.index("--check")
        if i + 1 >= len(args):
            sys.stderr.write("--check needs the audit list\n")
            return 2
        audit = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.stderr.write("usage: vr-audit.py [--family 4|6] [--lines] "
                         "[--check AUDIT_TSV] KERNEL_TREE\n")
        return 2
    tree = args[0]
    if not os.path.isdir(os.path.join(tree, "net", "ipv4")):
        sys.stderr.write("%s: not a kernel tree\n" % tree)
        return 2
    rows = {}
    for full, rel in iter_files(tree):
        for f, fn, name, ln in calls_in_file(full, rel):
            rows.setdefault((f, fn, name), []).append(ln)
    if audit:
        return check(rows, audit, family)
    for key in sorted(rows):
        out = list(key)
        if lines:
            out.append(",".join(str(n) for n in sorted(rows[key])))
        print("\t".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
