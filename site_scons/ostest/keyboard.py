# SPDX-License-Identifier: MIT
"""The serial keyboard: typing into a QEMU guest's COM1 through a FIFO.
System tests (their send: lines) and the benchmarks (mkbench's Guest) use
it; QEMU's pipe chardev reads the FIFO, and its logfile= is the console log.
"""

import os
import time

PACE = 0.005                   # seconds between bytes typed on the console


class Keyboard:
    """COM1 input of a test that types: QEMU reads the FIFO <base>.in (a
    pipe chardev), and writes to <base>.out, a link to /dev/null; its
    logfile= is the console log."""

    def __init__(self, base):
        self.base = base
        self.fifo = base + '.in'
        self.sink = base + '.out'
        self.fd = None
        self.close()
        os.mkfifo(self.fifo)
        os.symlink(os.devnull, self.sink)
        # Read-write: no waiting for QEMU to open the other end, and QEMU
        # never sees end-of-file. Non-blocking: a guest that reads nothing
        # fails the test instead of hanging the harness.
        self.fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)

    def chardev(self, log):
        esc = lambda p: p.replace(',', ',,')
        return 'pipe,id=com1,path=%s,logfile=%s' % (esc(self.base), esc(log))

    def write(self, data):
        """Types bytes, paced; raises OSError when the FIFO refuses."""
        for b in data:
            os.write(self.fd, bytes([b]))
            time.sleep(PACE)

    def type(self, send):
        """Types one send: line; returns an error text or ''."""
        try:
            self.write(send.data)
        except OSError as e:
            return 'line %d: cannot type %s on the console: %s' % (
                send.line, send, e)
        return ''

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        for f in (self.fifo, self.sink):
            if os.path.lexists(f):
                os.unlink(f)
