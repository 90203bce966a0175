#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# slowclients.py READY SECONDS KIND:PORT...: slow clients for net-slow.test
# (tests/system/net/slow.sh). For each KIND:PORT (KIND http or echo)
# it opens 48 connections that trickle (http: a GET head announcing a
# 1 MB body, then one byte of body every 9 s; echo: one byte every 9 s)
# and then 48 that sit idle after one request (http: a GET; echo: one
# byte). It touches the file READY once the server has answered or
# closed every one (so it has seen them all), keeps trickling for
# SECONDS (or until SIGTERM), prints how many the server closed, and
# exits. Connections go to 127.0.0.1 only (QEMU's forwarded ports).
import select
import signal
import socket
import sys
import time

TRICKLE = 48
IDLE = 48
EVERY = 9.0
BATCH = 4
HEAD = b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
GET = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"


def open_all(port, n, first, during):
    """n connections to port opened at once (a sequential open would add
    up the host's SYN retries while QEMU's listening socket is full);
    first, if any, is sent on each as soon as it is up; returns them
    with the times they were up; runs during() meanwhile"""
    socks, up = [], {}
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    pending = set(range(n))
    end = time.monotonic() + 50
    while pending and time.monotonic() < end:
        during()
        _, w, _ = select.select([], [socks[i] for i in pending], [], 0.5)
        for s in w:
            i = socks.index(s)
            pending.discard(i)
            up[i] = time.monotonic()
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and first:
                try:
                    s.send(first)
                except OSError:
                    pass
    if pending:
        raise SystemExit("%d connections to port %d did not open" %
                         (len(pending), port))
    return [(socks[i], up[i]) for i in range(n)]


def wait_served(socks, during):
    """until the server has answered each connection or closed it (then
    it has seen them all); reads what came"""
    pending = set(socks)
    end = time.monotonic() + 50
    while pending and time.monotonic() < end:
        during()
        r, _, _ = select.select(list(pending), [], [], 0.5)
        for s in r:
            try:
                s.recv(1 << 16)
            except OSError:
                pass
            pending.discard(s)
    if pending:
        raise SystemExit("%d connections were never answered" % len(pending))


class Stop(Exception):
    pass


def stop(signum, frame):
    raise Stop()


def main():
    ready, seconds, targets = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    trickle, idle, last, closed = [], [], [], set()

    def tick():
        # one byte on each trickling connection whose last was EVERY ago
        now = time.monotonic()
        for i, (t, s) in enumerate(trickle):
            if i in closed or now - last[i] < EVERY:
                continue
            last[i] = now
            try:
                s.send(b"y")
            except OSError:
                closed.add(i)

    # a few at a time (QEMU's listening socket takes few connections at
    # once), then until the server has answered or closed each
    for t in targets:
        kind, port = t.split(":")
        for n, first, into in ((TRICKLE, HEAD if kind == "http" else b"x",
                                trickle),
                               (IDLE, GET if kind == "http" else b"x", idle)):
            for k in range(0, n, BATCH):
                got = open_all(int(port), min(BATCH, n - k), first, tick)
                for s, up in got:
                    into.append((t, s))
                    if into is trickle:
                        last.append(up)
    wait_served([s for _, s in trickle + idle], tick)
    print("opened %d trickling and %d idle connections" %
          (len(trickle), len(idle)), flush=True)
    open(ready, "w").close()
    end = time.monotonic() + seconds
    signal.signal(signal.SIGTERM, stop)
    try:
        while time.monotonic() < end:
            time.sleep(0.5)
            tick()
    except Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name, conns in (("trickling", trickle), ("idle", idle)):
        for t in targets:
            n = 0
            for tt, s in conns:
                if tt != t:
                    continue
                try:
                    while s.recv(1 << 16):  # answers, echoes: read on
                        pass
                    n += 1  # the end of the stream: closed by the server
                except BlockingIOError:
                    pass
                except OSError:
                    n += 1
            print("%s %s: %d of %d closed by the server" %
                  (t, name, n, sum(1 for tt, _ in conns if tt == t)))


main()
