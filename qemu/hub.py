#!/usr/bin/env python3
"""Tiny Ethernet hub for the test VMs (python3 stdlib only).

    qemu/hub.py SOCKDIR N

Binds N unix datagram sockets SOCKDIR/hub-<i>.sock. VM i runs QEMU with
    -netdev dgram,id=l2,local.type=unix,local.path=SOCKDIR/vm-<i>.sock,
                        remote.type=unix,remote.path=SOCKDIR/hub-<i>.sock
so each datagram is one Ethernet frame. Every frame received from VM i is
sent to every other VM (a hub: tests see floods too). A frame for a VM whose
socket is not there yet, or whose queue is full, is dropped silently.
Traffic never leaves these unix sockets. Runs until killed (SIGTERM/SIGINT);
removes its sockets on exit. Prints "hub: ready" on stdout once all sockets
are bound. Optional: --stats prints per-port counters on exit to stderr.
"""

import errno
import os
import selectors
import signal
import socket
import sys

MAX_FRAME = 65536
DROP_ERRNOS = {errno.ENOENT, errno.ECONNREFUSED, errno.EAGAIN,
               errno.ENOBUFS, errno.EPERM, errno.ENOTCONN}


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    stats = "--stats" in argv[1:]
    if len(args) != 2 or not args[1].isdigit() or int(args[1]) < 1:
        print("usage: hub.py SOCKDIR N [--stats]", file=sys.stderr)
        return 2
    sockdir, n = args[0], int(args[1])
    if not os.path.isdir(sockdir):
        print(f"hub: error: {sockdir} is not a directory", file=sys.stderr)
        return 1

    hub_paths = [os.path.join(sockdir, f"hub-{i}.sock") for i in range(n)]
    vm_paths = [os.path.join(sockdir, f"vm-{i}.sock") for i in range(n)]
    socks = []
    rx = [0] * n
    tx = [0] * n
    drop = [0] * n

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
            for key, _ in sel.select():
                i = key.data
                while True:
                    try:
                        frame = socks[i].recv(MAX_FRAME)
                    except (BlockingIOError, InterruptedError):
                        break
                    rx[i] += 1
                    for j in range(n):
                        if j == i:
                            continue
                        try:
                            # From hub-<j>: the peer QEMU j is connected to.
                            socks[j].sendto(frame, socket.MSG_DONTWAIT,
                                            vm_paths[j])
                            tx[j] += 1
                        except OSError as e:
                            if e.errno not in DROP_ERRNOS:
                                raise
                            drop[j] += 1
    except SystemExit:
        pass
    finally:
        cleanup()
        if stats:
            for i in range(n):
                print(f"hub: port {i}: rx {rx[i]} tx {tx[i]} dropped {drop[i]}",
                      file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
