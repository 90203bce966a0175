# SPDX-License-Identifier: MIT
"""The QEMU process harness: reading the console log a QEMU writes
(Console), asking QEMU why it stopped (Qmp), starting QEMU so that it dies
with us (orphan_guard) and stopping it (stop), and host ports for QEMU's
user-network forwards (free_port, release_ports; FWD_FAILED is what QEMU
prints when it cannot bind one).
"""

import codecs
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

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


class Qmp:
    """QEMU's QMP socket, for the reason QEMU stopped: a guest power-off
    (ACPI S5) and a reset (a triple fault) both end QEMU with status 0
    under -no-reboot, but its SHUTDOWN event says `guest-shutdown` for the
    one and `guest-reset` for the other.

    QEMU starts paused (-S) and the harness lets the guest run (`cont`)
    once it has negotiated QMP, so no event can come before it listens."""

    # what QEMU's SHUTDOWN event reasons mean, in words
    REASONS = {
        'guest-shutdown': 'the guest switched the machine off',
        'guest-reset': 'the guest reset the machine (a triple fault? '
                       '-no-reboot ends QEMU instead)',
        'guest-panic': 'the guest reported a panic to QEMU',
        'host-signal': 'QEMU was stopped by a signal',
        'host-qmp-quit': 'QEMU was told to quit',
    }

    def __init__(self, path):
        self.dir = None
        if len(path) > 100:                # sun_path holds 108 bytes
            self.dir = tempfile.mkdtemp(prefix='ostest-qmp-')
            path = os.path.join(self.dir, 'qmp')
        self.path = path
        self.sock = None
        self.buf = b''
        self.events = []                   # every event, as QEMU sent it
        self.shutdown = None               # the SHUTDOWN event's data
        if os.path.lexists(path):
            os.unlink(path)

    def args(self):
        return ['-qmp', 'unix:%s,server=on,wait=off'
                % self.path.replace(',', ',,'), '-S']

    def start(self, p, deadline, stop):
        """Connects, negotiates and lets the guest run; returns an error
        text, or '' (also when QEMU has exited meanwhile: its exit status
        is judged then)."""
        while self.sock is None:
            if p.poll() is not None or stop.is_set():
                return ''
            if time.monotonic() > deadline:
                return 'QEMU never opened its QMP socket %s' % self.path
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                self.sock = s
            except OSError:
                s.close()
                time.sleep(0.05)
        for command in (None, 'qmp_capabilities', 'cont'):
            if command:
                try:
                    self.sock.sendall(json.dumps(
                        {'execute': command}).encode() + b'\r\n')
                except OSError:
                    return '' if p.poll() is not None else (
                        'QMP socket closed before %s' % command)
            while True:
                msg = self._message(p, deadline, stop)
                if msg is None:
                    if p.poll() is not None or stop.is_set():
                        return ''
                    return 'QEMU did not answer %s on its QMP socket' % (
                        command or 'with its greeting')
                if 'error' in msg:
                    return 'QMP %s: %s' % (command, msg['error'])
                if (command is None and 'QMP' in msg) or 'return' in msg:
                    break
        self.sock.setblocking(False)
        return ''

    def _message(self, p, deadline, stop):
        """The next message, waiting (but not past the deadline, nor after
        QEMU has exited); events go to self.events."""
        self.sock.settimeout(0.2)
        while True:
            while b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                msg = self._decode(line)
                if msg is not None and 'event' not in msg:
                    return msg
            if time.monotonic() > deadline or stop.is_set():
                return None
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                if p.poll() is not None:
                    return None
                continue
            except OSError:
                return None
            if not data:
                return None
            self.buf += data

    def _decode(self, line):
        try:
            msg = json.loads(line.decode('utf-8', 'replace'))
        except ValueError:
            return None
        if not isinstance(msg, dict):
            return None
        if 'event' in msg:
            self.events.append(msg)
            if msg['event'] == 'SHUTDOWN' and self.shutdown is None:
                self.shutdown = msg.get('data') or {}
        return msg

    def poll(self, final=False):
        """Reads the events that have arrived (final: until QEMU closes
        the socket, once it has exited)."""
        if self.sock is None:
            return
        if final:
            self.sock.settimeout(2)
        while True:
            try:
                data = self.sock.recv(4096)
            except (BlockingIOError, socket.timeout):
                break
            except OSError:
                break
            if not data:
                break
            self.buf += data
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            self._decode(line)

    def hmp(self, p, line, timeout=10):
        """What a human-monitor command printed (text), or None when QEMU
        does not answer within timeout seconds (or has exited)."""
        if self.sock is None or p.poll() is not None:
            return None
        try:
            self.sock.sendall(json.dumps({
                'execute': 'human-monitor-command',
                'arguments': {'command-line': line}}).encode() + b'\r\n')
        except OSError:
            return None
        msg = self._message(p, time.monotonic() + timeout, threading.Event())
        self.sock.setblocking(False)
        if msg is None or not isinstance(msg.get('return'), str):
            return None
        return msg['return']

    def reason(self):
        """QEMU's shutdown reason (guest-shutdown, guest-reset, ...), or
        None before a SHUTDOWN event."""
        return None if self.shutdown is None else self.shutdown.get('reason', '?')

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if os.path.lexists(self.path):
            os.unlink(self.path)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# Where a vCPU's instruction pointer is, in words (docs/testing.md, "When
# a boot times out"): the CPU driver runs in the top half of the address
# space, programs at ring 3, firmware and the boot loader below 1 MiB or in
# real mode's segments.
def _where(rip, cpl):
    if cpl == 3:
        return 'in a program'
    if rip >= 1 << 63:
        return 'in the CPU driver'
    if rip < 1 << 20:
        return 'below 1 MiB (firmware, boot loader or trampoline)'
    return 'in low memory (boot loader?)'


def cpu_summary(text):
    """One line from `info registers -a`: how many vCPUs are where, halted
    or running, and vCPU 0's instruction pointer; None if text has no
    vCPU in it."""
    cpus = re.split(r'^CPU#(\d+)', text, flags=re.M)
    groups = {}
    rip0 = None
    for i in range(1, len(cpus) - 1, 2):
        body = cpus[i + 1]
        rip = re.search(r'\b[RE]IP=([0-9a-f]+)', body)
        cpl = re.search(r'\bCPL=(\d)', body)
        hlt = re.search(r'\bHLT=(\d)', body)
        cs = re.search(r'^CS\s*=([0-9a-f]+) ([0-9a-f]+)', body, re.M)
        if not rip:
            continue
        addr = int(rip.group(1), 16)
        if cs and len(rip.group(1)) <= 8:      # 32-bit or real mode
            addr += int(cs.group(2), 16)
        if cpus[i] == '0':
            rip0 = addr
        key = ('halted' if hlt and hlt.group(1) == '1' else 'running',
               _where(addr, int(cpl.group(1)) if cpl else 0))
        groups[key] = groups.get(key, 0) + 1
    if not groups:
        return None
    parts = ['%d %s %s' % (n, k[0], k[1]) for k, n in groups.items()]
    line = 'vCPUs at the timeout: ' + ', '.join(parts)
    if rip0 is not None:
        line += '; vCPU 0 at %#x' % rip0
    return line


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
