#!/usr/bin/env python3
"""Tiny Ethernet hub for the test VMs (python3 stdlib only).

    qemu/hub.py SOCKDIR N [--stats]
    qemu/hub.py --selftest

Binds N unix datagram sockets SOCKDIR/hub-<i>.sock. VM i runs QEMU with
    -netdev dgram,id=l2,local.type=unix,local.path=SOCKDIR/vm-<i>.sock,
                        remote.type=unix,remote.path=SOCKDIR/hub-<i>.sock
so each datagram is one Ethernet frame. Every frame received from VM i is
sent to every other VM (a hub: tests see floods too). A frame for a VM whose
socket is not there yet is dropped silently. A VM whose socket queue is full
(QEMU not scheduled: the kernel queues 10 datagrams per unix socket by
default) gets its frames from a backlog of up to MAX_BACKLOG frames kept in
order, as a switch's port buffer would, and loses frames only beyond that.
Traffic never leaves these unix sockets. Runs until killed (SIGTERM/SIGINT);
removes its sockets on exit. Prints "hub: ready" on stdout once all sockets
are bound. Optional: --stats prints per-port counters on exit to stderr
(frames received, sent, dropped, and not sent because of a cut).

In-band control (port i is VM i, i.e. node i of qemu/cluster.sh): a frame
    destination 02:00:00:00:00:ff, any source MAC, EtherType 0x88B5,
    payload b"VRHUB1 " + COMMAND (ASCII; ends at the payload's end or at
    its first NUL byte, so Ethernet padding is ignored; blanks around it
    are stripped)
from any port is consumed by the hub, never forwarded, whatever the cuts.
COMMAND is one of
    cut A,B C,D   drop every frame between a port of the first list and a
                  port of the second, both ways (cuts accumulate)
    isolate N     cut N from every other port
    heal          remove every cut
The hub answers on the sender's port only: a frame from 02:00:00:00:00:ff
to the command's source MAC, EtherType 0x88B5, payload
    b"VRHUB1 ok " + COMMAND            the cuts are changed (or already so)
    b"VRHUB1 error " + WHY + b": " + COMMAND   nothing changed (unknown
                  command, wrong arguments, port not in 0..N-1)
zero-padded to 60 bytes. Commands are idempotent, so a sender may repeat
one until it sees the answer (tests/tools/vr-hubctl does). Each command is
logged on stderr with a timestamp, its port and the resulting cuts. Every
other frame (another EtherType, destination or payload) is a plain frame.

--selftest runs a hub of 4 ports on temporary sockets and checks forwarding,
the control commands and their answers; exit status 0 iff all passed.
"""

import collections
import errno
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time

MAX_FRAME = 65536
MAX_BACKLOG = 4096
# The receiver's queue is full: keep the frame and retry.
FULL_ERRNOS = {errno.EAGAIN, errno.ENOBUFS}
# No receiver: drop the frame.
DROP_ERRNOS = {errno.ENOENT, errno.ECONNREFUSED, errno.EPERM, errno.ENOTCONN}

CTRL_MAC = bytes.fromhex("0200000000ff")
CTRL_TYPE = b"\x88\xb5"
CTRL_MAGIC = b"VRHUB1 "
ETH_ZLEN = 60


def is_control(frame):
    return (frame[12:14] == CTRL_TYPE and frame[:6] == CTRL_MAC and
            frame[14:21] == CTRL_MAGIC)


def control_answer(dst_mac, text):
    frame = dst_mac + CTRL_MAC + CTRL_TYPE + CTRL_MAGIC + text.encode("ascii")
    return frame.ljust(ETH_ZLEN, b"\0")


def run_command(raw, n, cuts):
    """Run the command @raw (the payload after the magic) on a hub of @n
    ports whose cuts are the set @cuts of port pairs (a, b), a < b.
    Returns (answer text, new cuts)."""
    raw = raw.split(b"\0", 1)[0]
    if any(c < 0x20 or c > 0x7e for c in raw):
        return "error command is not printable ASCII", cuts
    text = raw.decode("ascii").strip()
    words = text.split()

    def err(why):
        return f"error {why}: {text}", cuts

    def ports(word):
        got = set()
        for p in word.split(","):
            if not p.isdigit() or int(p) >= n:
                raise ValueError(f"bad port {p!r} (ports are 0..{n - 1})")
            got.add(int(p))
        return got

    if not words:
        return err("empty command")
    try:
        if words[0] == "heal":
            if len(words) != 1:
                return err("usage: heal")
            return "ok " + text, set()
        if words[0] == "isolate":
            if len(words) != 2:
                return err("usage: isolate N")
            side_a = ports(words[1])
            if len(side_a) != 1:
                return err("usage: isolate N")
            side_b = set(range(n)) - side_a
        elif words[0] == "cut":
            if len(words) != 3:
                return err("usage: cut A,B C,D")
            side_a, side_b = ports(words[1]), ports(words[2])
        else:
            return err("unknown command")
    except ValueError as e:
        return err(str(e))
    new = set(cuts)
    new.update((min(a, b), max(a, b)) for a in side_a for b in side_b if a != b)
    return "ok " + text, new


def destinations(n, cuts):
    """For each port, the ports its frames go to."""
    return [[j for j in range(n)
             if j != i and (min(i, j), max(i, j)) not in cuts]
            for i in range(n)]


def timestamp():
    t = time.time()
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) + \
        f".{int(t * 1000) % 1000:03d}"


def hub(sockdir, n, stats):
    hub_paths = [os.path.join(sockdir, f"hub-{i}.sock") for i in range(n)]
    vm_paths = [os.path.join(sockdir, f"vm-{i}.sock") for i in range(n)]
    socks = []
    rx = [0] * n
    tx = [0] * n
    drop = [0] * n
    cut = [0] * n
    cuts = set()
    dests = destinations(n, cuts)

    def cleanup():
        for s in socks:
            s.close()
        for p in hub_paths:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass

    def on_signal(signum, _frame):
        raise SystemExit(0)

    backlog = [collections.deque() for _ in range(n)]

    def try_send(j, frame):
        """Send @frame to VM @j; False if its queue is full."""
        try:
            # From hub-<j>: the peer QEMU j is connected to.
            socks[j].sendto(frame, socket.MSG_DONTWAIT, vm_paths[j])
            tx[j] += 1
        except OSError as e:
            if e.errno in FULL_ERRNOS:
                return False
            if e.errno not in DROP_ERRNOS:
                raise
            drop[j] += 1
        return True

    def send(j, frame):
        if backlog[j] or not try_send(j, frame):
            if len(backlog[j]) < MAX_BACKLOG:
                backlog[j].append(frame)
            else:
                drop[j] += 1

    def flush():
        for j in range(n):
            while backlog[j] and try_send(j, backlog[j][0]):
                backlog[j].popleft()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    sel = selectors.DefaultSelector()
    try:
        for i, p in enumerate(hub_paths):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(p)
            s.setblocking(False)
            socks.append(s)
            sel.register(s, selectors.EVENT_READ, i)
        print("hub: ready", flush=True)

        while True:
            # While a VM's queue is full, look again every 2 ms.
            waiting = any(backlog)
            for key, _ in sel.select(0.002 if waiting else None):
                i = key.data
                while True:
                    try:
                        frame = socks[i].recv(MAX_FRAME)
                    except (BlockingIOError, InterruptedError):
                        break
                    rx[i] += 1
                    if is_control(frame):
                        answer, cuts = run_command(frame[21:], n, cuts)
                        dests = destinations(n, cuts)
                        send(i, control_answer(frame[6:12], answer))
                        pairs = " ".join(f"{a}-{b}" for a, b in sorted(cuts))
                        print(f"hub: {timestamp()} port {i} "
                              f"({frame[6:12].hex(':')}): {answer}; "
                              f"cuts: {pairs or 'none'}",
                              file=sys.stderr, flush=True)
                        continue
                    cut[i] += n - 1 - len(dests[i])
                    for j in dests[i]:
                        send(j, frame)
            flush()
    except SystemExit:
        pass
    finally:
        cleanup()
        if stats:
            for i in range(n):
                print(f"hub: port {i}: rx {rx[i]} tx {tx[i]} dropped {drop[i]}"
                      f" cut {cut[i]}", file=sys.stderr)
    return 0


def selftest():
    """Run a hub of 4 ports on temporary sockets and check it."""
    n = 4
    failures = []
    ntest = 0

    def check(desc, ok):
        nonlocal ntest
        ntest += 1
        print(f"{'ok' if ok else 'not ok'} {ntest} {desc}", flush=True)
        if not ok:
            failures.append(desc)

    def mac(i):
        return bytes.fromhex(f"5254001234{i:02x}")

    def ctrl(i, cmd, pad=True):
        frame = CTRL_MAC + mac(i) + CTRL_TYPE + CTRL_MAGIC + cmd
        return frame.ljust(ETH_ZLEN, b"\0") if pad else frame

    def answer(i, text):
        return control_answer(mac(i), text)

    with tempfile.TemporaryDirectory(prefix="vr-hubtest.", dir="/tmp") as d:
        vms = []
        for i in range(n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(os.path.join(d, f"vm-{i}.sock"))
            vms.append(s)
        errlog = open(os.path.join(d, "stderr"), "w+")
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                                 d, str(n), "--stats"],
                                stdout=subprocess.PIPE, stderr=errlog, text=True)
        try:
            check("the hub starts", proc.stdout.readline() == "hub: ready\n")

            def tx(i, frame):
                vms[i].sendto(frame, os.path.join(d, f"hub-{i}.sock"))

            def rx_all():
                """What each port has received so far."""
                got = []
                for s in vms:
                    frames = []
                    while True:
                        try:
                            frames.append(s.recv(MAX_FRAME, socket.MSG_DONTWAIT))
                        except BlockingIOError:
                            break
                    got.append(frames)
                return got

            def sync(i, cmd):
                """Send the (idempotent) command @cmd from port @i and wait
                for its answer: the hub has then handled every frame @i
                sent before. Returns what every port received, the answer
                on @i left out (None if it did not come)."""
                tx(i, ctrl(i, cmd))
                want = answer(i, "ok " + cmd.decode())
                got = [[] for _ in range(n)]
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    for j, frames in enumerate(rx_all()):
                        got[j] += frames
                    if want in got[i]:
                        got[i].remove(want)
                        return got
                    time.sleep(0.01)
                return None

            def reach(i, want, state):
                """Does a frame from @i reach exactly the ports @want?"""
                frame = b"\xff" * 6 + mac(i) + b"\x08\x00" + \
                    f"plain frame from {i} #{time.monotonic_ns()}".encode()
                tx(i, frame)
                got = sync(i, state)
                return got is not None and \
                    [j for j in range(n) if got[j] == [frame]] == sorted(want) and \
                    all(got[j] == [] for j in range(n) if j not in want)

            def command(i, cmd, want_text, pad=True):
                """Does @cmd from @i give the answer @want_text, on @i only?"""
                tx(i, ctrl(i, cmd, pad))
                want = answer(i, want_text)
                deadline = time.monotonic() + 5
                got = [[] for _ in range(n)]
                while time.monotonic() < deadline and want not in got[i]:
                    for j, frames in enumerate(rx_all()):
                        got[j] += frames
                    time.sleep(0.01)
                return got[i] == [want] and all(got[j] == [] for j in range(n) if j != i)

            check("a frame reaches every other port",
                  all(reach(i, [j for j in range(n) if j != i], b"heal")
                      for i in range(n)))
            check("heal without cuts: answered on the sender's port only",
                  command(2, b"heal", "ok heal"))
            check("cut 0 1,2: answered", command(1, b"cut 0 1,2", "ok cut 0 1,2"))
            check("cut 0 1,2: 0 reaches only 3", reach(0, [3], b"cut 0 1,2"))
            check("cut 0 1,2: 1 reaches 2, 3", reach(1, [2, 3], b"cut 0 1,2"))
            check("cut 0 1,2: 3 reaches all", reach(3, [0, 1, 2], b"cut 0 1,2"))
            check("cuts accumulate: cut 2 3 (unpadded frame)",
                  command(0, b"cut 2 3", "ok cut 2 3", pad=False) and
                  reach(2, [1], b"cut 2 3") and reach(3, [0, 1], b"cut 2 3"))
            check("heal from a cut port", command(0, b"heal", "ok heal") and
                  all(reach(i, [j for j in range(n) if j != i], b"heal")
                      for i in range(n)))
            check("isolate 3, sent from 3: answered",
                  command(3, b" isolate 3 ", "ok isolate 3"))
            check("isolate 3: 3 reaches nobody", reach(3, [], b"isolate 3"))
            check("isolate 3: 0 reaches 1, 2", reach(0, [1, 2], b"isolate 3"))
            check("heal from the isolated port",
                  command(3, b"heal", "ok heal") and
                  all(reach(i, [j for j in range(n) if j != i], b"heal")
                      for i in range(n)))
            for cmd, why in ((b"frob 1", "unknown command: frob 1"),
                             (b"cut 0 4", "bad port '4' (ports are 0..3): cut 0 4"),
                             (b"cut 0,x 1", "bad port 'x' (ports are 0..3): cut 0,x 1"),
                             (b"cut 0 1,", "bad port '' (ports are 0..3): cut 0 1,"),
                             (b"cut 0", "usage: cut A,B C,D: cut 0"),
                             (b"isolate", "usage: isolate N: isolate"),
                             (b"isolate 1,2", "usage: isolate N: isolate 1,2"),
                             (b"heal now", "usage: heal: heal now"),
                             (b"", "empty command: "),
                             (b"cut 0\x01 1", "command is not printable ASCII")):
                check(f"error: {cmd!r}", command(1, cmd, "error " + why))
            check("an error changes nothing (cut 0 1,9)",
                  command(1, b"cut 0 1,9",
                          "error bad port '9' (ports are 0..3): cut 0 1,9")
                  and reach(0, [1, 2, 3], b"heal"))
            # Not control frames: forwarded as they are.
            other_mac = b"\x02\0\0\0\0\xfe"
            for what, frame in (
                    ("another EtherType",
                     CTRL_MAC + mac(0) + b"\x88\xb6" + CTRL_MAGIC + b"heal"),
                    ("another destination",
                     other_mac + mac(0) + CTRL_TYPE + CTRL_MAGIC + b"heal"),
                    ("without the magic",
                     CTRL_MAC + mac(0) + CTRL_TYPE + b"VRHUB2 heal"),
                    ("a runt", CTRL_MAC + mac(0) + CTRL_TYPE)):
                tx(0, frame)
                got = sync(0, b"heal")
                check(f"{what}: forwarded", got is not None and
                      got[0] == [] and all(got[j] == [frame] for j in (1, 2, 3)))
            # A burst larger than a unix socket's queue (10 datagrams by
            # default) to ports that do not read meanwhile: all of it
            # arrives, in order, once they read.
            burst = [b"\xff" * 6 + mac(0) + b"\x08\x00" + f"burst {k}".encode()
                     for k in range(300)]
            for frame in burst:
                tx(0, frame)
            got = [[] for _ in range(n)]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and \
                    any(len(got[j]) < len(burst) for j in (1, 2, 3)):
                for j, frames in enumerate(rx_all()):
                    got[j] += frames
                time.sleep(0.01)
            check(f"a burst of {len(burst)} frames arrives whole and in order",
                  all(got[j] == burst for j in (1, 2, 3)) and got[0] == [])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            errlog.seek(0)
            log = errlog.read()
            errlog.close()
            for s in vms:
                s.close()
        lines = log.splitlines()
        logged = " port 3 (52:54:00:12:34:03): ok isolate 3; cuts: 0-3 1-3 2-3"
        check("commands logged with a timestamp", any(
            re.match(r"hub: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", line)
            and logged in line for line in lines))
        # From 3: 1 frame cut under "cut 0 1,2" + "cut 2 3", 3 under
        # "isolate 3".
        check("--stats counts the cut frames", any(
            re.fullmatch(r"hub: port 3: rx \d+ tx \d+ dropped 0 cut 4", line)
            for line in lines))
        check("the hub removed its sockets", not any(
            os.path.exists(os.path.join(d, f"hub-{i}.sock")) for i in range(n)))
        if failures:
            print("# hub stderr:\n" + "".join("#   " + line + "\n" for line in log.splitlines()))
    print(f"hub selftest: {ntest - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    opts = [a for a in argv[1:] if a.startswith("--")]
    if opts == ["--selftest"] and not args:
        return selftest()
    if len(args) != 2 or not args[1].isdigit() or int(args[1]) < 1:
        print("usage: hub.py SOCKDIR N [--stats] | hub.py --selftest",
              file=sys.stderr)
        return 2
    sockdir, n = args[0], int(args[1])
    if not os.path.isdir(sockdir):
        print(f"hub: error: {sockdir} is not a directory", file=sys.stderr)
        return 1
    return hub(sockdir, n, "--stats" in opts)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
