# SPDX-License-Identifier: MIT
"""One QEMU guest driven over its serial port, for the benchmarks.

Guest(cmd_for, workdir) starts QEMU with COM1 as a pipe chardev, through
the test harness's serial keyboard, ostest/keyboard.py (QEMU reads
<base>.in, a FIFO we write to, writes <base>.out, a link to /dev/null, and
logs everything to <base>.log, which we poll). cmd_for(chardev_spec)
must return the QEMU argv with `-chardev <spec> -serial chardev:com1`.

Times are host wall-clock (time.monotonic) from just before QEMU is started.
scale multiplies every timeout (bench_icount's guests run slower).
"""

import os
import re
import signal
import subprocess
import time

from ostest.keyboard import Keyboard

POLL = 0.02          # seconds between reads of the console log


class GuestError(Exception):
    pass


class Guest:
    def __init__(self, cmd_for, workdir, name='guest', env=None, scale=1):
        os.makedirs(workdir, exist_ok=True)
        self.base = os.path.join(workdir, name)
        self.log = self.base + '.log'
        if os.path.lexists(self.log):
            os.unlink(self.log)
        self.kb = Keyboard(self.base)
        self.scale = scale      # every timeout is this many times longer
        try:
            self.cmd = cmd_for(self.kb.chardev(self.log))
        except ValueError as e:
            self.kb.close()
            raise GuestError('cannot start QEMU: %s' % e)
        self.text = ''
        self.offset = 0         # bytes of the log read so far
        self.pos = 0            # how far wait_for has consumed self.text
        self.t0 = time.monotonic()
        try:
            self.p = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                      stdout=open(self.base + '.qemu', 'wb'),
                                      stderr=subprocess.STDOUT, env=env,
                                      start_new_session=True)
        except OSError as e:
            self.kb.close()
            raise GuestError('cannot start %s: %s' % (self.cmd[0], e))

    def elapsed(self):
        return time.monotonic() - self.t0

    def _read(self):
        try:
            with open(self.log, 'rb') as f:
                f.seek(self.offset)
                more = f.read()
                self.offset += len(more)
        except FileNotFoundError:
            return
        if more:
            self.text += more.decode('utf-8', 'surrogateescape').replace(
                '\r', '')

    def wait_for(self, pattern, timeout):
        """Waits for regex `pattern` in console output after what earlier
        waits consumed. Returns (match, seconds since QEMU start at the
        moment it was seen). Raises GuestError on timeout or QEMU exit."""
        rx = re.compile(pattern, re.M)
        timeout *= self.scale
        deadline = time.monotonic() + timeout
        while True:
            self._read()
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m, self.elapsed()
            if self.p.poll() is not None:
                self._read()
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m, self.elapsed()
                raise GuestError('QEMU exited (status %s) before %r; last '
                                 'output: %s' % (self.p.returncode, pattern,
                                                 self.tail()))
            if time.monotonic() > deadline:
                raise GuestError('no %r within %d s; last output: %s'
                                 % (pattern, timeout, self.tail()))
            time.sleep(POLL)

    def tail(self, n=3):
        lines = [l for l in self.text.splitlines() if l.strip()]
        return ' | '.join(lines[-n:]) or '(nothing)'

    def type(self, line):
        self.kb.write((line + '\r').encode())

    def wait_exit(self, timeout):
        try:
            return self.p.wait(timeout * self.scale)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self._read()
        self.kb.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
