# SPDX-License-Identifier: MIT
"""The QEMU process harness: reading the console log a QEMU writes
(Console), starting QEMU so that it dies with us (orphan_guard) and
stopping it (stop), and host ports for QEMU's user-network forwards
(free_port, release_ports; FWD_FAILED is what QEMU prints when it cannot
bind one).
"""

import codecs
import random
import re
import shutil
import socket
import subprocess
import threading

_ANSI = re.compile(r'\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][A-Za-z0-9]|[@-Z\\-_])')
_CTRL = re.compile(r'[\x00-\x08\x0b-\x1f\x7f]')


class Console:
    """Reads the serial log QEMU writes, a line at a time."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.partial = b''
        self.lines = []

    def read(self, final=False):
        if self.f is None:
            try:
                self.f = open(self.path, 'rb')
            except FileNotFoundError:
                return []
        data = self.partial + self.f.read()
        parts = data.split(b'\n')
        self.partial = parts.pop()
        if final and self.partial:
            parts.append(self.partial)
            self.partial = b''
        new = [self._clean(p) for p in parts]
        self.lines += new
        return new

    def pending(self):
        """The line being written (after the last newline), cleaned like a
        line, but without a UTF-8 character or escape sequence that has not
        fully arrived: what it returns is always the start of the line it
        becomes."""
        dec = codecs.getincrementaldecoder('utf-8')('replace')
        s = dec.decode(self.partial, final=False).replace('\r', '')
        esc = s.rfind('\x1b')
        if esc >= 0 and not _ANSI.match(s, esc):
            s = s[:esc]
        return _CTRL.sub('', _ANSI.sub('', s))

    @staticmethod
    def _clean(raw):
        s = raw.decode('utf-8', 'replace').replace('\r', '')
        return _CTRL.sub('', _ANSI.sub('', s))

    def close(self):
        if self.f is not None:
            self.f.close()


def stop(p):
    if p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def orphan_guard():
    """QEMU stays in our process group (Ctrl-C reaches it too); setpriv
    --pdeathsig also kills it if this process dies without cleaning up
    (a CI time limit, a SIGKILL)."""
    if shutil.which('setpriv'):
        return ['setpriv', '--pdeathsig', 'KILL', '--']
    return []


# Host ports for net: forwards. Chosen below Linux's ephemeral range
# (32768..60999), so the kernel does not hand them out to outgoing
# connections meanwhile; _PORTS keeps the two tests that run at once apart;
# another program may still take one between the probe and QEMU's bind,
# and then QEMU fails to start and the boot is retried with new ports.
PORT_RANGE = (20000, 32767)
_PORTS = set()
_PORTS_LOCK = threading.Lock()
FWD_FAILED = 'Could not set up host forwarding rule'


def free_port(proto):
    kind = socket.SOCK_DGRAM if proto == 'udp' else socket.SOCK_STREAM
    with _PORTS_LOCK:
        for _ in range(200):
            port = random.randint(*PORT_RANGE)
            if port in _PORTS:
                continue
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            finally:
                s.close()
            _PORTS.add(port)
            return port
    raise OSError('no free %s port on 127.0.0.1 in %d..%d' % (
        proto, PORT_RANGE[0], PORT_RANGE[1]))


def release_ports(ports):
    with _PORTS_LOCK:
        _PORTS.difference_update(ports.values())
