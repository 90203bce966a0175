# SPDX-License-Identifier: MIT
"""QEMU system tests.

A system test (SystemRun) boots QEMU once per boot of its .test file, in
its own folder build/tests/system/NAME/, and for each boot runs a loop that
reads the console log QEMU writes (qemu.Console), matches it (Matcher), and
does the send: and host: steps that are due (Script): typing into the
console FIFO (keyboard.Keyboard) and starting host commands (HostCommand)
that it polls without waiting for them, so the console keeps being read.
When all that is done, the alive: step (Alive) checks that the shell still
runs a program. QEMU's QMP socket (qemu.Qmp) says why QEMU stopped, so a
power-off is told from a reset. run_pool() runs a list of them, a number
at a time.
"""

import collections
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
import time

from . import qemu, spec
from .keyboard import Keyboard
from .result import TAIL, Result
from .result import rel as _rel

POLL = 0.05                    # seconds between console reads
PORT_TRIES = 3                 # QEMU starts when a forwarded port is taken


class Matcher:
    """Keeps track of which expected lines of one boot the console has
    shown. Ordered expects match at most `limit` lines at a time (a host:
    line holds back those below it); console lines that arrive meanwhile
    wait in `backlog` and are matched, in order, once the limit rises."""

    def __init__(self, boot, reject=(), partial=False):
        self.expect = boot.expect
        self.partial = partial             # also match the line being written
        self.next = 0                      # index of the next ordered expect
        self.limit = len(self.expect)
        self.backlog = collections.deque() # lines not yet passed by expects
        self.pending = ''                  # the line being written
        self.pos = 0                       # where the next expect is looked
                                           # for in backlog[0] (or pending)
        self.any_left = list(boot.expect_any)
        self.reject = list(reject)
        self.rejected = None               # (pattern, line)
        self.tail = None                   # watch(): a pattern for whole
        self.tail_seen = False             # lines from now on

    def watch(self, pattern):
        """Looks for pattern in the whole lines fed from now on (the
        alive: step's answer), apart from the expects."""
        self.tail = pattern
        self.tail_seen = False

    def _advance(self):
        while self.next < self.limit:
            if self.backlog:
                end = self.expect[self.next].search(self.backlog[0], self.pos)
                if end < 0:
                    self.backlog.popleft()
                    self.pos = 0
                    continue
            elif self.partial:
                end = self.expect[self.next].search(self.pending, self.pos)
                if end < 0:
                    return
            else:
                return
            self.pos = end
            self.next += 1
        if self.next == len(self.expect):
            self.backlog.clear()           # nothing left to look for

    def allow(self, limit):
        """Lets the first `limit` ordered expects match."""
        self.limit = min(limit, len(self.expect))
        self._advance()

    def feed_pending(self, text):
        """Tries the ordered expects on the line being written (text
        only grows until the line is complete and goes to feed())."""
        self.pending = text
        self._advance()

    def feed(self, line):
        self.pending = ''
        self.backlog.append(line)
        self._advance()
        self.any_left = [p for p in self.any_left if p.search(line) < 0]
        if self.tail is not None and self.tail.search(line) >= 0:
            self.tail_seen = True
        if self.rejected is None:
            for p in self.reject:
                if p.search(line) >= 0:
                    self.rejected = (p, line)
                    break

    def seen_all(self):
        return self.next == len(self.expect) and not self.any_left

    def missing(self):
        if self.next < len(self.expect):
            p = self.expect[self.next]
            return 'never saw %s (line %d)' % (p, p.line)
        if self.any_left:
            return 'never saw %s' % ', '.join(
                '%s (line %d)' % (p, p.line) for p in self.any_left)
        return ''


class HostCommand:
    """A running host: line: sh -c in a process group of its own (so that
    everything it starts can be killed), output to OUT/host-LINE.log."""

    def __init__(self, step, env, cwd, outdir):
        self.step = step
        self.log = os.path.join(outdir, 'host-%d.log' % step.line)
        self.started = time.monotonic()
        self.rc = None
        with open(self.log, 'wb') as f:
            self.p = subprocess.Popen(qemu.orphan_guard() +
                                      ['sh', '-c', step.command],
                                      cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                      stdout=f, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def poll(self):
        if self.rc is None:
            self.rc = self.p.poll()
        return self.rc

    def seconds(self):
        return time.monotonic() - self.started

    def kill(self):
        """Ends the whole process group, also what the command left
        running in the background after it exited."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.p.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            if sig == signal.SIGTERM:
                try:
                    self.p.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
        self.p.wait()
        self.poll()

    def status(self):
        rc = self.poll()
        if rc is None:
            return 'still running after %.1f s' % self.seconds()
        if rc < 0:
            return 'killed by signal %d' % -rc
        return 'exited with status %d' % rc

    def failure(self):
        return 'line %d: %s %s' % (self.step.line, self.step, self.status())

    def tail(self, top, n=10):
        try:
            with open(self.log, 'rb') as f:
                lines = f.read().decode('utf-8', 'replace').splitlines()
        except OSError:
            lines = []
        head = 'host output, line %d (%s):' % (self.step.line,
                                              _rel(self.log, top))
        return [head] + ['  ' + x for x in lines[-n:]] + (
            [] if lines else ['  (no output)'])


class Script:
    """The send: and host: lines of one boot, one step at a time in file
    order; a step waits for the expects written above it and for the step
    before it (a host: command until it has exited)."""

    def __init__(self, steps, kb, spawn):
        self.steps = list(steps)
        self.next = 0
        self.kb = kb
        self.spawn = spawn                 # Host -> HostCommand
        self.running = None                # HostCommand of steps[next]
        self.typed = 0

    def limit(self, n):
        """How many of the n ordered expects may match now: none below a
        host: line that has not finished."""
        for s in self.steps[self.next:]:
            if isinstance(s, spec.Host):
                return s.after
        return n

    def step(self, matched, typing):
        """Does every step that is due; returns a failure text or ''.
        typing: QEMU runs, so send: lines can be typed."""
        while self.next < len(self.steps):
            s = self.steps[self.next]
            if self.running:
                rc = self.running.poll()
                if rc is None:
                    return ''
                if rc != 0:
                    return self.running.failure()
                self.running = None
                self.next += 1
            elif s.after > matched:
                return ''
            elif isinstance(s, spec.Send):
                if not typing:
                    return ''
                err = self.kb.type(s)
                if err:
                    return err
                self.typed += 1
                self.next += 1
            else:
                self.running = self.spawn(s)
        return ''

    def done(self):
        return self.next == len(self.steps)

    def busy(self):
        return self.running is not None

    def progress(self):
        sends = [s for s in self.steps if isinstance(s, spec.Send)]
        if not sends:
            return ''
        if not self.typed:
            return 'typed nothing yet'
        return 'typed %d of %d inputs, the last %s' % (
            self.typed, len(sends), sends[self.typed - 1])

    def undone(self):
        s = self.steps[self.next]
        if self.running:
            return self.running.failure()
        if isinstance(s, spec.Send):
            return 'never typed %s (line %d; %s)' % (s, s.line, self.progress())
        return 'never ran %s (line %d)' % (s, s.line)


class Alive:
    """The alive: step of a boot: once the rest of the boot is done, types
    `spawn hello on CORE` for each of its cores in turn and waits for
    hello's line from that core (Matcher.watch)."""

    def __init__(self, boot, kb):
        self.boot = boot
        self.kb = kb
        self.next = 0                      # index in boot.alive
        self.typed = None                  # (input, Pattern) awaited

    def step(self, m):
        """Types or moves on as far as it can; returns an error text or
        ''."""
        while self.next < len(self.boot.alive):
            if self.typed is not None:
                if not m.tail_seen:
                    return ''
                self.typed = None
                self.next += 1
                continue
            text, pattern = spec.alive_send(self.boot.alive[self.next])
            m.watch(pattern)
            err = self.kb.type(spec.Send(text.encode() + b'\r', 0,
                                         text + '\\r', self.boot.alive_line))
            if err:
                return err
            self.typed = (text, pattern)
        return ''

    def done(self):
        return self.next == len(self.boot.alive)

    def undone(self):
        if self.typed is not None:
            return 'line %d: alive: typed \'%s\', never saw %s' % (
                self.boot.alive_line, self.typed[0], self.typed[1])
        return 'line %d: alive: never typed \'%s\'' % (
            self.boot.alive_line,
            spec.alive_send(self.boot.alive[self.next])[0])


def port_variable(port, proto):
    """PORT_80 for TCP port 80, PORT_53_UDP for UDP port 53."""
    return 'PORT_%d%s' % (port, '_UDP' if proto == 'udp' else '')


class SystemRun:
    """One system test: its boots one after the other, on one disk image,
    with host: commands between and during them."""

    def __init__(self, t, plan_env, iso, top, stop):
        self.t = t
        self.env = plan_env
        self.iso = iso
        self.top = top
        self.stop = stop
        self.name = 'system/' + t.name
        self.outdir = os.path.join(top, 'build', 'tests', 'system', t.name)
        self.disk = os.path.join(self.outdir, 'disk.img') if t.disk else None
        self.trace = os.path.join(self.outdir, 'trace.bin') if t.trace \
            else None
        self.ports = {}                    # (guest port, proto) -> host port
        self.hosts = []                    # every HostCommand started
        self.start = time.monotonic()
        self.deadline = self.start + t.timeout
        self.boot = None                   # the spec.Boot running
        self.con = None                    # its Console
        self.log = self.qlog = None        # its console and QEMU logs
        self.qmp = None                    # its qemu.Qmp
        self.failed_host = None
        self.cpus = None                   # where the vCPUs were at a timeout

    # ---- set-up

    def _prepare(self):
        # The folder holds only what this harness writes for this test.
        shutil.rmtree(self.outdir, ignore_errors=True)
        os.makedirs(self.outdir)
        if self.disk:
            with open(self.disk, 'wb') as f:
                f.truncate(self.t.disk)    # sparse: reads as zeros

    def _pick_ports(self):
        qemu.release_ports(self.ports)
        self.ports = {}
        for guest, proto in self.t.net or ():
            self.ports[(guest, proto)] = qemu.free_port(proto)

    def _forwards(self):
        if self.t.net is None:
            return None
        return [(proto, self.ports[(guest, proto)], guest)
                for guest, proto in self.t.net]

    def host_env(self):
        e = dict(self.env['ENV'])
        e['OUT'] = self.outdir
        e['BOOT'] = str(self.boot.number)
        if self.disk:
            e['DISK'] = self.disk
        if self.trace:
            e['TRACE'] = self.trace
        for (guest, proto), port in self.ports.items():
            e[port_variable(guest, proto)] = str(port)
        return e

    def _spawn(self, step):
        h = HostCommand(step, self.host_env(), self.top, self.outdir)
        self.hosts.append(h)
        return h

    def _qemu(self, kb, serial_log):
        t = self.t
        kw = dict(smp=t.smp, mem=t.mem, machine=t.machine,
                  extra=self.qmp.args() + t.qemu,
                  net=self._forwards(), net_device=t.net_device,
                  disk=self.disk, disk_device=t.disk_device,
                  trace=self.trace, trace_append=True)
        if kb:
            return self.env.QemuCommand(self.iso, serial='chardev:com1',
                                        chardev=kb.chardev(serial_log), **kw)
        return self.env.QemuCommand(self.iso, serial='file:' + serial_log, **kw)

    # ---- running

    def run(self):
        """Returns the test's Result."""
        try:
            self._prepare()
            self._pick_ports()
        except OSError as e:
            return Result(self.name, False, 'cannot set up: %s' % e)
        try:
            for b in self.t.boots:
                self.boot = b
                ok, why = self._run_boot(b)
                if not ok:
                    return self._failure(why)
            return Result(self.name, True, seconds=self._elapsed())
        finally:
            for h in self.hosts:
                h.kill()
            qemu.release_ports(self.ports)

    def _elapsed(self):
        return time.monotonic() - self.start

    def _run_boot(self, b):
        for s in b.steps:
            if isinstance(s, spec.Host) and s.early:
                ok, why = self._run_alone(s)
                if not ok:
                    return ok, why
        for attempt in range(PORT_TRIES):
            ok, why, retry = self._run_qemu(b)
            if not retry:
                return ok, why
            self._pick_ports()
        return False, 'QEMU could not forward the net: ports in %d tries' % (
            PORT_TRIES)

    def _run_alone(self, step):
        """Runs a host: line before the boot's QEMU starts."""
        h = self._spawn(step)
        while h.poll() is None:
            if self.stop.is_set():
                return False, 'interrupted'
            if time.monotonic() > self.deadline:
                self.failed_host = h
                return False, 'timeout after %d s: %s (before QEMU started)' % (
                    self.t.timeout, h.failure())
            time.sleep(POLL)
        if h.poll() != 0:
            self.failed_host = h
            return False, h.failure() + ' (before QEMU started)'
        return True, ''

    def _run_qemu(self, b):
        """Boots QEMU once; returns (ok, reason, retry with other ports)."""
        n = b.number
        self.log = os.path.join(self.outdir, 'boot%d.console' % n)
        self.qlog = os.path.join(self.outdir, 'boot%d.qemu' % n)
        for f in (self.log, self.qlog):
            if os.path.exists(f):
                os.unlink(f)
        kb = None
        if self.t.has_send():
            try:
                kb = Keyboard(os.path.join(self.outdir, 'boot%d.serial' % n))
            except OSError as e:
                return False, 'cannot make the console input: %s' % e, False
        self.qmp = qemu.Qmp(os.path.join(self.outdir, 'boot%d.qmp' % n))
        cmd = self._qemu(kb, self.log)
        try:
            with open(self.qlog, 'wb') as q:
                p = subprocess.Popen(qemu.orphan_guard() + cmd, cwd=self.top,
                                     stdin=subprocess.DEVNULL, stdout=q,
                                     stderr=subprocess.STDOUT,
                                     env=self.env['ENV'])
        except OSError as e:
            if kb:
                kb.close()
            self.qmp.close()
            return False, 'cannot run QEMU: %s' % e, False
        self.con = qemu.Console(self.log)
        steps = [s for s in b.steps if not (isinstance(s, spec.Host) and s.early)]
        script = Script(steps, kb, self._spawn)
        alive = Alive(b, kb)
        m = Matcher(b, self.t.reject, partial=kb is not None)
        try:
            why = self.qmp.start(p, self.deadline, self.stop)
            ok = not why
            if ok:
                ok, why = self._watch(p, m, script, alive)
        finally:
            qemu.stop(p)
            # What arrived between the last read and the stop is checked
            # against reject: too.
            for line in self.con.read(final=True):
                m.feed(line)
            self.con.close()
            self.qmp.close()
            if kb:
                kb.close()
        if ok and m.rejected:
            ok, why = False, self._rejected(m)
        if (p.returncode not in (None, 0) and not self.con.lines
                and qemu.FWD_FAILED in self._qemu_output()
                and not self.stop.is_set()):
            return False, why, True
        return ok, why, False

    def _rejected(self, m):
        return 'console printed %r (rejected: %s, line %d)' % (
            m.rejected[1].strip(), m.rejected[0], m.rejected[0].line)

    def meaning(self, status):
        """What a QEMU exit status means, with QMP's reason for status 0
        (a power-off and a reset both give it)."""
        reason = self.qmp.reason() if self.qmp else None
        if status == 0 and reason:
            return '%s: %s' % (reason, qemu.Qmp.REASONS.get(reason, 'see QEMU\'s '
                                                          'SHUTDOWN event'))
        return self.env.QemuExitMeaning(status)

    def _watch(self, p, m, script, alive):
        """Reads the console and does the script until the boot is judged."""
        b = self.boot
        while True:
            rc = p.poll()
            for line in self.con.read(final=rc is not None):
                m.feed(line)
            if m.partial:
                m.feed_pending(self.con.pending())
            m.allow(script.limit(len(b.expect)))
            err = ''
            while not err and not m.rejected and not self.stop.is_set():
                # A finished host: line lets expects below it match, and
                # they may let the next steps go.
                matched = m.next
                err = script.step(matched, typing=rc is None)
                m.allow(script.limit(len(b.expect)))
                if m.next == matched:
                    break
            if self.stop.is_set():
                return False, 'interrupted'
            if m.rejected:
                return False, self._rejected(m)
            if err:
                self.failed_host = script.running
                return False, err
            if rc is not None and not script.busy():
                self.qmp.poll(final=True)
                return _judge_exit(b, m, script, alive, rc, self.meaning,
                                   self.qmp.reason())
            self.qmp.poll()
            if (rc is None and m.seen_all() and b.exit is None
                    and script.done()):
                err = alive.step(m)
                if err:
                    return False, err
                if alive.done():
                    return True, ''
            if time.monotonic() > self.deadline:
                self._dump_cpus(p)
                return self._timeout(m, script, alive)
            time.sleep(POLL)

    def _dump_cpus(self, p):
        """At a timeout, while QEMU still runs: every vCPU's registers in
        bootN.cpus, and a one-line summary of where they are for the
        failure's tail (docs/testing.md, "When a boot times out")."""
        text = self.qmp.hmp(p, 'info registers -a')
        if text is None:
            self.cpus = 'vCPUs at the timeout: QEMU did not answer on QMP'
            return
        path = os.path.join(self.outdir, 'boot%d.cpus' % self.boot.number)
        try:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
        except OSError:
            path = None
        self.cpus = qemu.cpu_summary(text) or 'vCPUs at the timeout: none'
        if path:
            self.cpus += ' (%s)' % _rel(path, self.top)

    def _timeout(self, m, script, alive):
        b = self.boot
        for line in self.con.read(final=True):
            m.feed(line)
        head = 'timeout after %d s: ' % self.t.timeout
        if script.busy():
            self.failed_host = script.running
            return False, head + script.running.failure()
        if m.seen_all() and script.done():
            if b.exit is None:
                if alive.done():
                    return True, ''
                return False, head + alive.undone()
            return False, head + ('every line seen, but QEMU did not exit with '
                                  'status %d (%s; line %d)' % (
                                      b.exit, _wanted(b.exit, self.meaning),
                                      b.exit_line))
        if m.seen_all():
            return False, head + script.undone()
        why = head + m.missing()
        if script.progress():
            why += ' (%s)' % script.progress()
        return False, why

    # ---- reporting

    def _qemu_output(self):
        try:
            with open(self.qlog, 'rb') as q:
                return q.read().decode('utf-8', 'replace')
        except (OSError, TypeError):
            return ''

    def _failure(self, why):
        t, top = self.t, self.top
        if len(t.boots) > 1:
            why = 'boot %d of %d: %s' % (self.boot.number, len(t.boots), why)
        tail = []
        if self.failed_host:
            tail += self.failed_host.tail(top)
        if self.con is not None:
            tail += self.con.lines[-TAIL:] or ['(nothing on the console)']
            tail += ['qemu: ' + x for x in self._qemu_output().splitlines()[-5:]
                     if 'terminating on signal' not in x]
            if self.cpus:
                tail.append(self.cpus)
            tail.append('console log: %s' % _rel(self.log, top))
        else:
            tail.append('(QEMU not started)')
        by_hand = self.env.QemuCommand(
            _rel(self.iso, top), smp=t.smp, mem=t.mem, machine=t.machine,
            serial='mon:stdio', extra=t.qemu, net=self._forwards(),
            net_device=t.net_device,
            disk=_rel(self.disk, top) if self.disk else None,
            disk_device=t.disk_device,
            trace=_rel(self.trace, top) if self.trace else None)
        tail.append('run by hand: ' + ' '.join(shlex.quote(c) for c in by_hand))
        sends = [str(s) for s in self.boot.sends] + [
            "'%s\\r'" % spec.alive_send(c)[0] for c in self.boot.alive]
        if sends:
            tail.append('and type: ' + ', '.join(sends))
        return Result(self.name, False, why, tail, seconds=self._elapsed())


def run_system(t, plan_env, iso, top, stop):
    """Boots one system test (every boot of it); returns a Result."""
    return SystemRun(t, plan_env, iso, top, stop).run()


def _wanted(status, meaning):
    """What an exit: line asks for, in words."""
    if status == 0:
        return 'a power-off: guest-shutdown in QEMU\'s SHUTDOWN event'
    return meaning(status)


def _judge_exit(b, m, script, alive, rc, meaning, reason):
    """The verdict on a boot whose QEMU has exited (status rc, QMP's
    shutdown reason or None)."""
    def left():
        return m.missing() or (script.undone() if not script.done() else '') \
            or (alive.undone() if not alive.done() else '')
    if b.exit is None:
        if not left():
            return True, ''
        return False, 'QEMU exited with status %d (%s); %s' % (
            rc, meaning(rc), left())
    if rc != b.exit or (rc == 0 and reason != 'guest-shutdown'):
        if rc == 0 and rc == b.exit and reason is None:
            got = 'status 0, but QEMU gave no reason on its QMP socket'
        else:
            got = 'status %d (%s)' % (rc, meaning(rc))
        return False, 'QEMU exited with %s, expected %d (%s; line %d)' % (
            got, b.exit, _wanted(b.exit, meaning), b.exit_line)
    if left():
        return False, 'QEMU exited with status %d as expected, but %s' % (
            rc, left())
    return True, ''


def run_pool(todo, jobs, plan_env, top, stop, add):
    """Runs the system tests in todo ((test, ISO path) pairs), `jobs` at a
    time, and passes each Result to add() as it comes."""
    if not todo:
        return
    work = queue.Queue()
    done = queue.Queue()
    for item in todo:
        work.put(item)

    # Plain threads: this runs from an exit handler, where
    # concurrent.futures refuses new work.
    def worker():
        while True:
            try:
                t, iso = work.get_nowait()
            except queue.Empty:
                return
            try:
                done.put(run_system(t, plan_env, iso, top, stop))
            except Exception as e:          # a harness bug fails the test
                done.put(Result('system/' + t.name, False,
                                'harness error: %r' % e))

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(min(jobs, len(todo)))]
    for th in threads:
        th.start()
    try:
        for _ in todo:
            while True:
                try:
                    add(done.get(timeout=0.5))
                    break
                except queue.Empty:
                    continue
    except KeyboardInterrupt:
        stop.set()
        for th in threads:
            th.join()
        raise
    for th in threads:
        th.join()
